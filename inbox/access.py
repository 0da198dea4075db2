"""Who may see what in the inbox. Every inbox view fetches through these functions,
so a URL naming somebody else's item or run answers 404.

- A work item is seen by its assignee, the members of its team queue, whoever
  claimed or completed it, the person it was done on behalf of, the delegate of an
  assignee who is away (open items only), and holders of the reassign permission.
- A run is seen by its starter, the owner of its record, anyone who can see one of
  its work items, and support staff (the run view permission).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import CharField, Q, Subquery
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from config.errors import ExplainedNotFound
from orchestrations.engine.work_items import REASSIGN_PERMISSION
from orchestrations.models import Delegation, Orchestration, Run, WorkItem
from orchestrations.models.choices import TriggerType
from orchestrations.records import START_PERMISSION, owner_fields
from orchestrations.status import OPEN_WORK_ITEM_STATUSES, VersionStatus, WorkItemStatus

from .whereabouts import where_it_went

DESIGN_PERMISSION = "orchestrations.change_orchestration"
VIEW_RUNS_PERMISSION = "orchestrations.view_run"


def today() -> dt.date:
    return timezone.localdate()


def delegators_of(user: Any) -> list[int]:
    """The ids of the users who are away today and delegate their work to `user`.
    (A list, not a subquery: PostgreSQL then uses the assignee index for My work.)"""
    delegations = Delegation.objects.active_on(today()).filter(delegate=user)
    return list(delegations.values_list("user", flat=True))


def work_items_for(user: Any) -> models.QuerySet[WorkItem]:
    """Every work item `user` may see (open or closed)."""
    if user.has_perm(REASSIGN_PERMISSION):
        return WorkItem.objects.all()
    return WorkItem.objects.filter(
        Q(assignee_user=user)
        | Q(claimed_by=user)
        | Q(completed_by=user)
        | Q(on_behalf_of=user)
        | Q(assignee_group__in=user.groups.all())
        | Q(assignee_user__in=delegators_of(user), status__in=OPEN_WORK_ITEM_STATUSES)
    )


def my_work(user: Any) -> models.QuerySet[WorkItem]:
    """Open items that are `user`'s to do: assigned to them, claimed by them, or
    assigned to somebody who is away and delegates to them."""
    return WorkItem.objects.open().filter(
        Q(assignee_user=user) | Q(claimed_by=user) | Q(assignee_user__in=delegators_of(user))
    )


def team_queue(user: Any, group: Any) -> models.QuerySet[WorkItem]:
    """Open, unclaimed items waiting in `group`, if `user` belongs to it."""
    return queues_waiting(user).filter(assignee_group=group)


def team_held(user: Any, group: Any) -> models.QuerySet[WorkItem]:
    """Items of `group` that somebody has claimed, if `user` belongs to it."""
    return WorkItem.objects.filter(
        status=WorkItemStatus.CLAIMED, assignee_group__in=user.groups.all()
    ).filter(assignee_group=group)


def work_item_for(user: Any, pk: int, queryset: Any = None) -> WorkItem:
    """The item `pk` if `user` may see it; 404 otherwise (not 403: no hint that it exists)."""
    queryset = queryset if queryset is not None else WorkItem.objects.all()
    visible = work_items_for(user).filter(pk=pk).values("pk")
    item = queryset.filter(pk=pk).filter(pk__in=visible).first()
    if item is None:
        explanation = where_it_went(user, pk)  # only for someone who had it before
        raise ExplainedNotFound(explanation) if explanation else Http404("No such work item.")
    return item


def runs_for(user: Any, *, pk: int | None = None) -> models.QuerySet[Run]:
    """Every run `user` may see (only run `pk`'s items are searched when given)."""
    if user.is_staff and user.has_perm(VIEW_RUNS_PERMISSION):
        return Run.objects.all()
    items = work_items_for(user)
    if pk is not None:
        items = items.filter(run_id=pk)
    return Run.objects.filter(
        Q(started_by=user) | owned_records(user) | Q(pk__in=items.values("run"))
    )


def my_requests(user: Any) -> models.QuerySet[Run]:
    """Runs `user` started or whose record they own."""
    return Run.objects.filter(Q(started_by=user) | owned_records(user))


def run_for(user: Any, pk: int, queryset: Any = None) -> Run:
    queryset = queryset if queryset is not None else Run.objects.all()
    visible = runs_for(user, pk=pk).filter(pk=pk).values("pk")
    run = queryset.filter(pk=pk).filter(pk__in=visible).first()
    if run is None:
        raise Http404("No such run.")
    return run


def owned_records(user: Any) -> Q:
    """Runs whose record's owner is `user`: one subquery per model that has an owner."""
    condition = Q(pk__in=[])
    for model, field_name in owner_fields():
        owned = (
            model._default_manager.filter(**{field_name: user})
            .annotate(_record_id=Cast("pk", CharField()))
            .values("_record_id")
        )
        content_type = ContentType.objects.get_for_model(model)
        condition |= Q(record_type=content_type, record_id__in=Subquery(owned))
    return condition


def startable_orchestrations(user: Any) -> models.QuerySet[Orchestration]:
    """Manual orchestrations `user` may start from the Start run page (designers and
    holders of the add-run permission): not archived, with an active version."""
    if not (user.has_perm(START_PERMISSION) or user.has_perm(DESIGN_PERMISSION)):
        return Orchestration.objects.none()
    return Orchestration.objects.filter(
        archived=False,
        versions__status=VersionStatus.ACTIVE,
        versions__trigger_type=TriggerType.MANUAL,
    ).order_by("name")


def queues_waiting(user: Any) -> models.QuerySet[WorkItem]:
    """Open, unclaimed items waiting in any of `user`'s teams."""
    return WorkItem.objects.filter(status=WorkItemStatus.OPEN, assignee_group__in=user.groups.all())
