"""What must hold in the tables whatever happened to the processes: checked after
fault-injection tests (and by bench/killnine.py), so that "no exception" is never
mistaken for "nothing went wrong"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import pairwise

from orchestrations.models import Run, RunEvent, StageRun, StepRun, WorkItem
from orchestrations.status import (
    OPEN_RUN_STATUSES,
    OPEN_WORK_ITEM_STATUSES,
    StageRunStatus,
    StepRunStatus,
)

CURRENT_STAGE = (StageRunStatus.IN_PROGRESS, StageRunStatus.SUSPENDED, StageRunStatus.ERROR)


def invariant_violations(run_ids: Iterable[int] | None = None) -> list[str]:
    """Every broken rule, as sentences (empty when all is well)."""
    runs = Run.objects.all() if run_ids is None else Run.objects.filter(pk__in=list(run_ids))
    ids = list(runs.values_list("pk", flat=True))
    problems: list[str] = []
    current: dict[int, int] = defaultdict(int)
    for run_id in StageRun.objects.filter(run__in=ids, status__in=CURRENT_STAGE).values_list(
        "run_id", flat=True
    ):
        current[run_id] += 1
    for run_id, status in runs.values_list("pk", "status"):
        expected = 1 if status in OPEN_RUN_STATUSES else 0
        if current[run_id] != expected:
            problems.append(
                f"Run {run_id} is {status} with {current[run_id]} current stages, not {expected}."
            )
    for item_id, step_status in (
        WorkItem.objects.filter(run__in=ids, status__in=OPEN_WORK_ITEM_STATUSES)
        .exclude(step_run__status=StepRunStatus.IN_PROGRESS)
        .values_list("pk", "step_run__status")
    ):
        problems.append(f"Work item {item_id} is open on a step that is {step_status}.")
    problems += _event_chain_breaks(ids)
    return problems


def _event_chain_breaks(run_ids: list[int]) -> list[str]:
    """Each entity's transitions follow on from one another (from = the previous to),
    and the last one ends in its current status: nothing happened twice or was lost."""
    statuses: dict[tuple[str, int], str] = {}
    statuses |= {
        ("run", pk): s for pk, s in Run.objects.filter(pk__in=run_ids).values_list("pk", "status")
    }
    for model, entity in ((StageRun, "stage"), (StepRun, "step"), (WorkItem, "work_item")):
        rows = model.objects.filter(run__in=run_ids).values_list("pk", "status")
        statuses |= {(entity, pk): s for pk, s in rows}
    chains: dict[tuple[str, int], list[tuple[str, str, str]]] = defaultdict(list)
    events = (
        RunEvent.objects.filter(run__in=run_ids).exclude(to_status="").order_by("created_at", "pk")
    )
    for event in events.values_list(
        "kind", "run_id", "stage_run_id", "step_run_id", "work_item_id", "from_status", "to_status"
    ):
        kind, run_id, stage_run_id, step_run_id, item_id, source, target = event
        entity = kind.split(".", 1)[0]
        pk = {"run": run_id, "stage": stage_run_id, "step": step_run_id, "work_item": item_id}[
            entity
        ]
        chains[(entity, pk)].append((kind, source, target))
    problems = []
    for (entity, pk), chain in chains.items():
        for (_, _, before), (kind, source, _) in pairwise(chain):
            if source != before:
                problems.append(f"{entity} {pk}: {kind} from {source} follows a move to {before}.")
        if chain[-1][2] != statuses.get((entity, pk)):
            problems.append(
                f"{entity} {pk} is {statuses.get((entity, pk))}, but its last event "
                f"({chain[-1][0]}) moved it to {chain[-1][2]}."
            )
    return problems


def assert_invariants(run_ids: Iterable[int] | None = None) -> None:
    problems = invariant_violations(run_ids)
    assert not problems, "\n".join(problems)
