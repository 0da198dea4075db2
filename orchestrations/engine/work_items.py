"""People's side of a run: claim, release, complete and reassign work items."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.formats import date_format

from ..exceptions import NotAllowed, TransitionRefused, WorkItemClosedError
from ..fields import clean_values
from ..models import Run, WorkItem
from ..naming import person_name
from ..status import RunStatus, StepRunStatus, WorkItemStatus, status_phrase
from . import arguments
from .context import run_context
from .definition import version_definition
from .delegation import route
from .locking import locked_run
from .notifications import notify_assignment
from .progress import advance


class AlreadyClaimedError(TransitionRefused):
    """Somebody else holds the item: says who, and since when."""

    def __init__(self, message: str, *, claimed_by: Any = None):
        super().__init__(message)
        self.claimed_by = claimed_by


# Support staff who may reassign (and release) anybody's work item, and see every one.
REASSIGN_PERMISSION = "orchestrations.reassign_workitem"


def can_act_on(user: Any, item: WorkItem) -> bool:
    """The assignee, the holder, or (for a team queue) any member of the team; never
    nobody, an anonymous visitor or an inactive user."""
    item = arguments.instance(item, WorkItem, argument="item")
    if not arguments.is_person(user, argument="user"):
        return False  # an anonymous visitor's pk (None) would match an unheld item's holder
    if item.assignee_user_id == user.pk or item.claimed_by_id == user.pk:
        return True
    return bool(item.assignee_group_id and user.groups.filter(pk=item.assignee_group_id).exists())


def can_reassign(user: Any, item: WorkItem) -> bool:
    """Whoever may act on the item, and support staff with the reassign permission."""
    item = arguments.instance(item, WorkItem, argument="item")
    if not arguments.is_person(user, argument="user"):
        return False
    return user.has_perm(REASSIGN_PERMISSION) or can_act_on(user, item)


def work_item_claim(item: WorkItem, *, by: Any) -> WorkItem:
    """Take a team-queue item: it leaves the queue and is `by`'s to complete."""
    item = arguments.instance(item, WorkItem, argument="item")
    by = arguments.person(by, argument="by", to="claim this item")
    with locked_run(item.run_id) as run:
        item = _reread(item, run)
        _refuse_closed(item)
        if item.status == WorkItemStatus.CLAIMED:
            if item.claimed_by_id == by.pk:
                return item
            raise AlreadyClaimedError(
                f"{person_name(item.claimed_by)} claimed this first, {_when(item.claimed_at)}.",
                claimed_by=item.claimed_by,
            )
        if not can_act_on(by, item):
            raise NotAllowed("This item is not in any of your queues.")
        item.claim(by=by, message=f"Claimed by {person_name(by)}.")
        item.save()
    return item


def work_item_release(item: WorkItem, *, by: Any, reason: str = "") -> WorkItem:
    """Put a claimed item back in its queue."""
    item = arguments.instance(item, WorkItem, argument="item")
    by = arguments.person(by, argument="by", to="release this item")
    reason = arguments.text(reason, argument="reason")
    with locked_run(item.run_id) as run:
        item = _reread(item, run)
        _refuse_closed(item)
        if item.status != WorkItemStatus.CLAIMED:
            raise TransitionRefused("This item is not claimed by anybody.")
        if item.claimed_by_id != by.pk and not by.has_perm(REASSIGN_PERMISSION):
            raise NotAllowed(f"Only {person_name(item.claimed_by)} can release this item.")
        item.release(by=by, message=reason or "Released back to the queue.")
        item.save()
    return item


