"""Handing background steps to Celery, after the transaction commits."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..models import StepRun

# Messages due later than this are not sent with a countdown (a broker may
# redeliver long-delayed messages, e.g. Redis after its visibility timeout); the
# sweeper sends them when they fall due.
MAX_COUNTDOWN_SECONDS = 300


def schedule_attempt(step_run: StepRun, *, at: datetime) -> None:
    """Arrange for the next attempt of a background step at `at` (the caller saves).

    A fresh token makes every earlier message for this step stale, so at most one
    attempt is ever claimed.
    """
    delay = max((at - timezone.now()).total_seconds(), 0)
    step_run.lease_until = None
    step_run.next_attempt_at = at
    if delay > MAX_COUNTDOWN_SECONDS:
        step_run.dispatch_token = None  # nothing in flight: the sweeper sends it when due
        return
    token = uuid.uuid4()
    step_run.dispatch_token = token
    step_run.dispatched_at = timezone.now()
    step_run_id = step_run.pk
    transaction.on_commit(lambda: send_step_message(step_run_id, str(token), delay))


def send_step_message(step_run_id: int, token: str, countdown: float) -> None:
    from ..tasks import execute_step

    execute_step.apply_async((step_run_id, token), countdown=countdown)
