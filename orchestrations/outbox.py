"""The transactional outbox: everything that leaves the process goes through here.

enqueue() ─ a row, in the caller's transaction, claimed by this process
   │ commit
   ▼
relay_committed() ─ right after the commit: publish it (or hand an email to a
   │                worker), mark it sent; on failure release it, with a backoff
   ▼ broker down, crash between commit and send, claim lapsed
relay_due() ─ the sweeper, every few seconds: claim what is due and unsent, send it

A row is sent by whoever holds its claim (compare-and-set on `claim`, for a bounded
time), so it is sent once. The caller never sees a sending error: its work is
committed, and the row waits for the next try.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxMessage, StepRun

logger = logging.getLogger(__name__)

# How long a claim lasts: the time to commit and send, with room to spare. A sender
# that outlives it (a hung SMTP server) may see its row sent again by the sweeper,
# so senders time out well before (EMAIL_TIMEOUT).
CLAIM = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 300
SWEEP_BATCH = 500


@dataclass(frozen=True)
class Sender:
    send: Callable[[OutboxMessage], None]
    # "inline": sent by the committing process right after the commit (a broker
    # publish, fast); "worker": handed to the `deliver_outbox` task (SMTP, slow).
    after_commit: Literal["inline", "worker"]


_SENDERS: dict[str, Sender] = {}


def sender(
    kind: str, *, after_commit: Literal["inline", "worker"]
) -> Callable[[Callable[[OutboxMessage], None]], Callable[[OutboxMessage], None]]:
    """Register the function that sends messages of `kind`; it raises when it can't."""

    def register(func: Callable[[OutboxMessage], None]) -> Callable[[OutboxMessage], None]:
        _SENDERS[kind] = Sender(func, after_commit)
        return func

    return register


def enqueue(
    kind: str,
    payload: dict[str, Any],
    *,
    run_id: int | None = None,
    step_run: StepRun | None = None,
    available_at: datetime | None = None,
) -> OutboxMessage:
    """Write a message in the current transaction; it is sent after the commit (or
    from `available_at`, by the sweeper). Inside `collecting()` the row is written
    at the end of that block, with the others, in one statement. A message about a
    `step_run` carries its id in the payload (`"step_run"`), put there as the row is
    written: a step run new in the block is inserted by then."""
    now = timezone.now()
    message = OutboxMessage(
        kind=kind,
        payload=payload,
        run_id=run_id,
        step_run=step_run,
        created_at=now,
        available_at=available_at or now,
    )
    buffers: list[list[OutboxMessage]] = _state.__dict__.get("buffers", [])
    if buffers:
        buffers[-1].append(message)
    else:
        _write([message])
    return message


@contextmanager
def collecting() -> Iterator[None]:
    """Write the messages enqueued inside the block with one INSERT as it ends (still
    inside the caller's transaction); an exception discards them with the rest."""
    buffers: list[list[OutboxMessage]] = _state.__dict__.setdefault("buffers", [])
    buffer: list[OutboxMessage] = []
    buffers.append(buffer)
    try:
        yield
    finally:
        buffers.pop()
    if buffer:
        _write(buffer)


def _write(messages: list[OutboxMessage]) -> None:
    """Insert the rows, those due now claimed by this process, which sends them right
    after the commit (if the transaction rolls back, Django drops the callback too)."""
    now = timezone.now()
    for message in messages:
        if message.step_run is not None:
            message.payload = {"step_run": message.step_run.pk, **message.payload}
    claim = uuid.uuid4()
    due = [m for m in messages if m.available_at <= now]
    for message in due:
        message.claim, message.claimed_until = claim, now + CLAIM
    if len(messages) == 1:
        messages[0].save(force_insert=True)
    else:
        OutboxMessage.objects.bulk_create(messages)
    if due:
        transaction.on_commit(lambda: relay_committed(due, claim))


def relay_committed(messages: list[OutboxMessage], claim: uuid.UUID) -> None:
    """Send what one transaction wrote, right after its commit (never raises)."""
    try:
        if time.monotonic() < _broker_down_until:  # don't make every request wait for it
            _release(messages, error=None)
            return
        inline = [m for m in messages if _SENDERS[m.kind].after_commit == "inline"]
        _send_all(inline, claim)
        handed = [m for m in messages if _SENDERS[m.kind].after_commit == "worker"]
        if handed:
            _hand_to_worker(handed, claim)
    except Exception:  # the caller's work is committed: never tell it otherwise
        logger.exception(
            "Relaying %d outbox message(s) failed; the sweeper sends them.", len(messages)
        )


