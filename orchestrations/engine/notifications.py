"""Emails about work and runs: composed inside the transaction, written to the outbox
with it, sent after the commit.

A step's email text may read answers of earlier steps; each recipient gets it as they
may see those answers (`orchestrations.visibility`): one email per group of recipients
who see the same, where an answer one of them may not see is blank.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db.models.functions import Lower
from django.urls import NoReverseMatch, reverse

from .. import outbox, visibility
from ..conditions import ConditionError, template_references
from ..membership import is_outside_participant
from ..models import OutboxKind, OutboxMessage, Run, WorkItem
from .assignees import Directory
from .context import RunContext
from .definition import StepDef, version_definition

logger = logging.getLogger(__name__)


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


def recipients_of(item: WorkItem, people: Directory | None = None) -> dict[int, str]:
    """The people told about `item`, by id: its assignee, or every active member of its
    team queue; those without an address are left out."""
    if item.assignee_user_id:
        user = item.assignee_user
        return {user.pk: user.email} if user is not None and user.email else {}
    if item.assignee_group is not None:
        return (people or Directory()).addresses(item.assignee_group)
    return {}


def notify_assignment(
    item: WorkItem,
    step: StepDef,
    context: RunContext,
    *,
    reason: str = "",
    people: Directory | None = None,
) -> None:
    """Tell the assignee (every member of a team queue) that work is waiting; `people`
    knows the team's addresses if the transaction read them."""
    recipients = recipients_of(item, people)
    templates = (step.email_subject, step.email_body)
    for addresses, seen in audiences(item.run, context, templates, recipients):
        subject, body = _assignment_email(item, step, seen, reason)
        send_after_commit(addresses, subject, body, run=item.run)


def _assignment_email(
    item: WorkItem, step: StepDef, context: RunContext, reason: str
) -> tuple[str, str]:
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
    return subject, f"{body}\n\nOpen it: {work_item_url(item)}"


def audiences(
    run: Run, context: RunContext, templates: Iterable[str], recipients: dict[int, str]
) -> list[tuple[list[str], RunContext]]:
    """The recipients (id → address) grouped by what they may see of the answers the
    `templates` read, each group with the run's context as they see it. Texts that read
    no answers go to everybody at once, at no cost."""
    read = _steps_read(templates)
    if not read or not recipients:
        return [(list(recipients.values()), context)]
    definition = version_definition(run.version)
    steps = context.namespaces["steps"]
    groups: dict[tuple[Any, ...], tuple[list[str], RunContext]] = {}
    for user_id, viewer in visibility.viewers_of(recipients, run).items():
        seen = visibility.seen_steps(viewer, definition, steps, only=read)
        hidden = tuple(
            (key, name) for key in sorted(seen) for name, v in seen[key].items() if v is None
        )
        if hidden not in groups:
            namespaces = {**context.namespaces, "steps": {**steps, **seen}}
            groups[hidden] = ([], dataclasses.replace(context, namespaces=namespaces))
        groups[hidden][0].append(recipients[user_id])
    return list(groups.values())


def context_for_addresses(run: Run, context: RunContext, addresses: Any) -> RunContext:
    """The run's context as the readers of an email to `addresses` may see its answers:
    all of them when every address is a member's (or support's); otherwise what the run
    shares with its outside participants, for an address that is an outside
    participant's or nobody's account alike."""
    wanted = {str(a).strip().lower() for a in _as_list(addresses) if a}
    accounts = dict(
        get_user_model()
        ._default_manager.annotate(address=Lower("email"))
        .filter(address__in=wanted, is_active=True)
        .values_list("pk", "address")
    )
    viewers = visibility.viewers_of(accounts, run)
    insiders = {accounts[pk] for pk, viewer in viewers.items() if not viewer.is_outside}
    if wanted <= insiders:
        return context
    outsider = visibility.Viewer(None, participant=True)
    definition = version_definition(run.version)
    steps = context.namespaces["steps"]
    seen = visibility.seen_steps(outsider, definition, steps)
    return dataclasses.replace(context, namespaces={**context.namespaces, "steps": seen})


def _as_list(addresses: Any) -> list[Any]:
    return [addresses] if isinstance(addresses, str) else list(addresses or [])


def _steps_read(templates: Iterable[str]) -> set[str]:
    """The keys of the steps whose outputs the templates read (none for a broken
    template: it falls back to the default text for everybody)."""
    read: set[str] = set()
    for text in templates:
        try:
            paths = template_references(text) if text else []
        except ConditionError:
            continue
        read.update(path[1] for path in paths if len(path) > 1 and path[0] == "steps")
    return read


def notify_run_error(run: Run, message: str) -> None:
    """Tell the run's starter and the support staff that a run stopped on an error. A
    starter who is an outside participant is told that it stopped, not the error (the
    staff's business, and it may quote the definition)."""
    recipients = list(settings.SUPPORT_EMAILS)
    starter = run.started_by
    outside = is_outside_participant(starter)
    if starter and starter.email and not outside:
        recipients.append(starter.email)
    subject = f"Run stopped on an error: {run}"
    body = f"{run} stopped on an error:\n\n{message}\n\nSee it: {run_url(run)}"
    send_after_commit(recipients, subject, body, run=run)
    if starter and starter.email and outside:
        body = f"{run} is held up; support staff have been told.\n\nSee it: {run_url(run)}"
        send_after_commit([starter.email], f"Your request is held up: {run}", body, run=run)


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
