"""Running background steps: claim, act outside any transaction, record the result.

outbox ─► execute_step(token) ─ claim (leases.py) ─► action, watched ─► record
                                   │ stale / suspended        │ error, timeout
                                   ▼                          ▼
                          nothing runs (parked until   retry with backoff,
                          the run resumes)             then error / fault path

A lost message or a dead worker is the sweeper's (sweeper.py). Delivery semantics:
the claim, the result and every effect applied with it are recorded exactly once;
the body is at least once (a worker can die after the body and before the result is
stored), so it receives an idempotency key that stays the same when the same attempt
runs again.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.serializers.json import DjangoJSONEncoder
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from ..actions import ActionContext, ActionResult, get_action
from ..events import record_event
from ..models import StepRun
from ..status import RunStatus, StepRunStatus
from .definition import version_definition
from .dispatch import attempt_step_run, schedule_attempt
from .leases import ActionTimedOut, Claim, LeaseLost, Watchdog, attempt_claim, time_limit
from .locking import locked_step_unit
from .notifications import context_for_addresses, send_after_commit
from .progress import advance, apply_record_updates, complete_step, fail
from .unit import UnitOfWork

logger = logging.getLogger(__name__)

# Recording a result survives a database blip: the same idempotent write on a new
# connection, after these pauses (seconds), while the heartbeat keeps the lease.
RECORD_RETRY_PAUSES = (0.2, 0.5, 1, 2, 4, 8)


def step_execute(step_run_id: int, token: str) -> str:
    """Run one attempt of a background step; the body of the `execute_step` task.

    Returns "done", "failed", "stale" (another message holds the step, or it no
    longer runs), "suspended" (parked until the run resumes) or "abandoned" (the
    lease was lost while the body ran: someone else owns the step now).
    """
    claim = attempt_claim(step_run_id, token)
    if not isinstance(claim, Claim):
        return claim
    with Watchdog(step_run_id, token) as watchdog:
        try:
            with watchdog.stoppable():
                outcome = _run_action(claim)
        except LeaseLost:
            logger.warning("Step %s: the lease was lost; the body was stopped.", step_run_id)
            return "abandoned"
        except (ActionTimedOut, SoftTimeLimitExceeded):
            seconds = int(time_limit().total_seconds())
            message = f"Timed out: still running after {seconds} s."
            _with_db_retries(attempt_failed, step_run_id, token, message)
            return "failed"
        except Exception as error:
            logger.warning("Step %s attempt failed: %s", step_run_id, error, exc_info=True)
            _with_db_retries(attempt_failed, step_run_id, token, _describe(error))
            return "failed"
        _with_db_retries(attempt_succeeded, step_run_id, token, outcome)
    return "done"


def _run_action(claim: Claim) -> ActionResult:
    run, step_run, context = claim.run, claim.step_run, claim.context
    step = version_definition(run.version).step_by_id[step_run.step_id]
    action = get_action(step.action)
    inputs = {name: context.resolve(value) for name, value in step.action_inputs.items()}
    if action.readers is not None and action.readers in inputs:
        seen = context_for_addresses(run, context, inputs[action.readers])
        for name, value in step.action_inputs.items():
            if name != action.readers:
                inputs[name] = seen.resolve(value)
    result = action.func(
        ActionContext(
            run=run,
            step_run=step_run,
            record=context.namespaces["record"],
            namespaces=context.namespaces,
            attempt=step_run.attempt,
            idempotency_key=idempotency_key(step_run),
        ),
        **inputs,
    )
    return _as_result(result)


def idempotency_key(step_run: StepRun) -> str:
    """The same for every run of one attempt (a takeover after a lost worker runs it
    again); a new one for a retry after a failure."""
    return f"handoff-{step_run.pk}-{step_run.attempt}"


def _with_db_retries(record: Callable[..., None], *args: Any) -> None:
    for pause in (*RECORD_RETRY_PAUSES, None):
        try:
            record(*args)
            return
        except (OperationalError, InterfaceError) as error:
            if pause is None:
                raise
            logger.warning("Recording a result failed (%s); again in %s s.", error, pause)
            connection.close()  # the next query opens a new connection
            time.sleep(pause)


def attempt_succeeded(step_run_id: int, token: str, result: ActionResult) -> None:
    with locked_claim(step_run_id, token) as claim:
        if claim is None:
            return
        unit, step_run = claim
        if result.wait_until is not None:
            schedule_attempt(step_run, at=result.wait_until)
            record_event(
                unit.run,
                "step.wait",
                step_run=step_run,
                message=f"Waiting until {result.wait_until:%Y-%m-%d %H:%M %Z}.",
            )
            return
        held = {
            "outputs": result.outputs,
            "record_updates": result.record_updates,
            "variables": result.variables,
            "emails": result.emails,
        }
        if unit.run.status == RunStatus.SUSPENDED:
            _hold(unit, step_run, held)
            return
        apply_held_result(unit, step_run, held)
        advance(unit)


def attempt_failed(step_run_id: int, token: str, message: str) -> None:
    with locked_claim(step_run_id, token) as claim:
        if claim is None:
            return
        unit, step_run = claim
        fail_attempt(unit, step_run, message)


def fail_attempt(unit: UnitOfWork, step_run: StepRun, message: str) -> None:
    """An attempt failed (the run is locked): retry per the step's policy, or fail it."""
    run = unit.run
    step = unit.definition.step_by_id[step_run.step_id]
    step_run.failures += 1
    step_run.error_message = message
    if step_run.failures < step.retry_max_attempts:
        delay = step.retry_delay(step_run.failures)
        schedule_attempt(step_run, at=timezone.now() + delay)
        record_event(
            run,
            "step.retry",
            step_run=step_run,
            message=f"Attempt {step_run.failures} of {step.retry_max_attempts} failed: "
            f"{message} Next attempt in {_seconds(delay)}.",
        )
        return
    final = f"'{step.name}' failed after {step_run.failures} attempt(s): {message}"
    if run.status == RunStatus.SUSPENDED:
        _hold(unit, step_run, {"error": final})
        return
    fail(unit, step_run.stage_run, final, step_run=step_run)
    advance(unit)  # a fault path leads somewhere new


