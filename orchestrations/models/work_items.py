"""Work items: the inbox entry for one interactive step, and who may act on it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from ..status import OPEN_WORK_ITEM_STATUSES, WorkItemStatus
from .runs import Run, StepRun, user_fk


class WorkItemQuerySet(models.QuerySet["WorkItem"]):
    def open(self) -> WorkItemQuerySet:
        return self.filter(status__in=OPEN_WORK_ITEM_STATUSES)


class WorkItem(FSMModelMixin, models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="work_items")
    step_run = models.ForeignKey(StepRun, on_delete=models.CASCADE, related_name="work_items")
    status = FSMField(choices=WorkItemStatus.choices, default=WorkItemStatus.OPEN, protected=True)
    assignee_user = user_fk("assigned_work_items")
    assignee_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="work_items"
    )
    claimed_by = user_fk("claimed_work_items")
    claimed_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    assigned_at = models.DateTimeField(default=timezone.now, help_text="When the assignee got it")
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = user_fk()
    on_behalf_of = user_fk(help_text="Whose work this was, when a delegate completed it")
    data = models.JSONField(default=dict, blank=True, help_text="The submitted values")
    draft_data = models.JSONField(default=dict, blank=True)

    objects = WorkItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "created_at", "pk"]
        permissions = [("reassign_workitem", "Can reassign any work item")]
        indexes = [
            models.Index(fields=["assignee_user", "status"], name="workitem_user_status_idx"),
            models.Index(fields=["assignee_group", "status"], name="workitem_group_status_idx"),
            models.Index(fields=["claimed_by", "status"], name="workitem_claimed_status_idx"),
            # A team queue in the inbox's order (due first, then waiting longest; see
            # inbox/filters.py DUE_ORDER): a page deep in it and its capped counts read
            # this index alone.
            models.Index(
                fields=["assignee_group", "due_at", "assigned_at", "id"],
                condition=models.Q(status=WorkItemStatus.OPEN),
                name="workitem_queue_order_idx",
            ),
            # Completed (done by me or on my behalf): almost every item has nobody here,
            # and SQLite's statistics then judge the column's own index useless for it
            # (a full scan of the table); this one holds only the items that have one.
            models.Index(
                fields=["on_behalf_of"],
                condition=models.Q(on_behalf_of__isnull=False),
                name="workitem_on_behalf_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step_run.step.name} ({self.run})"

    @property
    def assignee(self) -> Any:
        return self.assignee_user or self.assignee_group

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_WORK_ITEM_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    @transition(field=status, source=WorkItemStatus.OPEN, target=WorkItemStatus.CLAIMED)
    def claim(self, *, by: Any, **audit: Any) -> None:
        self.claimed_by = by
        self.claimed_at = timezone.now()

    @transition(field=status, source=WorkItemStatus.CLAIMED, target=WorkItemStatus.OPEN)
    def release(self, **audit: Any) -> None:
        self.claimed_by = None
        self.claimed_at = None

    @transition(
        field=status,
        source=list(OPEN_WORK_ITEM_STATUSES),
        target=WorkItemStatus.COMPLETED,
    )
    def complete(self, *, by: Any, data: dict, on_behalf_of: Any = None, **audit: Any) -> None:
        self.completed_by = by
        self.completed_at = timezone.now()
        self.on_behalf_of = on_behalf_of
        self.data = data
        self.draft_data = {}

    @transition(
        field=status,
        source=list(OPEN_WORK_ITEM_STATUSES),
        target=WorkItemStatus.CANCELED,
    )
    def cancel(self, **audit: Any) -> None:
        self.completed_at = timezone.now()

    @transition(
        field=status,
        source=list(OPEN_WORK_ITEM_STATUSES),
        target=WorkItemStatus.OPEN,
    )
    def reassign(self, *, to_user: Any = None, to_group: Any = None, **audit: Any) -> None:
        self.assignee_user = to_user
        self.assignee_group = to_group
        self.assigned_at = timezone.now()
        self.claimed_by = None
        self.claimed_at = None
