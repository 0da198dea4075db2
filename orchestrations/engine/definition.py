"""An in-memory snapshot of one version's definition, as the engine reads it.

Runs are pinned to active (or obsolete) versions, which never change, so the
snapshot is loaded once per process and reused: advancing a run costs no
queries for the definition, whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from ..fields import FieldDef, field_def
from ..models import Version
from ..models.choices import ReassignScope, StepKind, Visibility

END = "end"  # a decision target that ends the run


@dataclass(frozen=True)
class FormDef:
    id: int
    key: str
    name: str
    fields: tuple[FieldDef, ...]


@dataclass(frozen=True)
class StepDef:
    id: int
    key: str
    name: str
    stage_key: str
    kind: str
    instructions: str
    start_when: str
    start_after: tuple[str, ...]
    start_condition: str
    exit_condition: str
    form: FormDef | None
    assignee_type: str
    assignee_user_id: int | None
    assignee_group_id: int | None
    assignee_expression: str
    due_in: timedelta | None
    email_subject: str
    email_body: str
    action: str
    action_inputs: dict[str, Any]
    retry_max_attempts: int
    retry_backoff_seconds: int
    # Who sees its answers later (orchestrations.visibility).
    visibility: str = Visibility.MEMBERS
    visibility_group_ids: frozenset[int] = frozenset()
    reassign: str = ReassignScope.TEAM  # whom its items may be handed to (engine.handover)

    @property
    def is_interactive(self) -> bool:
        return self.kind == StepKind.INTERACTIVE

    @property
    def fields(self) -> tuple[FieldDef, ...]:
        """The fields of the step's form; none for a step without a form."""
        return self.form.fields if self.form is not None else ()

    def retry_delay(self, failures: int) -> timedelta:
        seconds = self.retry_backoff_seconds * 2 ** max(failures - 1, 0)
        return timedelta(seconds=min(seconds, 3600))

    def output_types(self) -> dict[str, str]:
        """Output name → field type, for outputs this step is known to produce."""
        return {f.key: f.type for f in self.fields}


@dataclass(frozen=True)
class OutcomeDef:
    label: str
    condition: str
    target: str  # a stage key or END


@dataclass(frozen=True)
class StageDef:
    id: int
    key: str
    name: str
    exit_condition: str
    steps: tuple[StepDef, ...]
    outcomes: tuple[OutcomeDef, ...]
    default_target: str  # a stage key, END, or "" for the next stage in order
    fault_target: str  # a stage key or ""


@dataclass(frozen=True)
class VersionDef:
    id: int
    orchestration_id: int
    stages: tuple[StageDef, ...]
    inputs: tuple[FieldDef, ...]
    stage_visit_limit: int
    allow_concurrent_runs: bool
    variable_keys: tuple[str, ...] = ()  # inputs, and names set by set_variables steps
    label_template: str = ""
    stage_by_key: dict[str, StageDef] = field(default_factory=dict)
    stage_by_id: dict[int, StageDef] = field(default_factory=dict)
    step_by_key: dict[str, StepDef] = field(default_factory=dict)
    step_by_id: dict[int, StepDef] = field(default_factory=dict)

    def shares_with_teams(self) -> bool:
        """Whether any answer is kept for named teams (a "groups" visibility)."""
        return any(
            step.visibility == Visibility.GROUPS
            or any(spec.visibility == Visibility.GROUPS for spec in step.fields)
            for step in self.step_by_id.values()
        )

    @property
    def team_ids(self) -> frozenset[int]:
        """The teams the process uses: those a step names as its assignee (the ones
        an expression gives are known only when it runs)."""
        return frozenset(
            step.assignee_group_id for step in self.step_by_id.values() if step.assignee_group_id
        )

    def next_stage(self, stage_key: str) -> StageDef | None:
        keys = [s.key for s in self.stages]
        index = keys.index(stage_key) + 1
        return self.stages[index] if index < len(self.stages) else None


def version_definition(version: Version) -> VersionDef:
    """The snapshot of `version`. Drafts are read afresh each time (they change);
    others are cached under (id, activated_at), which also keeps tests that reuse
    primary keys apart."""
    if version.is_editable:
        return _load(version.pk)
    return _cached(version.pk, version.activated_at)


