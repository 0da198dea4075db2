"""What a piece of Handoff code sends to the database, counted on the wire (for bench/).

    counter = StatementCounter()
    with counting(counter):
        before = counter.snapshot()
        work_item_complete(item, by=ann, data={...})
        counter.since(before)  # {(phase, is transaction control): statements}

A `connection.execute_wrapper` sees what goes through Django's cursors (SAVEPOINT and
RELEASE included, and SQLite's BEGIN), but not the BEGIN psycopg sends by itself before a
transaction's first statement, nor the COMMIT of `connection.commit()`: those are counted
from the driver's transaction status. (CaptureQueriesContext, and so
`django_assert_num_queries`, logs a BEGIN and a COMMIT for every transaction Django opens,
sent or not.) Statements are counted by phase: the caller's own ("request"), after its
commit ("after commit": the outbox relay and email delivery), or in a background attempt
it set off ("background"), which Celery runs in this process when it runs eagerly.
"""

from __future__ import annotations

import os
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

import orchestrations.engine as engine_api
from orchestrations import outbox

ROOT = Path(__file__).resolve().parents[1]
TX_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
PHASES = ("request", "after commit", "background")

Counts = dict[tuple[str, bool], int]  # (phase, is transaction control) → statements


@dataclass(frozen=True)
class Statement:
    phase: str
    sql: str
    params: Any
    site: str  # where in the project's code it was sent


class StatementCounter:
    """Every statement this thread's connection sends, by phase (see the module). With
    `capturing` on, each one is also kept in `log` with its call site."""

    def __init__(self) -> None:
        self.counts: Counts = defaultdict(int)
        self.phases = ["request"]
        self.capturing = False
        self.log: list[Statement] = []

    def snapshot(self) -> Counts:
        return dict(self.counts)

    def since(self, before: Counts) -> Counts:
        return {key: n - before.get(key, 0) for key, n in self.counts.items()}

    def note(self, sql: str, params: Any = None) -> None:
        phase = self.phases[-1]
        self.counts[(phase, sql.lstrip().upper().startswith(TX_CONTROL))] += 1
        if self.capturing:
            self.log.append(Statement(phase, sql, params, call_site()))

    def execute(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        if _begins_implicitly(context["connection"]):
            self.note("BEGIN")
        self.note(sql, params)
        return execute(sql, params, many, context)

    def in_phase(self, phase: str, func: Callable) -> Callable:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.phases.append(phase)
            try:
                return func(*args, **kwargs)
            finally:
                self.phases.pop()

        return wrapper

    def ending(self, sql: str, db: BaseDatabaseWrapper, func: Callable) -> Callable:
        def wrapper() -> Any:
            if _in_transaction(db):  # for an empty transaction the driver sends nothing
                self.note(sql)
            return func()

        return wrapper


def totals(counts: Counts) -> dict[str, int]:
    """All statements, those that are not transaction control, and each phase's."""
    return {
        "statements": sum(counts.values()),
        "without_tx_control": sum(n for (_, tx), n in counts.items() if not tx),
        **{f"in_{p.replace(' ', '_')}": sum(n for (ph, _), n in counts.items() if ph == p)
           for p in PHASES},
    }  # fmt: skip


def _begins_implicitly(db: BaseDatabaseWrapper) -> bool:
    """psycopg is about to send BEGIN before this statement."""
    if db.vendor != "postgresql" or db.get_autocommit():
        return False
    return not _in_transaction(db)


def _in_transaction(db: BaseDatabaseWrapper) -> bool:
    raw: Any = db.connection
    if raw is None:
        return False
    if db.vendor == "postgresql":
        from psycopg.pq import TransactionStatus

        return bool(raw.info.transaction_status != TransactionStatus.IDLE)
    return bool(getattr(raw, "in_transaction", False))


@contextmanager
def counting(counter: StatementCounter) -> Iterator[StatementCounter]:
    """Count this thread's statements into `counter` while inside."""
    db: Any = connections["default"]
    phases: list[tuple[Any, str, str]] = [
        (engine_api, "step_execute", "background"),  # tasks.execute_step calls it by this name
        (outbox, "relay_committed", "after commit"),
        (outbox, "deliver_claimed", "after commit"),  # tasks.deliver_outbox: the emails
    ]
    originals = [(target, name, getattr(target, name)) for target, name, _ in phases]
    for target, name, phase in phases:
        setattr(target, name, counter.in_phase(phase, getattr(target, name)))
    db._commit = counter.ending("COMMIT", db, db._commit)
    db._rollback = counter.ending("ROLLBACK", db, db._rollback)
    try:
        with db.execute_wrapper(counter.execute):
            yield counter
    finally:
        del db._commit, db._rollback  # the class's methods again
        for target, name, original in originals:
            setattr(target, name, original)


def call_site() -> str:
    """The innermost three frames of the project's code (not bench/) on the stack."""
    frames: list[str] = []
    frame = sys._getframe(2)
    while frame is not None and len(frames) < 3:
        path = frame.f_code.co_filename
        if path.startswith(str(ROOT)) and "/bench/" not in path and "/.venv/" not in path:
            where = path.removeprefix(f"{ROOT}/").removeprefix("orchestrations/")
            frames.append(f"{where}:{frame.f_lineno} {frame.f_code.co_name}")
        frame = frame.f_back  # type: ignore[assignment]
    return " ← ".join(frames)


def summarize(sql: str, params: Any) -> str:
    """A statement on one line for reading: values in place, long column lists counted,
    the columns an UPDATE sets by name."""
    sql = " ".join(sql.split())
    if unnest := re.match(r"INSERT INTO (\S+) \((.*?)\) SELECT \* FROM UNNEST", sql):
        columns, rows = unnest[2].count(", ") + 1, len(params[0])  # PostgreSQL's bulk_create
        return f"INSERT INTO {unnest[1]} <{columns} columns> SELECT * FROM UNNEST(<{rows} rows>)"
    values = iter(params or ())
    sql = re.sub(r"%s|\?", lambda _: _short(next(values, "?")), sql)
    if (select := re.match(r"SELECT (.*?) FROM (.*)", sql)) and len(select[1]) > 80:
        columns = select[1].count('", "') + 1
        return f"SELECT <{columns} columns> FROM {select[2]}"
    if insert := re.match(r"INSERT INTO (\S+) \((.*?)\) VALUES (.*?)( RETURNING .*)?$", sql):
        columns, rows = insert[2].count(", ") + 1, insert[3].count("), (") + 1
        return (
            f"INSERT INTO {insert[1]} <{columns} columns> VALUES <{rows} row(s)>{insert[4] or ''}"
        )
    if update := re.match(r"UPDATE (\S+) SET (.*?) WHERE (.*)", sql):
        columns = re.findall(r'"(\w+)" = ', update[2])
        return f"UPDATE {update[1]} SET {', '.join(columns)} ({len(columns)}) WHERE {update[3]}"
    return sql


def _short(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(int(value))  # psycopg's Int4(1) is 1
    text = repr(str(value) if isinstance(value, str) else value)  # TextChoices as text
    return text if len(text) <= 40 else text[:37] + "…"


def backend_cpu() -> tuple[int, float] | None:
    """The pid of this connection's PostgreSQL backend and the user + system CPU seconds
    it has used; None on another database, or when the server is not on this machine."""
    db = connections["default"]
    if db.vendor != "postgresql":
        return None
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()  # world-readable, whoever owns it
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
