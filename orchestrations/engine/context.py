"""What conditions, assignee expressions and templates of a run can read.

Four namespaces: `record` (the run's record), `vars` (run variables), `steps`
(each step's outputs plus `completed_by` / `completed_at`; steps that have not
completed read as None) and `run` (status, started_at, …).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from ..conditions import ConditionError, compile_condition, render_template, resolve_value
from ..fields import from_json
from ..models import Run, StepRun
from ..status import StepRunStatus
from .definition import VersionDef

STEP_META = ("completed_by", "completed_at")


@dataclass
class RunContext:
    """Namespaces for one moment of a run, with the evaluation options."""

    namespaces: dict[str, Any]
    changed_fields: Collection[str] | None = None
    now: datetime | None = None

    def evaluate(self, source: str) -> Any:
        return compile_condition(source).evaluate(
            self.namespaces, now=self.now, changed_fields=self.changed_fields
        )

    def holds(self, source: str) -> bool:
        return bool(self.evaluate(source))

    def render(self, text: str) -> str:
        return render_template(
            text, self.namespaces, now=self.now, changed_fields=self.changed_fields
        )

    def resolve(self, value: Any) -> Any:
        return resolve_value(
            value, self.namespaces, now=self.now, changed_fields=self.changed_fields
        )


def run_context(
    run: Run,
    definition: VersionDef,
    *,
    step_runs: Iterable[StepRun] | None = None,
    changed_fields: Collection[str] | None = None,
) -> RunContext:
    """Build the namespaces of `run` from its `step_runs`, oldest first, with their
    `completed_by` (read if not given: one query), and its record (once per run)."""
    steps: dict[str, dict[str, Any]] = {}
    for step in definition.step_by_key.values():
        steps[step.key] = dict.fromkeys([*step.output_types(), *STEP_META])
    if step_runs is None:
        step_runs = (
            StepRun.objects.filter(run=run)
            .select_related("completed_by")
            .order_by("pk")
            .only("step_id", "status", "outputs", "finished_at", "completed_by")
        )
    # Each step reads as its latest visit: after a loop back, a step of the stage
    # being redone reads as None again until it completes anew.
    latest: dict[int, StepRun] = {}
    for step_run in step_runs:
        latest[step_run.step_id] = step_run
    for step_run in latest.values():
        if step_run.status != StepRunStatus.COMPLETED:
            continue
        step = definition.step_by_id[step_run.step_id]
        types = step.output_types()
        outputs = {k: from_json(types.get(k, ""), v) for k, v in (step_run.outputs or {}).items()}
        steps[step.key].update(outputs)
        steps[step.key]["completed_by"] = step_run.completed_by
        steps[step.key]["completed_at"] = step_run.finished_at
    namespaces = {
        "record": run_record(run),
        "vars": _variables(run, definition),
        "steps": steps,
        "run": _run_names(run),
    }
    return RunContext(namespaces, changed_fields=changed_fields, now=timezone.now())


def label_context(run: Run, definition: VersionDef) -> RunContext:
    """What a run's label reads: its record, variables and itself, never steps (the
    label is made when the run starts). No query but the record's, once per run."""
    namespaces = {
        "record": run_record(run),
        "vars": _variables(run, definition),
        "run": _run_names(run),
    }
    return RunContext(namespaces, now=timezone.now())


def start_context(run: Run, definition: VersionDef) -> RunContext:
    """What a run will read as it starts, before it is saved: its record, variables
    and itself; no step has completed yet. No query but the record's."""
    context = label_context(run, definition)
    context.namespaces["steps"] = {
        step.key: dict.fromkeys([*step.output_types(), *STEP_META])
        for step in definition.step_by_key.values()
    }
    return context


def _variables(run: Run, definition: VersionDef) -> dict[str, Any]:
    variables = dict.fromkeys(definition.variable_keys)
    input_types = {i.key: i.type for i in definition.inputs}
    variables.update(
        {k: from_json(input_types.get(k, ""), v) for k, v in (run.variables or {}).items()}
    )
    return variables


def _run_names(run: Run) -> dict[str, Any]:
    return {
        "id": run.pk,
        "status": run.status,
        "started_at": run.started_at,
        "started_by": run.started_by,
        "orchestration": run.orchestration.key,
        "version": run.version.number,
    }


def run_record(run: Run) -> Any:
    """The run's record, fetched once per run object (None when the run has none)."""
    if run.record_type is None:
        return None
    cache = run.__dict__.setdefault("_record_cache", {})
    if "record" not in cache:
        model = run.record_type.model_class()
        cache["record"] = model._default_manager.filter(pk=run.record_id).first() if model else None
    return cache["record"]


__all__ = [
    "ConditionError",
    "RunContext",
    "label_context",
    "run_context",
    "run_record",
    "start_context",
]