def deliver_claimed(ids: Iterable[int], claim: str) -> int:
    """Send rows handed to a worker by `relay_committed`, if their claim is still ours."""
    mine, ids = uuid.UUID(claim), list(ids)
    now = timezone.now()
    ours = OutboxMessage.objects.filter(pk__in=ids, claim=mine, sent_at__isnull=True).order_by()
    # A claim with half its time left outlasts a send (senders time out well before),
    # as one just made by a commit does. An older one (the worker was slow to take the
    # task) is renewed first, if a sweeper did not take it meanwhile.
    messages = list(ours.filter(claimed_until__gt=now + CLAIM / 2))
    if len(messages) < len(ids):
        ours.update(claimed_until=now + CLAIM)
        messages = list(ours)
    return _send_all(messages, mine)


def relay_due(limit: int = SWEEP_BATCH) -> int:
    """Claim and send what is due and unsent: left by a broker outage, a crash between
    commit and send, or scheduled for later. The sweeper calls this."""
    now = timezone.now()
    unclaimed = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    due = OutboxMessage.objects.due(now).filter(unclaimed)
    ids = list(due.order_by("available_at", "pk").values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    claim = uuid.uuid4()
    # The conditions are checked again row by row as the update locks them, so two
    # sweepers (or a sweeper and a late relay) never both claim a row.
    due.filter(pk__in=ids).update(claim=claim, claimed_until=now + CLAIM)
    messages = list(OutboxMessage.objects.filter(claim=claim, sent_at__isnull=True))
    return _send_all(messages, claim)


def forget_old(keep: timedelta, limit: int = 5 * SWEEP_BATCH) -> int:
    """Delete rows sent (or discarded) longer than `keep` ago, a batch at a time; the
    sweeper calls this, so the table holds what is pending and a few days of history."""
    before = timezone.now() - keep
    old = OutboxMessage.objects.filter(Q(sent_at__lt=before) | Q(discarded_at__lt=before))
    ids = list(old.values_list("pk", flat=True)[:limit])
    return OutboxMessage.objects.filter(pk__in=ids).delete()[0] if ids else 0


def _send_all(messages: list[OutboxMessage], claim: uuid.UUID) -> int:
    sent: list[int] = []
    failed_kinds: set[str] = set()
    for message in messages:
        if message.kind in failed_kinds:  # the broker (or SMTP server) is down: stop asking
            _release([message], error=None)
            continue
        try:
            _SENDERS[message.kind].send(message)
        except Exception as error:
            logger.warning("Sending outbox message %s failed: %s", message.pk, error)
            failed_kinds.add(message.kind)
            if _SENDERS[message.kind].after_commit == "inline":  # a broker publish
                _note_broker_down()
            _release([message], error=error)
            continue
        sent.append(message.pk)
    if sent:
        OutboxMessage.objects.filter(pk__in=sent, claim=claim).update(
            sent_at=timezone.now(), claim=None, claimed_until=None
        )
    return len(sent)


def _hand_to_worker(messages: list[OutboxMessage], claim: uuid.UUID) -> None:
    from .tasks import deliver_outbox

    try:
        deliver_outbox.apply_async(([m.pk for m in messages], str(claim)), retry=False)
    except Exception as error:
        logger.warning("Handing %d outbox message(s) to a worker failed: %s", len(messages), error)
        _note_broker_down()
        _release(messages, error=None)


# After a send fails, requests stop trying for a few seconds (each try may wait for
# the broker's connection timeout); the sweeper keeps trying meanwhile.
BROKER_DOWN_PAUSE = 5.0
_broker_down_until = 0.0


def _note_broker_down() -> None:
    global _broker_down_until
    _broker_down_until = time.monotonic() + BROKER_DOWN_PAUSE


def forget_broker_down() -> None:
    """Try the broker again at once (tests; a process that knows it is back)."""
    global _broker_down_until
    _broker_down_until = 0.0


def _release(messages: list[OutboxMessage], *, error: Exception | None) -> None:
    """Give rows back for the sweeper; a send that failed counts, with a backoff."""
    if error is None:
        OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
            claim=None, claimed_until=None
        )
        return
    for message in messages:
        delay = min(2**message.attempts, MAX_BACKOFF_SECONDS)
        OutboxMessage.objects.filter(pk=message.pk).update(
            claim=None,
            claimed_until=None,
            attempts=F("attempts") + 1,
            last_error=(str(error) or error.__class__.__name__)[:2000],
            available_at=timezone.now() + timedelta(seconds=delay),
        )


# Messages enqueued inside `collecting()` blocks, per thread as connections are.
_state = threading.local()
