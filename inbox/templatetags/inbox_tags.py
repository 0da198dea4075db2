"""Display helpers for the inbox: people's names, due dates in words, run statuses.

{% load inbox_tags %}
{{ item.claimed_by|person }}            Carla Mendes
{% due item.due_at %}                   <time …>overdue by 3 hours</time>
{{ item.assigned_at|when }}             10:42 (today) · Nov 20 · Nov 20, 2025
{% run_status run %}                    a status badge
{{ waiting|badge }}                     12 · 999+ (a count capped by inbox/counts.py)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.formats import date_format

from orchestrations import membership
from orchestrations.naming import person_name
from orchestrations.status import RunStatus

from ..counts import CAP

register = template.Library()

RUN_STATUS_LABELS = {
    RunStatus.IN_PROGRESS: "In progress",
    RunStatus.SUSPENDED: "Suspended",
    RunStatus.COMPLETED: "Completed",
    RunStatus.CANCELED: "Canceled",
    RunStatus.ERROR: "Stopped on an error",
}


@register.filter
def person(who: Any) -> str:
    """A user's full name (their username when they have none), a team's name, or ""."""
    return person_name(who, nobody="")


@register.filter
def badge(count: int | None) -> str:
    """A capped count as the navigation and the team tabs show it: "999+" at the cap."""
    count = count or 0
    return f"{CAP - 1}+" if count >= CAP else str(count)


@register.filter
def is_member(user: Any) -> bool:
    """Whether `user` is a member (in a team, or staff) rather than an outside participant."""
    return membership.is_member(user)


@register.filter
def when(moment: dt.datetime | None) -> str:
    """A short moment: the time for today, the day for this year, else the full date."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    today = timezone.localdate()
    if local.date() == today:
        return date_format(local, "H:i")
    if local.year == today.year:
        return date_format(local, "M j")
    return date_format(local, "M j, Y")


@register.filter
def exact(moment: dt.datetime | None) -> str:
    """The full moment, for a tooltip: "Tue, Nov 24, 2026, 09:08"."""
    if moment is None:
        return ""
    return date_format(timezone.localtime(moment), "D, M j, Y, H:i")


def due_phrase(due_at: dt.datetime, now: dt.datetime | None = None) -> str:
    """ "due in 2 days", "due now", "overdue by 3 hours"."""
    now = now or timezone.now()
    if abs(due_at - now) < dt.timedelta(minutes=1):
        return "due now"
    if due_at < now:
        return f"overdue by {span(now - due_at)}"
    return f"due in {span(due_at - now)}"


def span(delta: dt.timedelta) -> str:
    """A duration in its largest unit, rounded: 4 days 23 hours is "5 days"."""
    seconds = delta.total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600)):
        if seconds >= size:
            count = round(seconds / size)
            return f"{count}\xa0{unit}{pluralize(count)}"
    count = max(1, round(seconds / 60))
    return f"{count}\xa0minute{pluralize(count)}"


@register.inclusion_tag("inbox/partials/_list_due.html")
def due(due_at: dt.datetime | None, is_open: bool = True) -> dict[str, Any]:
    """The due date in words, highlighted when overdue, the exact moment in a tooltip."""
    if not due_at:
        return {"due_at": None}
    overdue = is_open and due_at < timezone.now()
    phrase = due_phrase(due_at) if is_open else f"was due {when(due_at)}"
    return {"due_at": due_at, "phrase": phrase, "overdue": overdue}


@register.inclusion_tag("inbox/partials/_list_status.html")
def run_status(run: Any) -> dict[str, Any]:
    return {
        "status": run.status,
        "label": RUN_STATUS_LABELS.get(run.status, run.status),
        "error": run.error_message if run.status == RunStatus.ERROR else "",
    }
