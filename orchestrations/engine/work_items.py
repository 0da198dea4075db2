"""People's side of a run: claim, release, complete and reassign work items."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from ..exceptions import AlreadyClaimedError
from ..fields import clean_values
from ..models import WorkItem
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
from .delegation import route
from .facts import REASSIGN_PERMISSION
from .handover import reassign_refusal
from .locking import locked_unit
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


def work_item_claim(item: WorkItem, *, by: Any) -> WorkItem:
    """Take a team-queue item: it leaves the queue and is `by`'s to complete. Claiming
    an item one holds already does nothing."""
    item = arguments.instance(item, WorkItem, argument="item")
    by = arguments.person(by, argument="by", to="claim this item")
    with locked_unit(item.run_id) as unit:
        # Whether `by` is in the item's team comes with the item: the rule asks it.
        item = unit.work_item(item.pk, queue_of=by)
        if item.status == WorkItemStatus.CLAIMED and item.claimed_by_id == by.pk:
            return item
        require(by, item, "claim", in_queue=unit.in_queue(item, by))
        item.claim(by=by, message=f"Claimed by {person_name(by)}.")
    return item


def work_item_release(item: WorkItem, *, by: Any, reason: str = "") -> WorkItem:
    """Put a claimed item back in its queue."""
    item = arguments.instance(item, WorkItem, argument="item")
    by = arguments.person(by, argument="by", to="release this item")
    reason = arguments.text(reason, argument="reason")
    with locked_unit(item.run_id) as unit:
        item = unit.work_item(item.pk)
        require(by, item, "release")
        item.release(by=by, message=reason or "Released back to the queue.")
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
    with locked_unit(item.run_id) as unit:
        # The run's open items come with it, in case the stage ends and cancels them.
        item = unit.work_item(item.pk, with_open=True)
        acting_for = require_to_submit(by, item, on_behalf_of=on_behalf_of)
        step = unit.definition.step_by_id[item.step_run.step_id]
        cleaned = clean_values(step.fields, data)
        item.complete(
            by=by, data=cleaned, on_behalf_of=acting_for, message=_completed(by, acting_for)
        )
        step_run = item.step_run
        step_run.outputs = cleaned
        step_run.complete(by=by, on_behalf_of=acting_for, message="Form submitted.")
        advance(unit, by=by)
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
    with locked_unit(item.run_id) as unit:
        item = unit.work_item(item.pk)
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
        step = unit.definition.step_by_id[item.step_run.step_id]
        to_whom = person_name(item.on_behalf_of) if item.on_behalf_of else "you"
        reason_line = f"Reassigned to {to_whom} by {person_name(by)}" + (
            f": {reason}" if reason else "."
        )
        if routing and routing.routed:
            reason_line = f"{reason_line.rstrip('.')}. {routing.reason()}"
        context = unit.context()
        unit.after_rows(  # once the item is written: the email's audience reads it
            lambda: notify_assignment(item, step, context, reason=reason_line, people=unit.people)
        )
    return item


def _completed(by: Any, on_behalf_of: Any) -> str:
    if on_behalf_of is not None:
        return f"Completed by {person_name(by)} on behalf of {person_name(on_behalf_of)}."
    return f"Completed by {person_name(by)}."
