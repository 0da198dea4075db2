"""People's side of a run: claim, release, complete and reassign work items."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from ..exceptions import AlreadyClaimedError
from ..fields import clean_values
from ..models import Run, WorkItem
from ..naming import person_name
from ..status import WorkItemStatus
from . import arguments
from .abilities import (
    can_act_on,
    can_reassign,
    require,
    require_open,
    require_to_submit,
)
from .context import run_context
from .definition import version_definition
from .delegation import route
from .facts import REASSIGN_PERMISSION
from .handover import reassign_refusal
from .locking import locked_run
from .notifications import notify_assignment
from .progress import advance

# Importable from here as before; the rules live in `abilities`.
__all__ = [
    "REASSIGN_PERMISSION",
    "AlreadyClaimedError",
    "can_act_on",
    "can_reassign",
    "work_item_claim",
    "work_item_complete",
    "work_item_reassign",
    "work_item_release",
]

# What each transition changes. Saving only these keeps a draft written meanwhile
# (drafts take the run's lock too, but a whole-row save would still be one stale
# read away from writing an old draft back).
CLAIM_FIELDS = ["status", "claimed_by", "claimed_at", "updated_at"]
COMPLETE_FIELDS = ["status", "completed_by", "completed_at", "on_behalf_of", "data",
                   "draft_data", "updated_at"]  # fmt: skip
REASSIGN_FIELDS = ["status", "assignee_user", "assignee_group", "assigned_at", "claimed_by",
                   "claimed_at", "on_behalf_of", "updated_at"]  # fmt: skip


def work_item_claim(item: WorkItem, *, by: Any) -> WorkItem:
    """Take a team-queue item: it leaves the queue and is `by`'s to complete. Claiming
    an item one holds already does nothing."""
    item = arguments.instance(item, WorkItem, argument="item")
    by = arguments.person(by, argument="by", to="claim this item")
    with locked_run(item.run_id) as run:
        item = _reread(item, run)
        if item.status == WorkItemStatus.CLAIMED and item.claimed_by_id == by.pk:
            return item
        require(by, item, "claim")
        item.claim(by=by, message=f"Claimed by {person_name(by)}.")
        item.save(update_fields=CLAIM_FIELDS)
    return item


def work_item_release(item: WorkItem, *, by: Any, reason: str = "") -> WorkItem:
    """Put a claimed item back in its queue."""
    item = arguments.instance(item, WorkItem, argument="item")
    by = arguments.person(by, argument="by", to="release this item")
    reason = arguments.text(reason, argument="reason")
    with locked_run(item.run_id) as run:
        item = _reread(item, run)
        require(by, item, "release")
        item.release(by=by, message=reason or "Released back to the queue.")
        item.save(update_fields=CLAIM_FIELDS)
    return item


def work_item_complete(
    item: WorkItem,
    *,
    by: Any,
    data: Mapping[str, Any],
    on_behalf_of: Any = None,
) -> WorkItem:
    """Submit the step's form: validates `data`, completes the step, moves the run.

    The engine works out on whose behalf `by` acts (a delegate covering for somebody
    away) and records it; `on_behalf_of` may be left out, and naming anybody else is
    refused with `NotAllowed`. Bad values raise `django.forms.ValidationError` whose
    `error_dict` maps each field to its messages. An item completed or canceled
    meanwhile raises `WorkItemClosedError` naming who closed it and when; a suspended
    or finished run, or a step no longer running, raises `TransitionRefused`. Wrong
    input is refused before anything is read: see `arguments`.
    """
    item = arguments.instance(item, WorkItem, argument="item")
    by = arguments.person(by, argument="by", to="complete this item")
    data = arguments.values(data, what="form's values")
    on_behalf_of = arguments.optional_person(
        on_behalf_of, argument="on_behalf_of", to="have work done on their behalf"
    )
    with locked_run(item.run_id) as run:
        item = _reread(item, run)
        acting_for = require_to_submit(by, item, on_behalf_of=on_behalf_of)
        definition = version_definition(run.version)
        step = definition.step_by_id[item.step_run.step_id]
        cleaned = clean_values(step.fields, data)
        item.complete(
            by=by, data=cleaned, on_behalf_of=acting_for, message=_completed(by, acting_for)
        )
        item.save(update_fields=COMPLETE_FIELDS)
        step_run = item.step_run
        step_run.outputs = cleaned
        step_run.complete(by=by, on_behalf_of=acting_for, message="Form submitted.")
        step_run.save()
        advance(run, by=by)
    return item


def work_item_reassign(
    item: WorkItem,
    *,
    by: Any,
    to_user: Any = None,
    to_group: Any = None,
    reason: str = "",
) -> WorkItem:
    """Give an open item to another user or team; the new assignee is notified. Who
    may reassign is `abilities`' rule, to whom `handover`'s (the step's `reassign`
    setting); both refuse with `NotAllowed` and a sentence that says where the item
    may go instead. `by=None` is the system, which may give it to any active user."""
    item = arguments.instance(item, WorkItem, argument="item")
    by = arguments.optional_person(by, argument="by", to="reassign this item")
    to_user = arguments.optional_instance(to_user, get_user_model(), argument="to_user")
    to_group = arguments.optional_instance(to_group, Group, argument="to_group")
    reason = arguments.text(reason, argument="reason")
    if (to_user is None) == (to_group is None):
        raise ValueError("Reassign to exactly one of a user or a group.")
    with locked_run(item.run_id) as run:
        item = _reread(item, run)
        if by is None:
            require_open(item)
        else:
            require(by, item, "reassign")
        refusal = reassign_refusal(by, item, to_user=to_user, to_group=to_group)
        if refusal is not None:
            raise refusal.exception()
        before = person_name(item.assignee)
        routing = route(to_user) if to_user is not None else None  # covering while away
        item.reassign(
            to_user=routing.assignee if routing else None,
            to_group=to_group,
            by=by,
            message=f"Reassigned from {before} to "
            + (routing.describe() if routing else person_name(to_group))
            + (f": {reason}" if reason else "."),
        )
        item.on_behalf_of = routing.on_behalf_of if routing else None
        item.save(update_fields=REASSIGN_FIELDS)
        definition = version_definition(run.version)
        step = definition.step_by_id[item.step_run.step_id]
        to_whom = person_name(item.on_behalf_of) if item.on_behalf_of else "you"
        reason_line = f"Reassigned to {to_whom} by {person_name(by)}" + (
            f": {reason}" if reason else "."
        )
        if routing and routing.routed:
            reason_line = f"{reason_line.rstrip('.')}. {routing.reason()}"
        notify_assignment(item, step, run_context(run, definition), reason=reason_line)
    return item


def _reread(item: WorkItem, run: Run) -> WorkItem:
    item = WorkItem.objects.select_related(
        "step_run", "claimed_by", "completed_by", "assignee_user", "assignee_group",
        "on_behalf_of", "run",
    ).get(pk=item.pk)  # fmt: skip
    item.run = item.step_run.run = run  # the locked run, loaded with what events need
    return item


def _completed(by: Any, on_behalf_of: Any) -> str:
    if on_behalf_of is not None:
        return f"Completed by {person_name(by)} on behalf of {person_name(on_behalf_of)}."
    return f"Completed by {person_name(by)}."
