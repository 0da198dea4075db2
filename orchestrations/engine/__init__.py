"""The orchestration engine's public API (see docs/python-api.md).

Every function locks the run's row, re-reads it, changes state through FSM
transitions (each one recorded as a RunEvent) and writes side effects (email,
Celery messages) to the outbox, which sends them after the commit.
"""

from ..exceptions import (
    AlreadyClaimedError,
    AssigneeError,
    HandoffError,
    NotAllowed,
    TransitionRefused,
    VersionLockedError,
    WorkItemClosedError,
)
from .abilities import Abilities, work_item_abilities
from .background import step_execute
from .drafts import work_item_save_draft
from .refusals import Refusal, Why
from .runs import (
    DuplicateRunError,
    run_cancel,
    run_resume,
    run_start,
    run_suspend,
    step_retry,
)
from .sweeper import sweep
from .triggers import record_saved
from .work_items import (
    can_act_on,
    can_reassign,
    work_item_claim,
    work_item_complete,
    work_item_reassign,
    work_item_release,
)

__all__ = [
    "Abilities",
    "AlreadyClaimedError",
    "AssigneeError",
    "DuplicateRunError",
    "HandoffError",
    "NotAllowed",
    "Refusal",
    "TransitionRefused",
    "VersionLockedError",
    "Why",
    "WorkItemClosedError",
    "can_act_on",
    "can_reassign",
    "record_saved",
    "run_cancel",
    "run_resume",
    "run_start",
    "run_suspend",
    "step_execute",
    "step_retry",
    "sweep",
    "work_item_abilities",
    "work_item_claim",
    "work_item_complete",
    "work_item_reassign",
    "work_item_release",
    "work_item_save_draft",
]
