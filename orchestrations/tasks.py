"""Celery tasks: one-line wrappers around engine functions.

`execute_step` goes to the actions queue (engine.dispatch.ACTIONS_QUEUE); the others
to the default queue (settings.CELERY_TASK_DEFAULT_QUEUE), which a worker of its own
consumes, so that the sweeper and the outbox never wait behind long actions.
"""

from celery import shared_task

from . import engine, outbox


@shared_task(acks_late=True)
def execute_step(step_run_id: int, token: str) -> str:
    return engine.step_execute(step_run_id, token)


@shared_task
def sweep() -> dict[str, int]:
    return engine.sweep()


@shared_task
def deliver_outbox(ids: list[int], claim: str) -> int:
    return outbox.deliver_claimed(ids, claim)
