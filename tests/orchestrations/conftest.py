from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest


@pytest.fixture(autouse=True, scope="session")
def _celery_runs_tasks_in_process() -> Iterator[None]:
    """Emails and other tasks run at once, in the test's process (the broker fixture
    below takes over background steps, so tests decide when those run)."""
    from config.celery import app

    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks) -> Callable[[], AbstractContextManager]:
    """`with after_commit(): …` runs what the block scheduled for after the commit
    (Celery messages, emails, record triggers), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


class FakeBroker:
    """Stands in for Celery: keeps the step messages the outbox sends after commit, and
    delivers them when the test says so (honouring nothing but order)."""

    def __init__(self, capture) -> None:
        self.messages: list[tuple[int, str]] = []
        self.down = False
        self._capture = capture

    def send(self, step_run_id: int, token: str, priority: int = 6) -> None:
        if self.down:
            raise ConnectionRefusedError("The broker is down (FakeBroker).")
        self.messages.append((step_run_id, token))

    def waiting(self) -> int | None:
        return None if self.down else len(self.messages)

    def deliver(self) -> list[str]:
        """Run the waiting messages as a worker would; messages they send wait for
        the next call."""
        from orchestrations.engine import step_execute

        waiting, self.messages = self.messages, []
        results = []
        for step_run_id, token in waiting:
            with self._capture(execute=True):
                results.append(step_execute(step_run_id, token))
        return results

    def send_due(self) -> int:
        """Time passes: whatever the outbox holds for later (retries, timers) falls due
        and is sent, as the sweeper would."""
        from django.utils import timezone

        from orchestrations import outbox
        from orchestrations.models import OutboxMessage

        OutboxMessage.objects.unsent().update(available_at=timezone.now())
        with self._capture(execute=True):
            return outbox.relay_due()

    def lose(self) -> None:
        """The broker forgets every message it holds."""
        self.messages = []


@pytest.fixture
def broker(monkeypatch, django_capture_on_commit_callbacks) -> FakeBroker:
    from orchestrations.engine import dispatch

    fake = FakeBroker(django_capture_on_commit_callbacks)
    monkeypatch.setattr(dispatch, "send_step_message", fake.send)
    monkeypatch.setattr(dispatch, "actions_waiting", fake.waiting)
    return fake
