"""The layout of a version's read-only diagram: where each box, arrow and label goes.

Stages are boxes from left to right; inside each, its steps in rows (steps that start
together side by side, a step that waits for others in a row below them, with arrows).
Between stages: the default flow and decision outcomes to the next stage as straight
arrows; jumps forward (and to the end) as rounded arrows below the stages; loops back
to an earlier stage as rounded arrows above them; fault paths dashed below. The
template `builder/partials/_diagram.html` draws the SVG (and escapes every name).
`shapes` holds what is placed, `stages` lays out inside a stage, `arrows` between them.

Built from `version_definition` (the engine's cached snapshot), so a diagram of an
active version costs no queries; a run's diagram adds one for its step runs.
"""

from __future__ import annotations

from orchestrations.engine.definition import VersionDef, version_definition
from orchestrations.models import Run, StepRun, Version

from .arrows import Router
from .shapes import Diagram
from .stages import stage_node, step_rows

__all__ = ["Diagram", "build_diagram", "run_diagram", "step_rows", "version_diagram"]

OPEN_STAGE_STATUSES = ("in_progress", "suspended", "error")


def build_diagram(
    definition: VersionDef,
    *,
    uid: str,
    title: str,
    statuses: dict[int, str] | None = None,
    current_stage_id: int | None = None,
) -> Diagram:
    """Lay out `definition`. With `statuses` (step id → status of its latest step
    run), each step shows its status, and `current_stage_id` is highlighted."""
    stages = [
        stage_node(stage, i, statuses, stage.id == current_stage_id)
        for i, stage in enumerate(definition.stages)
    ]
    diagram = Diagram(uid, title, 0, 0, stages, [], is_run=statuses is not None)
    if stages:
        Router(definition, diagram).route()
    return diagram


def version_diagram(version: Version) -> Diagram:
    """The diagram of `version`: no queries for an active or obsolete version whose
    snapshot is cached (and its orchestration selected)."""
    title = f"Diagram of {version.orchestration.name}, version {version.number}"
    return build_diagram(version_definition(version), uid=f"v{version.pk}", title=title)


def run_diagram(run: Run) -> Diagram:
    """The diagram of the version `run` is on, each step coloured by the status of its
    latest step run, the stage in progress highlighted: one query for the step runs
    (plus one for the version unless it is selected with the run)."""
    statuses: dict[int, str] = {}
    open_stage_runs: dict[int, int] = {}  # stage run id → stage id
    rows = (
        StepRun.objects.filter(run_id=run.pk)
        .order_by("pk")
        .values_list(
            "step_id", "status", "stage_run_id", "stage_run__stage_id", "stage_run__status"
        )
    )
    for step_id, status, stage_run_id, stage_id, stage_status in rows:
        statuses[step_id] = status
        if stage_status in OPEN_STAGE_STATUSES:
            open_stage_runs[stage_run_id] = stage_id
    current = open_stage_runs[max(open_stage_runs)] if open_stage_runs and run.is_open else None
    return build_diagram(
        version_definition(run.version),
        uid=f"r{run.pk}",
        title=f"Run {run.pk}: where it is, each step coloured by its status",
        statuses=statuses,
        current_stage_id=current,
    )
