"""Leases on background attempts: who runs a step's body now, and proof they are alive.

claim ─ under the run's lock: token matches, no lease held, run in progress
  │     → lease_until = now + lease, claimed_at, worker
  ▼
body ─ runs in this thread, watched by a heartbeat thread that every lease/3
  │    renews the lease (compare-and-set on the token). It stops the body when
  │      · the renewal finds the token gone (taken over, canceled, discontinued),
  │      · it could not renew for most of a lease (the database is unreachable
  │        from here, so a sweeper elsewhere will soon see the lease lapse),
  │      · the action's time limit has passed,
  │    so a takeover never runs beside a body that is still going.
  ▼
result recorded under the run's lock, only if the token still holds the step
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from ..events import record_event
from ..models import Run, StepRun
from ..status import RunStatus, StepRunStatus
from .context import RunContext
from .dispatch import attempt_step_run, park
from .locking import locked_step_unit

# Celery's own limits, after the engine's time limit: its soft limit (a signal) interrupts
# a body blocked in a system call, its hard limit ends a prefork worker process that
# ignores everything. The heartbeat renews the lease until the hard limit; after it, the
# lease lapses and the sweeper fails the attempt as timed out (on any pool).
SOFT_LIMIT_GRACE = 5
HARD_LIMIT_GRACE = 30


class AttemptStopped(BaseException):
    """Raised inside an action's body to stop it. A BaseException, like
    KeyboardInterrupt, so that an action's own `except Exception` does not swallow it."""


class ActionTimedOut(AttemptStopped):
    pass


class LeaseLost(AttemptStopped):
    pass


def lease_length() -> timedelta:
    return timedelta(seconds=settings.HANDOFF_LEASE_SECONDS)


def time_limit() -> timedelta:
    return timedelta(seconds=settings.HANDOFF_ACTION_TIMEOUT_SECONDS)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


@dataclass(frozen=True)
class Claim:
    run: Run
    step_run: StepRun
    context: RunContext  # what the action's inputs read, as of the claim


def attempt_claim(step_run_id: int, token: str) -> Claim | str:
    """Take the attempt `token` of a step: a `Claim`, or why not ("stale": another
    message holds it or it no longer runs; "suspended": parked until the run resumes).

    Under the run's lock, so the sweeper's takeover and a late first delivery are
    applied one after the other and only one of them can claim. The step's row needs
    no lock of its own: heartbeats, which renew without the run's lock, touch only a
    step whose lease is held, and a claim takes only one whose lease is not.
    """
    with locked_step_unit(step_run_id) as unit:
        step_run = attempt_step_run(unit, step_run_id, token) if unit is not None else None
        if (
            unit is None
            or step_run is None
            or step_run.held_result is not None
            or step_run.lease_until is not None
        ):
            return "stale"
        run = unit.run
        if run.status == RunStatus.SUSPENDED:
            park_attempt(run, step_run)
            return "suspended"
        if run.status != RunStatus.IN_PROGRESS:
            return "stale"
        now = timezone.now()
        step_run.claimed_at = step_run.heartbeat_at = now
        step_run.lease_until = now + lease_length()
        step_run.worker = worker_name()
        context = unit.context()
    return Claim(run, step_run, context)


def park_attempt(run: Run, step_run: StepRun) -> None:
    """An attempt arrived while its run is suspended: it does not start, and is sent
    again when the run resumes (`background.redispatch_parked`)."""
    park(step_run)
    record_event(
        run,
        "step.park",
        step_run=step_run,
        message="Not started: the run is suspended. It starts when the run resumes.",
    )


def renew_lease(step_run_id: int, token: str) -> bool:
    """Extend the lease of attempt `token`; False when it no longer holds the step."""
    now = timezone.now()
    return bool(
        StepRun.objects.filter(
            pk=step_run_id,
            dispatch_token=token,
            status=StepRunStatus.IN_PROGRESS,
            lease_until__isnull=False,
        ).update(lease_until=now + lease_length(), heartbeat_at=now)
    )


class Watchdog:
    """The heartbeat thread of one attempt, and the body it may stop.

    with Watchdog(step_run_id, token) as watchdog:
        with watchdog.stoppable():
            run the body
        record the result (the lease is still renewed meanwhile)
    """

    def __init__(self, step_run_id: int, token: str):
        self.step_run_id = step_run_id
        self.token = token
        self.lease = settings.HANDOFF_LEASE_SECONDS
        self.limit = settings.HANDOFF_ACTION_TIMEOUT_SECONDS
        self.stopped_by: type[AttemptStopped] | None = None
        self._beat = max(self.lease / 3, 0.05)
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._body_thread: int | None = None
        self._thread = threading.Thread(
            target=self._watch, name=f"lease-{step_run_id}", daemon=True
        )
        self._started = time.monotonic()

    def __enter__(self) -> Watchdog:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join(timeout=self.lease * 2)

    @contextmanager
    def stoppable(self) -> Iterator[None]:
        """While inside, the watchdog may stop this thread with an `AttemptStopped`."""
        with self._lock:
            self._body_thread = threading.get_ident()
        try:
            yield
        finally:
            with self._lock:
                if self.stopped_by is not None:  # fired as the body returned: drop it
                    _raise_in(threading.get_ident(), None)
                self._body_thread = None

    def _watch(self) -> None:
        # Signals for the process (Celery's soft time limit, SIGTERM) must reach the body's
        # thread: delivered here, they would not interrupt a system call the body waits in.
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        renewed_at = self._started
        try:
            while not self._done.wait(self._beat):
                now = time.monotonic()
                if now - self._started > self.limit:
                    self._stop(ActionTimedOut)
                    if now - self._started > self.limit + HARD_LIMIT_GRACE:
                        return  # the body ignores every stop: let the lease lapse
                try:
                    held = renew_lease(self.step_run_id, self.token)
                except DatabaseError as error:
                    logging.getLogger(__name__).warning("Renewing a lease failed: %s", error)
                    connection.close()
                    held = None
                if held:
                    renewed_at = now
                elif held is False or now - renewed_at > self.lease * 0.8:
                    self._stop(LeaseLost)
                    return
        finally:
            connection.close()  # this thread's own connection

    def _stop(self, reason: type[AttemptStopped]) -> None:
        with self._lock:
            if self._body_thread is not None and self.stopped_by is None:
                self.stopped_by = reason
                _raise_in(self._body_thread, reason)


def _raise_in(thread_id: int, exception: type[BaseException] | None) -> None:
    """Raise `exception` in another thread at its next Python instruction (None: take
    back one not raised yet). A body blocked in a system call notices on return;
    Celery's soft time limit (a signal) interrupts those, its hard limit ends them."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception) if exception else None
    )
