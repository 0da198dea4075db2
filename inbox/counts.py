"""The counts the inbox shows in its navigation and team tabs, capped.

Counting a queue of thousands costs as much as reading it, and nobody needs more than
"999+" in a badge. Each count therefore reads at most `CAP` rows (a COUNT over a LIMIT
subquery, served by the work-item indexes), so it costs the same at 1,000 waiting items
as at 100,000. A count equal to `CAP` means "at least `CAP`" and is shown as "999+".
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery

from orchestrations.models import WorkItem
from orchestrations.status import WorkItemStatus

from . import access

CAP = 1000


def capped(rows: QuerySet, cap: int = CAP) -> int:
    """How many `rows` there are, or `cap` when there are at least that many."""
    return rows.order_by()[:cap].count()


class CappedCount(Subquery):
    """`capped` as an annotation: `rows` may refer to the outer row with OuterRef."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS capped)"
    output_field = IntegerField()

    def __init__(self, rows: QuerySet, cap: int = CAP) -> None:
        super().__init__(rows.order_by().values("pk")[:cap])


def nav_counts(user: Any, *, my_work_count: int | None = None) -> dict[str, int]:
    """The navigation's counts: `user`'s open items (`my_work_count` when the caller
    has counted them already) and the items waiting in their teams, in one query
    (read beside the user's own row, which is always there)."""
    waiting = CappedCount(access.queues_waiting(user))
    me = get_user_model().objects.filter(pk=user.pk)
    if my_work_count is None:
        mine, queues = me.values_list(CappedCount(access.my_work(user)), waiting).get()
    else:
        mine, queues = min(my_work_count, CAP), me.values_list(waiting, flat=True).get()
    return {"my_work": mine, "queues": queues}


def queue_tabs(user: Any) -> list[tuple[Group, int]]:
    """Each of `user`'s teams, by name, with the number of items waiting in it (one query)."""
    waiting = WorkItem.objects.filter(status=WorkItemStatus.OPEN, assignee_group=OuterRef("pk"))
    teams = user.groups.order_by("name").annotate(waiting=CappedCount(waiting))
    return [(team, team.waiting) for team in teams]
