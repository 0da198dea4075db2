"""What an orchestration is: versions, stages, steps, forms, decisions, triggers.

A version is edited while it is a draft. Once activated it is a snapshot that runs
are pinned to, so the model layer refuses to save or delete any part of an active
or obsolete version (`VersionLockedError`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from ..exceptions import VersionLockedError
from ..status import VersionStatus
from .choices import (
    AssigneeType,
    ReassignScope,
    StartWhen,
    StepKind,
    TriggerOn,
    TriggerType,
    Visibility,
)

key_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*$",
    "Use lower-case letters, digits and underscores, starting with a letter.",
)


def key_field(**kwargs: object) -> models.CharField:
    return models.CharField(max_length=64, validators=[key_validator], **kwargs)  # type: ignore[arg-type]


class Orchestration(models.Model):
    key = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def active_version(self) -> Version | None:
        return self.versions.filter(status=VersionStatus.ACTIVE).first()


class Version(FSMModelMixin, models.Model):
    DEFINITION_FIELDS = (
        "description",
        "label_template",
        "trigger_type",
        "trigger_model",
        "trigger_on",
        "trigger_condition",
        "record_create",
        "allow_concurrent_runs",
        "max_stage_visits",
    )

    orchestration = models.ForeignKey(
        Orchestration, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    status = FSMField(choices=VersionStatus.choices, default=VersionStatus.DRAFT, protected=True)
    description = models.TextField(blank=True)
    label_template = models.CharField(
        max_length=300, blank=True, help_text="A run's label, a template over record, vars and run"
    )
    trigger_type = models.CharField(
        max_length=16, choices=TriggerType.choices, default=TriggerType.MANUAL
    )
    trigger_model = models.CharField(
        max_length=100,
        blank=True,
        help_text="app_label.ModelName of a run's record: the one whose saves start runs, or "
        "the one a person starting a run by hand picks",
    )
    trigger_on = models.CharField(max_length=16, choices=TriggerOn.choices, blank=True)
    trigger_condition = models.TextField(blank=True)
    record_create = models.BooleanField(
        default=False, help_text="Manual starts may create a new record (where its model allows)."
    )
    allow_concurrent_runs = models.BooleanField(
        default=False, help_text="Allow more than one open run per record."
    )
    max_stage_visits = models.PositiveIntegerField(
        null=True, blank=True, help_text="Fail a run that enters one stage more often than this."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["orchestration", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["orchestration", "number"], name="version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["orchestration"],
                condition=Q(status="active"),
                name="one_active_version_per_orchestration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.orchestration} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        loaded = getattr(self, "_loaded", None)
        if loaded and self.status != VersionStatus.DRAFT:
            changed = [f for f, value in loaded.items() if getattr(self, f) != value]
            if changed:
                raise VersionLockedError(
                    f"{self} is {self.status}; its definition cannot change "
                    f"({', '.join(changed)}). Create a new draft instead."
                )
        super().save(*args, **kwargs)
        self._loaded = {f: getattr(self, f) for f in self.DEFINITION_FIELDS}

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self.check_editable()
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any, **kwargs: Any) -> Version:
        # Remember the definition as loaded, so `save` can refuse changes to it.
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded = {
            f: getattr(instance, f) for f in cls.DEFINITION_FIELDS if f in field_names
        }
        return instance

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    def check_editable(self) -> None:
        if not self.is_editable:
            raise VersionLockedError(
                f"{self} is {self.status} and cannot be changed. Create a new draft instead."
            )

    @property
    def stage_visit_limit(self) -> int:
        return self.max_stage_visits or settings.HANDOFF_MAX_STAGE_VISITS

    @transition(field=status, source=VersionStatus.DRAFT, target=VersionStatus.ACTIVE)
    def activate(self, *, by: Any = None) -> None:
        self.activated_at = timezone.now()
        self.activated_by = by

    @transition(field=status, source=VersionStatus.ACTIVE, target=VersionStatus.OBSOLETE)
    def retire(self) -> None:
        pass


class VersionPart(models.Model):
    """A piece of a version's definition: frozen once the version is not a draft."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.owning_version().check_editable()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self.owning_version().check_editable()
        return super().delete(*args, **kwargs)

    def owning_version(self) -> Version:
        raise NotImplementedError


class Stage(VersionPart):
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveIntegerField(default=0)
    key = key_field()
    name = models.CharField(max_length=200)
    exit_condition = models.TextField(
        blank=True, help_text="The stage ends when this holds, even with steps still running."
    )
    default_target = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Where the decision goes when no outcome holds (empty: the next stage).",
    )  # fmt: skip
    default_ends_run = models.BooleanField(
        default=False, help_text="When no outcome holds, end the run."
    )
    fault_target = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Where the run goes when a step of this stage fails.",
    )  # fmt: skip

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="stage_key_unique")]

    def __str__(self) -> str:
        return self.name

    def owning_version(self) -> Version:
        return self.version


class DecisionOutcome(VersionPart):
    """One ordered branch of a stage's decision: when `condition` holds, go to `target`."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="outcomes")
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(max_length=200, blank=True)
    condition = models.TextField()
    target = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text="Empty: end the run.",
    )  # fmt: skip

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label or self.condition

    def owning_version(self) -> Version:
        return self.stage.version


class Step(VersionPart):
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="steps")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)
    key = key_field()
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=StepKind.choices, default=StepKind.INTERACTIVE)
    instructions = models.TextField(blank=True)

    start_when = models.CharField(
        max_length=16, choices=StartWhen.choices, default=StartWhen.STAGE_START
    )
    start_after = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="+")
    start_condition = models.TextField(blank=True)
    exit_condition = models.TextField(
        blank=True, help_text="The step completes when this holds, whatever else happened."
    )

    form = models.ForeignKey("Form", null=True, blank=True, on_delete=models.PROTECT)
    assignee_type = models.CharField(max_length=16, choices=AssigneeType.choices, blank=True)
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee_expression = models.CharField(max_length=500, blank=True)
    reassign = models.CharField(
        max_length=16,
        choices=ReassignScope.choices,
        default=ReassignScope.TEAM,
        help_text="Whom the people working its items may hand them to.",
    )
    due_in = models.DurationField(null=True, blank=True)
    email_subject = models.CharField(max_length=300, blank=True)
    email_body = models.TextField(blank=True)
    visibility = models.CharField(
        "who sees its answers",
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
        help_text="Who sees the step's answers later (support staff, and whoever gave them, "
        "always do).",
    )
    visibility_groups = models.ManyToManyField(
        Group, blank=True, related_name="+", help_text="The teams, when only they see them."
    )

    action = models.CharField(max_length=100, blank=True)
    action_inputs = models.JSONField(default=dict, blank=True)
    retry_max_attempts = models.PositiveSmallIntegerField(
        default=3, help_text="Attempts in all, the first one included."
    )
    retry_backoff_seconds = models.PositiveIntegerField(
        default=30, help_text="Wait before the second attempt; doubles after each failure."
    )

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="step_key_unique")]

    def __str__(self) -> str:
        return self.name

    def owning_version(self) -> Version:
        return self.version

    @property
    def is_interactive(self) -> bool:
        return self.kind == StepKind.INTERACTIVE
