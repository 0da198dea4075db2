"""What the rules of `abilities` read about one person and one work item: whether it is
theirs to work (assignee, holder, team queue, or covering for someone away), on whose
behalf, who holds it, what its step allows. Each fact is looked up at most once, and
only when a rule asks for it, so the engine's checks cost a query or two."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.utils import timezone

from ..models import Delegation, WorkItem
from ..status import WorkItemStatus
from . import arguments
from .definition import version_definition

# Support staff who may reassign (and release) anybody's work item, and see every one.
REASSIGN_PERMISSION = "orchestrations.reassign_workitem"


def item_facts(user: Any, item: WorkItem, *, in_queue: bool | None = None) -> ItemFacts:
    item = arguments.instance(item, WorkItem, argument="item")
    person = arguments.is_person(user, argument="user")
    return ItemFacts(user if person else None, item, in_queue=in_queue)


class ItemFacts:
    """What the rules ask about one person and one item, each looked up at most once
    and only when a rule asks (`in_queue`: known already, read with the item)."""

    def __init__(self, user: Any, item: WorkItem, *, in_queue: bool | None = None):
        self.user, self.item = user, item
        self.person = user is not None
        if in_queue is not None and self.person:
            self.__dict__["in_queue"] = in_queue and bool(item.assignee_group_id)

    @cached_property
    def is_assignee_or_holder(self) -> bool:
        pk = self.user.pk
        return self.item.assignee_user_id == pk or self.item.claimed_by_id == pk

    @cached_property
    def in_queue(self) -> bool:
        group_id = self.item.assignee_group_id
        return bool(group_id) and self.user.groups.filter(pk=group_id).exists()

    @cached_property
    def own(self) -> bool:
        return self.is_assignee_or_holder or self.in_queue

    @cached_property
    def delegator(self) -> Any:
        """The away assignee of an open item who delegates to the user today."""
        item = self.item
        if self.own or item.assignee_user_id is None or not item.is_open:
            return None
        covered = Delegation.objects.active_on(timezone.localdate()).filter(
            user_id=item.assignee_user_id, delegate_id=self.user.pk
        )
        return item.assignee_user if covered.exists() else None

    @property
    def works_on(self) -> bool:
        return self.own or self.delegator is not None

    @cached_property
    def acting_for(self) -> Any:
        if self.is_assignee_or_holder:
            return self.item.on_behalf_of  # routed to the user while somebody is away
        return None if self.own else self.delegator

    @property
    def held_by_other(self) -> bool:
        item = self.item
        return item.status == WorkItemStatus.CLAIMED and item.claimed_by_id != self.user.pk

    @cached_property
    def may_reassign_anything(self) -> bool:
        return self.user.has_perm(REASSIGN_PERMISSION)

    @cached_property
    def reassign_scope(self) -> str:
        definition = version_definition(self.item.run.version)
        return definition.step_by_id[self.item.step_run.step_id].reassign
