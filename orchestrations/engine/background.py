"""Running background steps: claim, act outside any transaction, record the result.

dispatch ─► execute_step(token) ─ claim (compare-and-set) ─► action ─► record
                                              │ lost                    │ error
                               the sweeper re-dispatches        retry with backoff,
                               (new token)                      then error / fault path
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone

from ..actions import ActionContext, ActionResult, get_action
from ..events import record_event
from ..models import Run, StepRun
from ..status import RunStatus, StepRunStatus
from .context import run_context
from .definition import version_definition
from .dispatch import schedule_attempt
from .locking import locked_run
from .progress import advance, apply_record_updates, complete_step, fail

logger = logging.getLogger(__name__)

# A message should be consumed within this long of falling due; past it the
# sweeper assumes it was lost and sends a new one.
LOST_MESSAGE_GRACE = timedelta(seconds=60)


def step_execute(step_run_id: int, token: str) -> str:
    """Run one attempt of a background step; the body of the `execute_step` task.

    Claims the attempt by compare-and-set on the dispatch token, so a redelivered
    or stale message does nothing. The action runs outside any transaction (it may
    call slow services); its result is recorded under the run's lock.
    """
    lease = timezone.now() + timedelta(seconds=settings.HANDOFF_ACTION_TIMEOUT_SECONDS)
    claimed = StepRun.objects.filter(
        pk=step_run_id,
        dispatch_token=token,
        status=StepRunStatus.IN_PROGRESS,
        lease_until__isnull=True,
        held_result__isnull=True,
    ).update(lease_until=lease)
    if not claimed:
        return "stale"
    step_run = StepRun.objects.select_related(
        "run__orchestration", "run__version", "run__started_by", "run__record_type"
    ).get(pk=step_run_id)
    run = step_run.run
    definition = version_definition(run.version)
    step = definition.step_by_id[step_run.step_id]
    try:
        context = run_context(run, definition)
        action = get_action(step.action)
        inputs = {name: context.resolve(value) for name, value in step.action_inputs.items()}
        result = action.func(
            ActionContext(
                run=run,
                step_run=step_run,
                record=context.namespaces["record"],
                namespaces=context.namespaces,
                attempt=step_run.failures + 1,
            ),
            **inputs,
        )
        outcome = _as_result(result)
    except Exception as error:
        logger.warning("Step %s attempt failed: %s", step_run_id, error, exc_info=True)
        attempt_failed(step_run_id, token, _describe(error))
        return "failed"
    attempt_succeeded(step_run_id, token, outcome)
    return "done"


def attempt_succeeded(step_run_id: int, token: str, result: ActionResult) -> None:
    with locked_claim(step_run_id, token) as claim:
        if claim is None:
            return
        run, step_run = claim
        if result.wait_until is not None:
            schedule_attempt(step_run, at=result.wait_until)
            step_run.save()
            record_event(
                run,
                "step.wait",
                step_run=step_run,
                message=f"Waiting until {result.wait_until:%Y-%m-%d %H:%M %Z}.",
            )
            return
        held = {
            "outputs": result.outputs,
            "record_updates": result.record_updates,
            "variables": result.variables,
        }
        if run.status == RunStatus.SUSPENDED:
            _hold(run, step_run, held)
            return
        apply_held_result(run, step_run, held)
        advance(run)


def attempt_failed(step_run_id: int, token: str, message: str) -> None:
    with locked_claim(step_run_id, token) as claim:
        if claim is None:
            return
        run, step_run = claim
        step = version_definition(run.version).step_by_id[step_run.step_id]
        step_run.failures += 1
        step_run.error_message = message
        if step_run.failures < step.retry_max_attempts:
            delay = step.retry_delay(step_run.failures)
            schedule_attempt(step_run, at=timezone.now() + delay)
            step_run.save()
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
            _hold(run, step_run, {"error": final})
            return
        fail(run, step_run.stage_run, final, step_run=step_run)
        advance(run)  # a fault path leads somewhere new


def apply_held_result(run: Any, step_run: StepRun, held: dict[str, Any]) -> None:
    """Record a background result: effects, outputs, completion (the caller advances)."""
    if "error" in held:
        fail(run, step_run.stage_run, held["error"], step_run=step_run)
        return
    try:
        apply_record_updates(run, held.get("record_updates") or {})
    except Exception as error:  # a bad field or value: the step fails, the run stays sane
        fail(
            run,
            step_run.stage_run,
            f"Updating the record failed: {_describe(error)}",
            step_run=step_run,
        )
        return
    if held.get("variables"):
        run.variables = {**run.variables, **held["variables"]}
        run.save(update_fields=["variables", "updated_at"])
    complete_step(run, step_run, outputs=held.get("outputs") or {}, message="The action finished.")


def _hold(run: Any, step_run: StepRun, held: dict[str, Any]) -> None:
    step_run.held_result = held
    step_run.lease_until = None
    step_run.save()
    record_event(run, "step.hold", step_run=step_run, message="Result held until the run resumes.")


@contextmanager
def locked_claim(step_run_id: int, token: str) -> Iterator[tuple[Run, StepRun] | None]:
    """The run locked and the step re-read, if the attempt `token` still holds the
    step; None when it was discontinued, canceled or re-dispatched meanwhile."""
    run_id = StepRun.objects.filter(pk=step_run_id).values_list("run_id", flat=True).first()
    if run_id is None:
        yield None
        return
    with locked_run(run_id) as run:
        step_run = (
            StepRun.objects.select_related("stage_run")
            .filter(pk=step_run_id, dispatch_token=token, status=StepRunStatus.IN_PROGRESS)
            .first()
        )
        if step_run is None:
            yield None
            return
        step_run.run = step_run.stage_run.run = run
        yield run, step_run


def sweep() -> dict[str, int]:
    """Re-dispatch background work whose message was lost or whose worker died, and
    send attempts (retries, timers) that have fallen due. Runs every few seconds."""
    now = timezone.now()
    counts = {"lost_workers": 0, "redispatched": 0}
    for step_run_id, token in StepRun.objects.filter(
        status=StepRunStatus.IN_PROGRESS, lease_until__lt=now
    ).values_list("pk", "dispatch_token"):
        attempt_failed(step_run_id, str(token), "The worker running it stopped before finishing.")
        counts["lost_workers"] += 1
    due = StepRun.objects.filter(
        Q(dispatch_token__isnull=True) | Q(next_attempt_at__lt=now - LOST_MESSAGE_GRACE),
        status=StepRunStatus.IN_PROGRESS,
        lease_until__isnull=True,
        held_result__isnull=True,
        next_attempt_at__lte=now,
    )
    for step_run_id, run_id in due.values_list("pk", "run_id"):
        with locked_run(run_id):
            step_run = due.filter(pk=step_run_id).first()
            if step_run is None:
                continue
            schedule_attempt(step_run, at=now)
            step_run.save()
            counts["redispatched"] += 1
    return counts


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


def _describe(error: Exception) -> str:
    text = str(error) or error.__class__.__name__
    return text if text.endswith(".") else f"{text}."


def _seconds(delay: timedelta) -> str:
    seconds = int(delay.total_seconds())
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


__all__ = ["step_execute", "sweep"]
