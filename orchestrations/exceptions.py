"""Errors the engine raises to its callers, each with a message fit to show a person."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime


class HandoffError(Exception):
    """Base class: `str(error)` is a sentence for the person who asked."""


class VersionLockedError(HandoffError):
    """An active or obsolete version (or a part of it) was about to change."""


class TransitionRefused(HandoffError):
    """The object is not in a state that allows the requested change."""


class WorkItemClosedError(TransitionRefused):
    """A work item was already completed or canceled: says by whom and when."""

    def __init__(self, message: str, *, closed_by: str = "", closed_at: datetime | None = None):
        super().__init__(message)
        self.closed_by = closed_by
        self.closed_at = closed_at


class NotAllowed(HandoffError):
    """The acting user may not do this."""


class AssigneeError(HandoffError):
    """An assignee expression did not name a user or group."""


class AlreadyClaimedError(TransitionRefused):
    """Somebody else holds the item: says who, and since when."""

    def __init__(self, message: str, *, claimed_by: Any = None):
        super().__init__(message)
        self.claimed_by = claimed_by
