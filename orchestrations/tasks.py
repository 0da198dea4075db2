"""Celery tasks: one-line wrappers around engine functions.

`execute_step` goes to the actions queue (engine.dispatch.ACTIONS_QUEUE); the others
to the default queue (settings.CELERY_TASK_DEFAULT_QUEUE), which a worker of its own
consumes, so that the sweeper and the outbox never wait behind long actions.
"""

from celery import shared_task
from django.conf import settings

from . import engine, outbox
from .engine.leases import HARD_LIMIT_GRACE, SOFT_LIMIT_GRACE

# Backstops for the engine's own watchdog (engine/leases.py), on the prefork pool: the
# worker's settings decide them, as they decide the watchdog's limit.
_LIMIT = settings.HANDOFF_ACTION_TIMEOUT_SECONDS


@shared_task(
    acks_late=True,
    soft_time_limit=_LIMIT + SOFT_LIMIT_GRACE,
    time_limit=_LIMIT + HARD_LIMIT_GRACE,
)
def execute_step(step_run_id: int, token: str) -> str:
    return engine.step_execute(step_run_id, token)


@shared_task
def sweep() -> dict[str, int]:
    return engine.sweep()


@shared_task
def deliver_outbox(ids: list[int], claim: str) -> int:
    return outbox.deliver_claimed(ids, claim)
