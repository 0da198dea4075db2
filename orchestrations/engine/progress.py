"""Moving a locked run forward: start steps, exit stages, take decisions, fail.

Every function here works on the unit of work of a locked run (`locking.locked_unit`):
it reads the run's rows from the unit and changes them in memory; the unit writes them
as the transaction ends.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.utils import timezone

from ..conditions import ConditionError
from ..events import assignment_data, record_event
from ..exceptions import AssigneeError
from ..models import StageRun, StepRun, WorkItem
from ..status import RunStatus, StageRunStatus, StepRunStatus, WorkItemStatus
from .assignees import resolve_assignee
from .context import RunContext, run_record
from .definition import END, StageDef, StepDef
from .delegation import route
from .dispatch import schedule_attempt
from .notifications import notify_assignment, notify_run_error
from .planner import decide, plan_stage
from .unit import UnitOfWork

# A stage's steps can each change state a few times per advance; far more rounds
# than that means a bug, not a process.
MAX_ROUNDS = 500


def advance(
    unit: UnitOfWork, *, changed_fields: Collection[str] | None = None, by: Any = None
) -> None:
    """Apply the planner's decisions until the run rests (waits for people or workers)."""
    run, definition = unit.run, unit.definition
    for _ in range(MAX_ROUNDS):
        if run.status != RunStatus.IN_PROGRESS:
            return
        stage_run = unit.current_stage_run()
        if stage_run is None or stage_run.status != StageRunStatus.IN_PROGRESS:
            return
        stage = definition.stage_by_id[stage_run.stage_id]
        step_runs = {definition.step_by_id[s.step_id].key: s for s in unit.step_runs_of(stage_run)}
        context = unit.context(changed_fields=changed_fields)
        plan = plan_stage(stage, {key: s.status for key, s in step_runs.items()}, context.holds)
        if plan.error:
            fail(unit, stage_run, plan.error, step_run=step_runs.get(plan.failed_step))
            continue
        if plan.is_empty:
            return
        for key in plan.complete:
            complete_step(unit, step_runs[key], message="Its exit condition held.")
        started = all(
            start_step(unit, step_runs[key], definition.step_by_key[key], context)
            for key in plan.start
        )
        if started and plan.exit_stage:
            exit_stage(unit, stage_run, stage, context, by=by)
    raise RuntimeError(f"Run {run.pk} did not settle after {MAX_ROUNDS} rounds.")


def enter_stage(unit: UnitOfWork, stage: StageDef) -> StageRun:
    run = unit.run
    visit = unit.visits(stage.id) + 1
    stage_run = unit.add(StageRun(run=run, stage_id=stage.id, visit=visit))
    again = f" (visit {visit})" if visit > 1 else ""
    record_event(
        run,
        "stage.start",
        stage_run=stage_run,
        to_status=StageRunStatus.IN_PROGRESS,
        message=f"Entered stage '{stage.name}'{again}.",
    )
    for step in stage.steps:
        unit.add(StepRun(run=run, stage_run=stage_run, step_id=step.id))
    return stage_run


def exit_stage(
    unit: UnitOfWork,
    stage_run: StageRun,
    stage: StageDef,
    context: RunContext,
    *,
    by: Any = None,
) -> None:
    run, definition = unit.run, unit.definition
    try:
        decision = decide(definition, stage, context.holds)
    except ConditionError as error:
        fail(unit, stage_run, f"The decision of stage '{stage.name}' failed: {error}")
        return
    if decision.target != END and _visit_limit_reached(unit, decision.target):
        return fail(unit, stage_run, _loop_message(unit, decision.target))
    stop_steps(unit, stage_run, how="discontinue", message=f"Stage '{stage.name}' ended.")
    target_name = (
        "the end" if decision.target == END else definition.stage_by_key[decision.target].name
    )
    stage_run.decision = f"{target_name} — {decision.reason}"
    stage_run.complete(message=f"Next: {target_name} ({decision.reason}).")
    if decision.target == END:
        run.complete(message="The last stage is done.")
        return
    enter_stage(unit, definition.stage_by_key[decision.target])


def start_step(unit: UnitOfWork, step_run: StepRun, step: StepDef, context: RunContext) -> bool:
    """Start a step: a work item for a person, or a message for a worker. False if it failed."""
    step_run.start()
    return _hand_out(unit, step_run, step, context)


def _hand_out(unit: UnitOfWork, step_run: StepRun, step: StepDef, context: RunContext) -> bool:
    """Give a running step its work: an attempt on a worker, or a work item for its
    assignee. False (and the failure handled) when the assignee cannot be found."""
    if not step.is_interactive:
        schedule_attempt(step_run, at=timezone.now())
        return True
    try:
        user, group = resolve_assignee(step, context, unit.people)
    except AssigneeError as error:
        fail(unit, step_run.stage_run, str(error), step_run=step_run)
        return False
    create_work_item(unit, step_run, step, context, user=user, group=group)
    return True


