"""Celery tasks: one-line wrappers around engine functions."""

from celery import shared_task
from django.core.mail import send_mail

from . import engine


@shared_task(acks_late=True)
def execute_step(step_run_id: int, token: str) -> str:
    return engine.step_execute(step_run_id, token)


@shared_task
def sweep() -> dict[str, int]:
    return engine.sweep()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(recipients: list[str], subject: str, body: str) -> None:
    send_mail(subject, body, None, recipients)
