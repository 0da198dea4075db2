"""Refusals as data: a `Why` code, the sentence for the person who asked, and the
exception the engine raises for it. Pages compare the codes, never the sentences; the
engine raises `Refusal.exception()`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format

from ..exceptions import HandoffError, NotAllowed, WorkItemClosedError
from ..models import WorkItem
from ..naming import person_name
from ..status import WorkItemStatus, status_phrase


class Why(StrEnum):
    """Why something is refused: what pages and tests compare, never the sentence."""

    SIGNED_OUT = "signed_out"  # nobody, an anonymous visitor, an inactive user
    CLOSED = "closed"  # completed or canceled
    NOT_YOURS = "not_yours"  # not theirs to work (see the module's docstring)
    HELD_BY_OTHER = "held_by_other"
    HELD_BY_YOU = "held_by_you"
    RUN_SUSPENDED = "run_suspended"  # passes: it may be submitted once the run resumes
    RUN_NOT_RUNNING = "run_not_running"
    STEP_NOT_RUNNING = "step_not_running"
    NOT_IN_QUEUE = "not_in_queue"
    NOT_CLAIMED = "not_claimed"
    NOT_HOLDER = "not_holder"
    OUTSIDE_PARTICIPANT = "outside_participant"
    STEP_NOT_REASSIGNABLE = "step_not_reassignable"
    NOT_INVOLVED = "not_involved"
    NOT_COVERING = "not_covering"  # an `on_behalf_of` the engine did not work out itself
    # Whom work may be handed to (handover.py)
    TARGET_INACTIVE = "target_inactive"
    TARGET_OUTSIDE_PARTICIPANT = "target_outside_participant"
    TARGET_NOT_TEAMMATE = "target_not_teammate"
    TARGET_NOT_IN_PROCESS = "target_not_in_process"
    TEAM_NOT_IN_PROCESS = "team_not_in_process"
    DELEGATE_IS_YOU = "delegate_is_you"


@dataclass(frozen=True)
class Refusal:
    """A "no" as data: the code, the sentence for the person who asked, and the
    exception the engine raises for it (with its attributes in `details`)."""

    why: Why
    message: str
    error: type[HandoffError] = NotAllowed
    details: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    @property
    def passes(self) -> bool:
        """True when waiting is enough: the same call may succeed later."""
        return self.why == Why.RUN_SUSPENDED

    def exception(self) -> HandoffError:
        return self.error(self.message, **self.details)


def closed_refusal(item: WorkItem) -> Refusal | None:
    """Why nobody may act on a completed or canceled item (who closed it, and when)."""
    if item.status == WorkItemStatus.COMPLETED:
        name = person_name(item.completed_by)
        return Refusal(
            Why.CLOSED,
            f"Already completed by {name}, {when_phrase(item.completed_at)}.",
            WorkItemClosedError,
            {"closed_by": name, "closed_at": item.completed_at},
        )
    if item.status == WorkItemStatus.CANCELED:
        why = status_phrase(item.run.status) if not item.run.is_open else ""
        return Refusal(
            Why.CLOSED,
            "This item was canceled"
            + (f" because the run was {why}" if why else " because its step no longer runs")
            + f", {when_phrase(item.completed_at)}.",
            WorkItemClosedError,
            {"closed_at": item.completed_at},
        )
    return None


def when_phrase(moment: Any) -> str:
    """ "today at 10:28", "yesterday at 17:05", "Nov 20, 2026 at 09:14"."""
    if moment is None:
        return "earlier"
    local = timezone.localtime(moment)
    days_ago = (timezone.localdate() - local.date()).days
    day = {0: "today", 1: "yesterday"}.get(days_ago) or date_format(local, "N j, Y")
    return f"{day} at {date_format(local, 'H:i')}"