def redispatch_parked(unit: UnitOfWork) -> None:
    """On resume: send again the attempts that arrived while the run was suspended."""
    for step_run in unit.step_runs():
        if (
            step_run.status == StepRunStatus.IN_PROGRESS
            and step_run.dispatch_token is None
            and step_run.held_result is None
            and not unit.definition.step_by_id[step_run.step_id].is_interactive
        ):
            schedule_attempt(step_run, at=timezone.now(), fresh=False)


def apply_held_result(unit: UnitOfWork, step_run: StepRun, held: dict[str, Any]) -> None:
    """Record a background result: effects, outputs, completion (the caller advances)."""
    run = unit.run
    if "error" in held:
        fail(unit, step_run.stage_run, held["error"], step_run=step_run)
        return
    try:
        apply_record_updates(unit, held.get("record_updates") or {})
    except Exception as error:  # a bad field or value: the step fails, the run stays sane
        fail(
            unit,
            step_run.stage_run,
            f"Updating the record failed: {_describe(error)}",
            step_run=step_run,
        )
        return
    if held.get("variables"):
        run.variables = {**run.variables, **held["variables"]}
    for email in held.get("emails") or []:
        send_after_commit(email["to"], email["subject"], email["body"], run=run)
    complete_step(unit, step_run, outputs=held.get("outputs") or {}, message="The action finished.")


def _hold(unit: UnitOfWork, step_run: StepRun, held: dict[str, Any]) -> None:
    step_run.held_result = held
    step_run.lease_until = None
    record_event(
        unit.run, "step.hold", step_run=step_run, message="Result held until the run resumes."
    )


@contextmanager
def locked_claim(step_run_id: int, token: str) -> Iterator[tuple[UnitOfWork, StepRun] | None]:
    """The run locked and the step re-read, if the attempt `token` still holds the
    step; None when it was discontinued, canceled or re-dispatched meanwhile."""
    with locked_step_unit(step_run_id) as unit:
        step_run = attempt_step_run(unit, step_run_id, token) if unit is not None else None
        if unit is None or step_run is None:
            yield None
            return
        yield unit, step_run


def _as_result(value: Any) -> ActionResult:
    """The action's return value as a result whose parts are stored as JSON
    (dates become ISO text; anything else unstorable fails the attempt)."""
    if value is None:
        value = ActionResult()
    elif isinstance(value, dict):
        value = ActionResult(outputs=value)
    elif not isinstance(value, ActionResult):
        value = ActionResult(outputs={"result": value})
    try:
        value.outputs = _json_safe(value.outputs)
        value.variables = _json_safe(value.variables)
    except TypeError as error:
        raise TypeError(f"The action returned something that cannot be stored: {error}") from None
    return value


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _describe(error: BaseException) -> str:
    text = str(error) or error.__class__.__name__
    return text if text.endswith(".") else f"{text}."


def _seconds(delay: Any) -> str:
    seconds = int(delay.total_seconds())
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


__all__ = ["step_execute"]