@lru_cache(maxsize=256)
def _cached(version_id: int, activated_at: datetime | None) -> VersionDef:
    return _load(version_id)


def clear_definition_cache() -> None:
    _cached.cache_clear()


def _load(version_id: int) -> VersionDef:
    version = Version.objects.prefetch_related(
        "inputs",
        "forms__fields__visibility_groups",
        "stages__outcomes__target",
        "stages__default_target",
        "stages__fault_target",
        "steps__start_after",
        "steps__visibility_groups",
    ).get(pk=version_id)
    forms = {
        form.pk: FormDef(
            form.pk,
            form.key,
            form.name,
            tuple(
                field_def(f, visibility_group_ids=_group_ids(f.visibility_groups.all()))
                for f in form.fields.all()
            ),
        )
        for form in version.forms.all()
    }
    steps_by_stage: dict[int, list[StepDef]] = {}
    for step in sorted(version.steps.all(), key=lambda s: (s.position, s.pk)):
        steps_by_stage.setdefault(step.stage_id, []).append(
            StepDef(
                id=step.pk,
                key=step.key,
                name=step.name,
                stage_key="",  # filled below
                kind=step.kind,
                instructions=step.instructions,
                start_when=step.start_when,
                start_after=tuple(sorted(s.key for s in step.start_after.all())),
                start_condition=step.start_condition,
                exit_condition=step.exit_condition,
                form=forms.get(step.form_id) if step.form_id else None,
                assignee_type=step.assignee_type,
                assignee_user_id=step.assignee_user_id,
                assignee_group_id=step.assignee_group_id,
                assignee_expression=step.assignee_expression,
                reassign=step.reassign,
                due_in=step.due_in,
                email_subject=step.email_subject,
                email_body=step.email_body,
                visibility=step.visibility,
                visibility_group_ids=_group_ids(step.visibility_groups.all()),
                action=step.action,
                action_inputs=step.action_inputs or {},
                retry_max_attempts=max(step.retry_max_attempts, 1),
                retry_backoff_seconds=step.retry_backoff_seconds,
            )
        )
    stages = []
    for stage in version.stages.all():
        steps = tuple(
            StepDef(**{**s.__dict__, "stage_key": stage.key})
            for s in steps_by_stage.get(stage.pk, [])
        )
        default = (
            END
            if stage.default_ends_run
            else (stage.default_target.key if stage.default_target else "")
        )
        stages.append(
            StageDef(
                id=stage.pk,
                key=stage.key,
                name=stage.name,
                exit_condition=stage.exit_condition,
                steps=steps,
                outcomes=tuple(
                    OutcomeDef(o.label, o.condition, o.target.key if o.target else END)
                    for o in stage.outcomes.all()
                ),
                default_target=default,
                fault_target=stage.fault_target.key if stage.fault_target else "",
            )
        )
    definition = VersionDef(
        id=version.pk,
        orchestration_id=version.orchestration_id,
        stages=tuple(stages),
        inputs=tuple(field_def(i) for i in version.inputs.all()),
        stage_visit_limit=version.stage_visit_limit,
        allow_concurrent_runs=version.allow_concurrent_runs,
        variable_keys=_variable_keys(version, stages),
        label_template=version.label_template,
    )
    for stage_def in definition.stages:
        definition.stage_by_key[stage_def.key] = stage_def
        definition.stage_by_id[stage_def.id] = stage_def
        for step_def in stage_def.steps:
            definition.step_by_key[step_def.key] = step_def
            definition.step_by_id[step_def.id] = step_def
    return definition


def _group_ids(groups: Any) -> frozenset[int]:
    return frozenset(group.pk for group in groups)


def _variable_keys(version: Version, stages: list[StageDef]) -> tuple[str, ...]:
    keys = [i.key for i in version.inputs.all()]
    for stage in stages:
        for step in stage.steps:
            values = step.action_inputs.get("values") if step.action == "set_variables" else None
            if isinstance(values, dict):
                keys.extend(k for k in values if k not in keys)
    return tuple(keys)