def create_work_item(
    unit: UnitOfWork,
    step_run: StepRun,
    step: StepDef,
    context: RunContext,
    *,
    user: Any,
    group: Any,
) -> WorkItem:
    """A work item for `user` (or the colleague covering while they are away) or `group`."""
    run, now = unit.run, timezone.now()
    routing = route(user) if user is not None else None
    item = unit.add(
        WorkItem(
            run=run,
            step_run=step_run,
            assignee_user=routing.assignee if routing else None,
            on_behalf_of=routing.on_behalf_of if routing else None,
            assignee_group=group,
            created_at=now,
            assigned_at=now,
            due_at=now + step.due_in if step.due_in else None,
        )
    )
    record_event(
        run,
        "work_item.create",
        work_item=item,
        step_run=step_run,
        on_behalf_of=item.on_behalf_of,
        to_status=WorkItemStatus.OPEN,
        message=f"'{step.name}' assigned to {routing.describe() if routing else group}.",
        data=assignment_data(item),
    )
    reason = routing.reason() if routing else ""
    # The email links to the item: composed once it is written (it has its id then).
    unit.after_rows(
        lambda: notify_assignment(item, step, context, reason=reason, people=unit.people)
    )
    return item


def complete_step(
    unit: UnitOfWork,
    step_run: StepRun,
    *,
    outputs: dict | None = None,
    by: Any = None,
    message: str = "",
) -> None:
    if outputs is not None:
        step_run.outputs = outputs
    step_run.complete(by=by, message=message)
    _cancel_work_items(unit, step_run, message=message or "The step completed.")


RUNNING = (StepRunStatus.IN_PROGRESS,)
UNFINISHED = (StepRunStatus.IN_PROGRESS, StepRunStatus.NOT_STARTED)


def stop_steps(
    unit: UnitOfWork,
    stage_run: StageRun,
    *,
    how: str,
    message: str,
    statuses: Collection[str] = UNFINISHED,
    keep: StepRun | None = None,
) -> None:
    """Discontinue or cancel (`how`) the stage's steps in `statuses`, and their open work items."""
    for step_run in unit.step_runs_of(stage_run, statuses=tuple(statuses)):
        if step_run is keep:
            continue
        getattr(step_run, how)(message=message)
        _cancel_work_items(unit, step_run, message=message)


def _cancel_work_items(unit: UnitOfWork, step_run: StepRun, *, message: str) -> None:
    for item in unit.open_work_items(step_run):
        item.cancel(message=message)


def fail(
    unit: UnitOfWork, stage_run: StageRun, message: str, *, step_run: StepRun | None = None
) -> None:
    """A step or a condition of the stage failed: take the fault path, or stop the run."""
    run, definition = unit.run, unit.definition
    stage = definition.stage_by_id[stage_run.stage_id]
    if step_run is not None and step_run.status != StepRunStatus.ERROR:
        step_run.fail(message=message)
    stop_steps(
        unit,
        stage_run,
        how="discontinue",
        message="Another step failed.",
        statuses=RUNNING,
        keep=step_run,
    )
    fault = stage.fault_target
    if fault and not _visit_limit_reached(unit, fault):
        target = definition.stage_by_key[fault]
        stage_run.decision = f"{target.name} — fault path"
        stage_run.discontinue(message=f"{message} Taking the fault path to '{target.name}'.")
        enter_stage(unit, target)
        return
    if stage_run.status == StageRunStatus.IN_PROGRESS:
        stage_run.fail(message=message)
    if run.status == RunStatus.IN_PROGRESS:
        run.fail(message=message)
        notify_run_error(run, message)


def restart_failed_steps(unit: UnitOfWork, stage_run: StageRun, *, by: Any = None) -> None:
    """Restart the stage's failed and interrupted steps (new work items, new attempts)."""
    definition = unit.definition
    context = unit.context()
    for step_run in unit.step_runs_of(
        stage_run, statuses=(StepRunStatus.ERROR, StepRunStatus.DISCONTINUED)
    ):
        step_run.restart(by=by, message="Restarted.")
        if not _hand_out(unit, step_run, definition.step_by_id[step_run.step_id], context):
            return


def apply_record_updates(unit: UnitOfWork, updates: dict[str, Any]) -> None:
    """Set fields of the run's record (validated), as one effect of a completed step."""
    record = run_record(unit.run)
    if record is None or not updates:
        return
    fields = [record._meta.get_field(name) for name in updates]  # unknown names raise
    for field, value in zip(fields, updates.values(), strict=True):
        setattr(record, field.attname, value)
    record.full_clean(exclude=[f.name for f in record._meta.fields if f not in fields])
    record.save(update_fields=[f.attname for f in fields])


def _visit_limit_reached(unit: UnitOfWork, stage_key: str) -> bool:
    definition = unit.definition
    stage = definition.stage_by_key[stage_key]
    return unit.visits(stage.id) >= definition.stage_visit_limit


def _loop_message(unit: UnitOfWork, stage_key: str) -> str:
    definition = unit.definition
    name = definition.stage_by_key[stage_key].name
    return (
        f"Stage '{name}' would be entered more than {definition.stage_visit_limit} times; "
        "the run was stopped so that it does not loop forever."
    )
