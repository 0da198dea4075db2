"""One execution of a version: the run, its stage and step runs, work items and events.

Statuses change only through the `@transition` methods below (the fields are
protected). Every transition accepts `by`, `on_behalf_of` and `message`; the
`post_transition` receiver in `orchestrations.signals` turns each one into a
`RunEvent`, so the timeline is complete by construction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from ..status import (
    OPEN_RUN_STATUSES,
    RunStatus,
    StageRunStatus,
    StepRunStatus,
)
from .definitions import Orchestration, Stage, Step, Version

USER = settings.AUTH_USER_MODEL


def user_fk(related_name: str = "+", **kwargs: Any) -> models.ForeignKey:
    return models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name=related_name, **kwargs
    )


class RunQuerySet(models.QuerySet["Run"]):
    def open(self) -> RunQuerySet:
        return self.filter(status__in=OPEN_RUN_STATUSES)

    def for_record(self, record: models.Model) -> RunQuerySet:
        return self.filter(
            record_type=ContentType.objects.get_for_model(record), record_id=str(record.pk)
        )


class Run(FSMModelMixin, models.Model):
    orchestration = models.ForeignKey(Orchestration, on_delete=models.PROTECT, related_name="runs")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="runs")
    status = FSMField(choices=RunStatus.choices, default=RunStatus.IN_PROGRESS, protected=True)
    record_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    record_id = models.CharField(max_length=64, blank=True)
    record = GenericForeignKey("record_type", "record_id")
    record_label = models.CharField(max_length=300, blank=True, db_index=True)
    # The version's label template as rendered at the start and on each save of the
    # record; empty without a template (then `str(run)` names it by its process).
    label = models.CharField(max_length=300, blank=True)
    # Copied from the version at start: when true, the partial unique constraint
    # below allows only one open run per (orchestration, record).
    exclusive = models.BooleanField(default=True)
    variables = models.JSONField(default=dict, blank=True)
    started_by = user_fk("started_runs")
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    error_message = models.TextField(blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["record_type", "record_id"], name="run_record_idx"),
            models.Index(fields=["status", "orchestration"], name="run_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["orchestration", "record_type", "record_id"],
                condition=Q(exclusive=True, status__in=OPEN_RUN_STATUSES) & ~Q(record_id=""),
                name="one_open_run_per_record",
            ),
        ]

    def __str__(self) -> str:
        """What people call the run in messages and emails: its label, else its process,
        number and record ("Loan origination #22 — Loan for Dana")."""
        if self.label:
            return self.label
        about = f" — {self.record_label}" if self.record_label else ""
        return f"{self.name}{about}"

    def get_absolute_url(self) -> str:
        return reverse("admin:orchestrations_run_change", args=[self.pk])

    @property
    def name(self) -> str:
        """The run's label, else its process and number: for pages that show its record
        beside it."""
        return self.label or f"{self.orchestration.name} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RUN_STATUSES

    @transition(field=status, source=RunStatus.IN_PROGRESS, target=RunStatus.SUSPENDED)
    def suspend(self, **audit: Any) -> None:
        pass

    @transition(field=status, source=RunStatus.SUSPENDED, target=RunStatus.IN_PROGRESS)
    def resume(self, **audit: Any) -> None:
        pass

    @transition(field=status, source=RunStatus.IN_PROGRESS, target=RunStatus.COMPLETED)
    def complete(self, **audit: Any) -> None:
        self.finished_at = timezone.now()

    @transition(field=status, source=list(OPEN_RUN_STATUSES), target=RunStatus.CANCELED)
    def cancel(self, **audit: Any) -> None:
        self.finished_at = timezone.now()

    @transition(field=status, source=RunStatus.IN_PROGRESS, target=RunStatus.ERROR)
    def fail(self, *, message: str = "", **audit: Any) -> None:
        self.error_message = message

    @transition(field=status, source=RunStatus.ERROR, target=RunStatus.IN_PROGRESS)
    def recover(self, **audit: Any) -> None:
        self.error_message = ""


class StageRun(FSMModelMixin, models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="stage_runs")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    visit = models.PositiveIntegerField(default=1, help_text="1 on the first entry, 2 on a loop…")
    status = FSMField(
        choices=StageRunStatus.choices, default=StageRunStatus.IN_PROGRESS, protected=True
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=300, blank=True, help_text="Where the run went next")

    class Meta:
        ordering = ["started_at", "pk"]
        indexes = [models.Index(fields=["run", "status"], name="stagerun_run_status_idx")]

    def __str__(self) -> str:
        visit = f" (visit {self.visit})" if self.visit > 1 else ""
        return f"{self.stage.name}{visit}"

    @transition(field=status, source=StageRunStatus.IN_PROGRESS, target=StageRunStatus.SUSPENDED)
    def suspend(self, **audit: Any) -> None:
        pass

    @transition(field=status, source=StageRunStatus.SUSPENDED, target=StageRunStatus.IN_PROGRESS)
    def resume(self, **audit: Any) -> None:
        pass

    @transition(field=status, source=StageRunStatus.IN_PROGRESS, target=StageRunStatus.COMPLETED)
    def complete(self, **audit: Any) -> None:
        self.finished_at = timezone.now()

    @transition(field=status, source=StageRunStatus.IN_PROGRESS, target=StageRunStatus.DISCONTINUED)
    def discontinue(self, **audit: Any) -> None:
        self.finished_at = timezone.now()

    @transition(
        field=status,
        source=[StageRunStatus.IN_PROGRESS, StageRunStatus.SUSPENDED, StageRunStatus.ERROR],
        target=StageRunStatus.CANCELED,
    )
    def cancel(self, **audit: Any) -> None:
        self.finished_at = timezone.now()

    @transition(field=status, source=StageRunStatus.IN_PROGRESS, target=StageRunStatus.ERROR)
    def fail(self, **audit: Any) -> None:
        pass

    @transition(field=status, source=StageRunStatus.ERROR, target=StageRunStatus.IN_PROGRESS)
    def recover(self, **audit: Any) -> None:
        pass


class StepRun(FSMModelMixin, models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="step_runs")
    stage_run = models.ForeignKey(StageRun, on_delete=models.CASCADE, related_name="step_runs")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="+")
    status = FSMField(
        choices=StepRunStatus.choices, default=StepRunStatus.NOT_STARTED, protected=True
    )
    outputs = models.JSONField(default=dict, blank=True)
    # A background step that finished while its run was suspended keeps its
    # result here ({"outputs": …} or {"error": …}) until the run resumes.
    held_result = models.JSONField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    completed_by = user_fk()

    # Background execution (engine/attempts.py). Each dispatch carries a fresh token;
    # a worker claims the step under the run's lock when the token matches and no
    # lease is held, so a message delivered twice, or one made stale by a
    # re-dispatch, does nothing. The claim holds a lease that the worker renews
    # while it is alive (heartbeat); only a lapsed lease is taken over.
    attempt = models.PositiveIntegerField(
        default=0, help_text="Number of the current attempt; with the step run, its idempotency key"
    )
    failures = models.PositiveSmallIntegerField(default=0, help_text="Failed attempts, for retries")
    takeovers = models.PositiveSmallIntegerField(
        default=0, help_text="Times the current attempt's worker was lost and it ran again"
    )
    dispatch_token = models.UUIDField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When the body started")
    heartbeat_at = models.DateTimeField("last heartbeat", null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid running it")

    class Meta:
        ordering = ["stage_run", "step__position", "pk"]
        indexes = [models.Index(fields=["status", "lease_until"], name="steprun_status_lease_idx")]

    def __str__(self) -> str:
        return self.step.name

    @transition(field=status, source=StepRunStatus.NOT_STARTED, target=StepRunStatus.IN_PROGRESS)
    def start(self, **audit: Any) -> None:
        self.started_at = timezone.now()

    @transition(field=status, source=StepRunStatus.IN_PROGRESS, target=StepRunStatus.COMPLETED)
    def complete(self, *, by: Any = None, **audit: Any) -> None:
        self.finished_at = timezone.now()
        self.completed_by = by
        self.held_result = None
        self.lease_until = None
        self.next_attempt_at = None

    @transition(
        field=status,
        source=[StepRunStatus.NOT_STARTED, StepRunStatus.IN_PROGRESS],
        target=StepRunStatus.DISCONTINUED,
    )
    def discontinue(self, **audit: Any) -> None:
        self.finished_at = timezone.now()
        self.next_attempt_at = None

    @transition(
        field=status,
        source=[StepRunStatus.NOT_STARTED, StepRunStatus.IN_PROGRESS, StepRunStatus.ERROR],
        target=StepRunStatus.CANCELED,
    )
    def cancel(self, **audit: Any) -> None:
        self.finished_at = timezone.now()
        self.next_attempt_at = None

    @transition(
        field=status,
        source=[StepRunStatus.NOT_STARTED, StepRunStatus.IN_PROGRESS],
        target=StepRunStatus.ERROR,
    )
    def fail(self, *, message: str = "", **audit: Any) -> None:
        self.error_message = message
        self.finished_at = timezone.now()
        self.lease_until = None
        self.next_attempt_at = None

    @transition(
        field=status,
        source=[StepRunStatus.ERROR, StepRunStatus.DISCONTINUED],
        target=StepRunStatus.IN_PROGRESS,
    )
    def restart(self, **audit: Any) -> None:
        self.error_message = ""
        self.failures = 0
        self.finished_at = None
        self.started_at = timezone.now()
