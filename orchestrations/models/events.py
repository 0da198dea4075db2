"""The append-only audit log that a run's timeline is built from."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from .runs import Run, StageRun, StepRun, user_fk
from .work_items import WorkItem


class RunEvent(models.Model):
    """An append-only row of a run's timeline: what changed, who did it, from → to."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=64, help_text="e.g. step.complete, work_item.claim")
    actor = user_fk()
    on_behalf_of = user_fk()
    stage_run = models.ForeignKey(StageRun, null=True, blank=True, on_delete=models.CASCADE)
    step_run = models.ForeignKey(StepRun, null=True, blank=True, on_delete=models.CASCADE)
    work_item = models.ForeignKey(WorkItem, null=True, blank=True, on_delete=models.CASCADE)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}→{self.to_status}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Run events are append-only.")
        super().save(*args, **kwargs)
