"""Where a work item went, told only to someone who could see it before.

`access.work_item_for` answers 404 for an item the viewer may not see. A plain "Not found"
is right for a stranger, but baffling for the person whose item it was until a colleague
reassigned it. So when the item's own events show the viewer had it — it was assigned to
them or to one of their teams, or they acted on it (claimed, released, reassigned, commented)
— the 404 says where it is now. Nobody else learns even that it exists.

What the sentence names follows the visibility rule for people: a team by its name; a
person by name only to a member (an outside participant reads "someone else").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from orchestrations.membership import is_member
from orchestrations.models import RunEvent, WorkItem
from orchestrations.naming import person_name

REASSIGNED = "work_item.reassign"


def where_it_went(user: Any, pk: int) -> str:
    """A sentence for `user` about item `pk`, which they may no longer see; "" when they
    never could (or it does not exist)."""
    item = WorkItem.objects.select_related("assignee_user", "assignee_group").filter(pk=pk).first()
    if item is None or not getattr(user, "is_authenticated", False):
        return ""
    events = list(
        RunEvent.objects.filter(work_item=item)
        .order_by("pk")
        .values_list("kind", "actor_id", "on_behalf_of_id", "data")
    )
    if not _had_it(user, events):
        return ""
    where = _holder(user, item)
    if any(kind == REASSIGNED for kind, *_ in events):
        return f"This item was reassigned to {where}."
    return f"This item is now with {where}."


def _had_it(user: Any, events: Iterable[tuple[str, int | None, int | None, Any]]) -> bool:
    groups: set[int] | None = None
    for _kind, actor_id, on_behalf_of_id, data in events:
        data = data if isinstance(data, dict) else {}
        if user.pk in (actor_id, on_behalf_of_id, data.get("assignee_user")):
            return True
        group_id = data.get("assignee_group")
        if group_id is not None:
            if groups is None:
                groups = set(user.groups.values_list("pk", flat=True))
            if group_id in groups:
                return True
    return False


def _holder(user: Any, item: WorkItem) -> str:
    if item.assignee_group is not None:
        name = item.assignee_group.name
        return f"the {name}" if name.lower().endswith("team") else f"the {name} team"
    if item.assignee_user is None:
        return "nobody yet"
    return person_name(item.assignee_user) if is_member(user) else "someone else"
