"""Emails about work and runs: composed inside the transaction, written to the outbox
with it, sent after the commit."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.urls import NoReverseMatch, reverse

from .. import outbox
from ..conditions import ConditionError
from ..models import OutboxKind, OutboxMessage, Run, WorkItem
from .context import RunContext
from .definition import StepDef

logger = logging.getLogger(__name__)
User = get_user_model()


def work_item_url(item: WorkItem) -> str:
    return absolute_url(["inbox:work-item", "admin:orchestrations_workitem_change"], item.pk)


def run_url(run: Run) -> str:
    return absolute_url(["inbox:run-detail", "admin:orchestrations_run_change"], run.pk)


def absolute_url(names: list[str], *args: Any) -> str:
    """The first of `names` that this installation serves (the inbox is optional), else
    the site's root."""
    for name in names:
        try:
            return settings.SITE_URL.rstrip("/") + reverse(name, args=args)
        except NoReverseMatch:
            continue
    return settings.SITE_URL


def recipients_of(item: WorkItem) -> list[str]:
    if item.assignee_user_id:
        email = item.assignee_user.email if item.assignee_user else ""
        return [email] if email else []
    if item.assignee_group_id:
        return list(
            User.objects.filter(groups=item.assignee_group_id, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    return []


def notify_assignment(
    item: WorkItem, step: StepDef, context: RunContext, *, reason: str = ""
) -> None:
    """Tell the assignee (every member of a team queue) that work is waiting."""
    default_subject = f"New work: {step.name} ({item.run.label or item.run.orchestration.name})"
    subject = _render(step.email_subject, context) or default_subject
    lines = [
        f"{step.name} is waiting for you in {item.run}.",
        reason,
        f"Due: {item.due_at:%Y-%m-%d %H:%M %Z}" if item.due_at else "",
    ]
    custom = _render(step.email_body, context)
    if custom and reason:  # the admin's text, then why this came to you (e.g. you cover)
        custom = f"{custom}\n\n{reason}"
    body = custom or "\n".join(line for line in lines if line)
    body = f"{body}\n\nOpen it: {work_item_url(item)}"
    send_after_commit(recipients_of(item), subject, body, run=item.run)


def notify_run_error(run: Run, message: str) -> None:
    """Tell the run's starter and the support staff that a run stopped on an error."""
    recipients = list(settings.SUPPORT_EMAILS)
    if run.started_by and run.started_by.email:
        recipients.append(run.started_by.email)
    subject = f"Run stopped on an error: {run}"
    body = f"{run} stopped on an error:\n\n{message}\n\nSee it: {run_url(run)}"
    send_after_commit(recipients, subject, body, run=run)


def send_after_commit(
    recipients: list[str], subject: str, body: str, *, run: Run | None = None
) -> None:
    """Email `recipients` once the transaction commits: an outbox row, written now."""
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    subject = " ".join(subject.split())[:200]
    payload = {"to": recipients, "subject": subject, "body": body}
    outbox.enqueue(OutboxKind.EMAIL, payload, run_id=run.pk if run else None)


@outbox.sender(OutboxKind.EMAIL, after_commit="worker")
def _send_email(message: OutboxMessage) -> None:
    """One email per outbox row, with a Message-ID made from the row, so that a copy
    sent again after a crash between sending and marking it sent is recognisable."""
    domain = urlsplit(settings.SITE_URL).hostname or "handoff.invalid"
    payload = message.payload
    EmailMessage(
        payload["subject"],
        payload["body"],
        None,
        payload["to"],
        headers={"Message-ID": f"<handoff.outbox.{message.pk}@{domain}>"},
    ).send()


def _render(template: str, context: RunContext) -> str:
    """The admin's text with its placeholders filled in; "" (use the default text)
    when there is none or it cannot be rendered for this run."""
    if not template:
        return ""
    try:
        return context.render(template)
    except ConditionError as error:
        logger.warning("Email template failed (%s); using the default text.", error)
        return ""
