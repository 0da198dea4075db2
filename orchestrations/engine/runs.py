"""Starting and steering runs: start, cancel, suspend, resume, retry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django_fsm import can_proceed

from .. import outbox, records
from ..events import record_event
from ..exceptions import HandoffError, NotAllowed, TransitionRefused
from ..fields import clean_values
from ..models import Orchestration, Run, StepRun, Version
from ..models.choices import TriggerType
from ..naming import person_name
from ..status import RunStatus, StageRunStatus, StepRunStatus, VersionStatus, status_phrase
from . import arguments
from .assignees import unassignable_at_start
from .background import apply_held_result, redispatch_parked
from .context import start_context
from .definition import VersionDef, version_definition
from .labels import record_label, run_label
from .locking import locked_unit
from .progress import advance, enter_stage, restart_failed_steps, stop_steps
from .unit import UnitOfWork, unit_of_work
from .watch import note_record_model


class DuplicateRunError(HandoffError):
    """The record already has an open run of this orchestration."""

    def __init__(self, message: str, existing: Run | None = None):
        super().__init__(message)
        self.existing = existing


def run_start(
    orchestration: Orchestration | Version,
    *,
    record: models.Model | None = None,
    variables: Mapping[str, Any] | None = None,
    started_by: Any = None,
) -> Run:
    """Start a run of the orchestration's active version (or of the given version).

    `variables` are validated against the version's input variables (a
    `ValidationError` maps each bad input to its messages). With a record, at most
    one open run per (orchestration, record) exists unless the version allows more:
    a second start raises `DuplicateRunError`, even when two starts race. A variable
    that is not an input is refused too: a `set_variables` step may set it later.
    A manual orchestration that names a record model needs a record of it, one that
    `started_by` may pick (`orchestrations.records`). A manual start whose first steps
    could not be assigned (an input or a record that names nobody) is refused too,
    before a run exists, each message under the input (or "record") it is about.
    The run's label is made from the version's label template before its first steps
    start, so their emails use it.
    """
    record = arguments.optional_instance(record, models.Model, argument="record")
    given = arguments.values({} if variables is None else variables, what="run's variables")
    started_by = arguments.optional_person(started_by, argument="started_by", to="start a run")
    version = _startable_version(orchestration)
    definition = version_definition(version)
    cleaned = _clean_variables(definition, version.orchestration, given)
    _check_record(version, record, started_by)
    if not definition.stages:
        raise HandoffError(f"{version} has no stages.")
    run = Run(
        orchestration=version.orchestration,
        version=version,
        variables=cleaned,
        started_by=started_by,
        exclusive=not definition.allow_concurrent_runs,
    )
    if record is not None:
        run.record_type = ContentType.objects.get_for_model(record)
        run.record_id = str(record.pk)
        run.record_label = record_label(record)
        run.__dict__["_record_cache"] = {"record": record}
    # Record-triggered runs start anyway: a run in error tells support, where a refusal
    # would only be a line in a log.
    manual = version.trigger_type == TriggerType.MANUAL
    if manual and (problems := unassignable_at_start(definition, start_context(run, definition))):
        raise ValidationError(problems)
    if record is not None:
        note_record_model(type(record))
    with transaction.atomic(), outbox.collecting():
        _insert(run, version, record)
        with unit_of_work(run, new=True) as unit:
            record_event(
                run,
                "run.start",
                actor=started_by,
                to_status=RunStatus.IN_PROGRESS,
                message=f"Started on version {version.number}.",
            )
            if label := run_label(run, definition):
                run.label = label
            enter_stage(unit, definition.stages[0])
            advance(unit)
    return run


def _insert(run: Run, version: Version, record: models.Model | None) -> None:
    """Insert the new run. One about a record may collide with an open run of the same
    record (the partial unique constraint, which two racing starts meet too): it goes
    in a savepoint, so that the collision can be reported with the run it met."""
    if not (run.exclusive and run.record_id):
        run.save(force_insert=True)
        return
    try:
        with transaction.atomic():
            run.save(force_insert=True)
    except IntegrityError:
        existing = (
            Run.objects.open()
            .filter(
                orchestration_id=version.orchestration_id,
                record_type=run.record_type,
                record_id=run.record_id,
            )
            .first()
        )
        raise DuplicateRunError(
            f"{record} already has an open run of {version.orchestration.name}"
            + (f" (#{existing.pk})." if existing else "."),
            existing,
        ) from None


def _clean_variables(
    definition: VersionDef, orchestration: Orchestration, given: Mapping[str, Any]
) -> dict[str, Any]:
    """The input variables, defaults filled in; every bad or unknown one is reported."""
    keys = [i.key for i in definition.inputs]
    if any(not isinstance(key, str) for key in given):
        raise ValidationError("The names of a run's variables must be text.")
    its = f"its inputs are: {', '.join(keys)}." if keys else "it has no inputs."
    unknown = {
        key: f"'{key}' is not an input of {orchestration.name}; {its}"
        for key in given
        if key not in keys
    }
    defaults = {i.key: i.default for i in definition.inputs if i.default is not None}
    try:
        cleaned = clean_values(definition.inputs, {**defaults, **given})
    except ValidationError as error:
        raise ValidationError({**error.error_dict, **unknown}) from None
    if unknown:
        raise ValidationError(unknown)
    return cleaned


def _check_record(version: Version, record: models.Model | None, started_by: Any) -> None:
    """A manual start of an orchestration with a record model: a record of that model
    that the starter may pick. (Record triggers start about the record that was saved.)"""
    model = records.start_record_model(version)
    if model is None:
        return
    name, what = version.orchestration.name, model._meta.verbose_name
    if record is None:
        raise ValidationError({"record": f"Choose the {what} this run of {name} is about."})
    if not isinstance(record, model):
        raise ValidationError(
            {"record": f"Runs of {name} are about {model._meta.verbose_name_plural}, not "
             f"{record._meta.verbose_name_plural}."}
        )  # fmt: skip
    if started_by is not None and not records.may_pick(started_by, record):
        raise NotAllowed(f"{person_name(started_by)} may not start a run about {record}.")


def _startable_version(target: Orchestration | Version) -> Version:
    if isinstance(target, Version):
        version = target
    elif not isinstance(target, Orchestration):
        raise arguments.wrong_type("orchestration", "an Orchestration or a Version", target)
    else:
        found = target.versions.filter(status=VersionStatus.ACTIVE).order_by("pk").first()
        if found is None:
            raise HandoffError(f"{target} has no active version; activate a draft first.")
        version = found
        version.orchestration = target
    if version.status != VersionStatus.ACTIVE:
        raise HandoffError(
            f"{version} is {version.status}; only the active version can start runs."
        )
    if version.orchestration.archived:
        raise HandoffError(f"{version.orchestration} is archived; unarchive it to start runs.")
    return version


def run_cancel(run: Run, *, by: Any = None, reason: str = "") -> Run:
    """Cancel an open run: its stage, unfinished steps and open work items too."""
    run, by, reason = _steering(run, by=by, reason=reason, to="cancel a run")
    with locked_unit(run.pk) as unit:
        run = unit.run
        _refuse_unless(run, "cancel", "canceled")
        message = reason or "Canceled."
        stage_run = unit.current_stage_run()
        if stage_run is not None:
            stop_steps(
                unit,
                stage_run,
                how="cancel",
                message=message,
                statuses=[
                    StepRunStatus.IN_PROGRESS,
                    StepRunStatus.NOT_STARTED,
                    StepRunStatus.ERROR,
                ],
            )
            stage_run.cancel(by=by, message=message)
        run.cancel(by=by, message=message)
    return run


def run_suspend(run: Run, *, by: Any = None, reason: str = "") -> Run:
    """Pause a run: nothing new starts, not even an attempt already queued for a worker
    (it is sent again on resume); bodies already running hold their results."""
    run, by, reason = _steering(run, by=by, reason=reason, to="suspend a run")
    with locked_unit(run.pk) as unit:
        run = unit.run
        _refuse_unless(run, "suspend", "suspended")
        stage_run = unit.current_stage_run()
        if stage_run is not None and stage_run.status == StageRunStatus.IN_PROGRESS:
            stage_run.suspend(by=by, message=reason)
        run.suspend(by=by, message=reason or "Suspended.")
    return run


def run_resume(run: Run, *, by: Any = None, reason: str = "") -> Run:
    """Resume a suspended run (applying held results), or an errored one (restarting
    its failed steps; an interactive step gets a new work item)."""
    run, by, reason = _steering(run, by=by, reason=reason, to="resume a run")
    with locked_unit(run.pk) as unit:
        run = unit.run
        if run.status == RunStatus.ERROR:
            _recover(unit, by=by, reason=reason)
            return run
        _refuse_unless(run, "resume", "resumed")
        run.resume(by=by, message=reason or "Resumed.")
        stage_run = unit.current_stage_run()
        if stage_run is not None and stage_run.status == StageRunStatus.SUSPENDED:
            stage_run.resume(by=by)
        for step_run in unit.step_runs():
            held = step_run.held_result
            if held is not None and step_run.status == StepRunStatus.IN_PROGRESS:
                apply_held_result(unit, step_run, held)
        redispatch_parked(unit)
        advance(unit, by=by)
    return run


def step_retry(step_run: StepRun, *, by: Any = None, reason: str = "") -> Run:
    """Retry a failed step: the run leaves `error` and the step's stage goes on."""
    step_run = arguments.instance(step_run, StepRun, argument="step_run")
    by = arguments.optional_person(by, argument="by", to="retry a step")
    reason = arguments.text(reason, argument="reason")
    with locked_unit(step_run.run_id) as unit:
        run = unit.run
        fresh = unit.step_run(step_run.pk)
        if fresh is None:
            raise StepRun.DoesNotExist(f"Step run {step_run.pk} does not exist.")
        if fresh.status != StepRunStatus.ERROR:
            raise TransitionRefused(
                f"'{fresh}' is {status_phrase(fresh.status)}, not failed; "
                "there is nothing to retry."
            )
        if run.status != RunStatus.ERROR:
            raise TransitionRefused(f"{run} is {status_phrase(run.status)}.")
        _recover(unit, by=by, reason=reason)
    return run


def _steering(run: Any, *, by: Any, reason: Any, to: str) -> tuple[Run, Any, str]:
    """The arguments of the functions that steer a run, checked (see `arguments`)."""
    run = arguments.instance(run, Run, argument="run")
    by = arguments.optional_person(by, argument="by", to=to)
    return run, by, arguments.text(reason, argument="reason")


def _recover(unit: UnitOfWork, *, by: Any, reason: str) -> None:
    unit.run.recover(by=by, message=reason or "Resumed after an error.")
    stage_run = unit.current_stage_run()
    if stage_run is not None and stage_run.status == StageRunStatus.ERROR:
        stage_run.recover(by=by)
        restart_failed_steps(unit, stage_run, by=by)
    advance(unit, by=by)


def _refuse_unless(run: Run, transition: str, done: str) -> None:
    if not can_proceed(getattr(run, transition)):
        raise TransitionRefused(f"{run} is {status_phrase(run.status)} and cannot be {done}.")