def work_item_complete(
    item: WorkItem,
    *,
    by: Any,
    data: Mapping[str, Any],
    on_behalf_of: Any = None,
) -> WorkItem:
    """Submit the step's form: validates `data`, completes the step, moves the run.

    Bad values raise `django.forms.ValidationError` whose `error_dict` maps each
    field to its messages. An item completed or canceled meanwhile raises
    `WorkItemClosedError` naming who closed it and when; a suspended or finished
    run, or a step no longer running, raises `TransitionRefused`. Wrong input is
    refused before anything is read: see `arguments`.
    """
    item = arguments.instance(item, WorkItem, argument="item")
    by = arguments.person(by, argument="by", to="complete this item")
    data = arguments.values(data, what="form's values")
    on_behalf_of = arguments.optional_person(
        on_behalf_of, argument="on_behalf_of", to="have work done on their behalf"
    )
    with locked_run(item.run_id) as run:
        item = _reread(item, run)
        _refuse_closed(item)
        if item.status == WorkItemStatus.CLAIMED and item.claimed_by_id != by.pk:
            raise AlreadyClaimedError(
                f"{person_name(item.claimed_by)} is working on this "
                f"(claimed {_when(item.claimed_at)}).",
                claimed_by=item.claimed_by,
            )
        if not can_act_on(by, item) and not _acts_for(by, on_behalf_of, item):
            raise NotAllowed(f"This item is assigned to {person_name(item.assignee)}, not to you.")
        _refuse_unless_running(run, item)
        definition = version_definition(run.version)
        step = definition.step_by_id[item.step_run.step_id]
        cleaned = clean_values(step.fields, data)
        item.complete(
            by=by, data=cleaned, on_behalf_of=on_behalf_of, message=_completed(by, on_behalf_of)
        )
        item.save()
        step_run = item.step_run
        step_run.outputs = cleaned
        step_run.complete(by=by, on_behalf_of=on_behalf_of, message="Form submitted.")
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
    """Give an open item to another user or team; the new assignee is notified."""
    item = arguments.instance(item, WorkItem, argument="item")
    by = arguments.optional_person(by, argument="by", to="reassign this item")
    to_user = arguments.optional_instance(to_user, get_user_model(), argument="to_user")
    to_group = arguments.optional_instance(to_group, Group, argument="to_group")
    reason = arguments.text(reason, argument="reason")
    if (to_user is None) == (to_group is None):
        raise ValueError("Reassign to exactly one of a user or a group.")
    with locked_run(item.run_id) as run:
        item = _reread(item, run)
        _refuse_closed(item)
        if by is not None and not can_reassign(by, item):
            raise NotAllowed("You may not reassign this item.")
        if to_user is not None and not to_user.is_active:
            raise TransitionRefused(f"{person_name(to_user)} is not an active user.")
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
        item.save()
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
        "step_run", "claimed_by", "completed_by", "assignee_user", "assignee_group", "run"
    ).get(pk=item.pk)
    item.run = item.step_run.run = run  # the locked run, loaded with what events need
    return item


def _refuse_closed(item: WorkItem) -> None:
    if item.status == WorkItemStatus.COMPLETED:
        raise WorkItemClosedError(
            f"Already completed by {person_name(item.completed_by)}, {_when(item.completed_at)}.",
            closed_by=person_name(item.completed_by),
            closed_at=item.completed_at,
        )
    if item.status == WorkItemStatus.CANCELED:
        why = status_phrase(item.run.status) if not item.run.is_open else ""
        raise WorkItemClosedError(
            "This item was canceled"
            + (f" because the run was {why}" if why else " because its step no longer runs")
            + f", {_when(item.completed_at)}.",
            closed_at=item.completed_at,
        )


def _refuse_unless_running(run: Run, item: WorkItem) -> None:
    if run.status == RunStatus.SUSPENDED:
        raise TransitionRefused("The run is suspended; submit again once it has resumed.")
    if run.status != RunStatus.IN_PROGRESS:
        raise TransitionRefused(f"The run is {status_phrase(run.status)}.")
    if item.step_run.status != StepRunStatus.IN_PROGRESS:
        raise TransitionRefused("This step is no longer running.")


def _acts_for(by: Any, on_behalf_of: Any, item: WorkItem) -> bool:
    """A delegate acting for the assignee (the inbox checks the delegation itself)."""
    return on_behalf_of is not None and can_act_on(on_behalf_of, item)


def _completed(by: Any, on_behalf_of: Any) -> str:
    if on_behalf_of is not None:
        return f"Completed by {person_name(by)} on behalf of {person_name(on_behalf_of)}."
    return f"Completed by {person_name(by)}."


def _when(moment: Any) -> str:
    """ "today at 10:28", "yesterday at 17:05", "Nov. 20, 2026 at 09:14"."""
    if moment is None:
        return "earlier"
    local = timezone.localtime(moment)
    days_ago = (timezone.localdate() - local.date()).days
    day = {0: "today", 1: "yesterday"}.get(days_ago) or date_format(local, "N j, Y")
    return f"{day} at {date_format(local, 'H:i')}"
