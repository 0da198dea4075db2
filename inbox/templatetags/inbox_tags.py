"""Display helpers for the inbox: people's names, due dates in words, run statuses.

{% load inbox_tags %}
{{ item.claimed_by|person }}            Carla Mendes
{% due item.due_at %}                   <time …>overdue by 3 hours</time>
{{ item.assigned_at|when }}             10:42 (today) · Nov 20 · Nov 20, 2025
{{ item.assigned_at|iso }}              2026-11-20T10:42:00+00:00 (for <time datetime>)
{% run_status run %}                    a status badge
{{ waiting|badge }}                     12 · 999+ (a count capped by inbox/counts.py)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.html import format_html

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


# The moments below are what date_format(…, "H:i"), "M j", "D, M j, Y, H:i" and the
# date filter's "c" write, from the same translated names, built directly: Django's
# format machinery costs ~50 µs a call, and a list shows three moments a row.


@register.filter
def when(moment: dt.datetime | None) -> str:
    """A short moment: the time for today, the day for this year, else the full date."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    today = timezone.localdate()
    if local.date() == today:
        return f"{local:%H:%M}"
    if local.year == today.year:
        return month_day(local)
    return f"{month_day(local)}, {local.year}"


@register.filter
def exact(moment: dt.datetime | None) -> str:
    """The full moment, for a tooltip: "Tue, Nov 24, 2026, 09:08"."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{WEEKDAYS_ABBR[local.weekday()]}, {month_day(local)}, {local.year}, {local:%H:%M}"


@register.filter
def iso(moment: dt.datetime | None) -> str:
    """The moment for a <time datetime="…">, in the site's time zone."""
    return "" if moment is None else timezone.localtime(moment).isoformat()


def month_day(local: dt.datetime) -> str:
    return f"{MONTHS_3[local.month].title()} {local.day}"


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


@register.simple_tag
def due(due_at: dt.datetime | None, is_open: bool = True) -> str:
    """The due date in words, highlighted when overdue, the exact moment in a tooltip.
    (Built here rather than in a template: a list shows it on every row.)"""
    if not due_at:
        return format_html('<span class="list-muted">{}</span>', "No due date")
    overdue = is_open and due_at < timezone.now()
    phrase = due_phrase(due_at) if is_open else f"was due {when(due_at)}"
    html = '<time datetime="{}" title="{}" class="overdue">{}</time>' if overdue else (
        '<time datetime="{}" title="{}">{}</time>'
    )  # fmt: skip
    return format_html(html, iso(due_at), exact(due_at), phrase)


@register.inclusion_tag("inbox/partials/_list_status.html")
def run_status(run: Any) -> dict[str, Any]:
    return {
        "status": run.status,
        "label": RUN_STATUS_LABELS.get(run.status, run.status),
        "error": run.error_message if run.status == RunStatus.ERROR else "",
    }
