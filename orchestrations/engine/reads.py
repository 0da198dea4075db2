"""The three reads that begin every engine transaction, written as SQL by hand.

Locking the run, reading its step runs and re-reading the work item acted on run in
almost every transaction, several times per human task. The ORM spends about 1 ms of CPU
building each of them and reading their rows (they join three or four tables), three to
five times what the same statement costs written once, here. Nothing else is: every other
statement of the engine is the ORM's.

The columns come from the models (a new field is read without a change here), and each
value is converted as the ORM converts it (`Field.from_db_value` and the backend's
converters), so the objects are the ORM's own (`Model.from_db`). Tested on SQLite and
PostgreSQL (tests/orchestrations/test_engine_reads.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models

from ..models import Orchestration, Run, StageRun, StepRun, Version, WorkItem
from ..status import OPEN_WORK_ITEM_STATUSES

User = get_user_model()


def lock_run(*, run_id: int | None = None, step_run_id: int | None = None) -> Run | None:
    """The run `run_id` (or the run of step run `step_run_id`), its row locked on
    PostgreSQL (`FOR UPDATE`; SQLite's IMMEDIATE transactions lock the database), with
    its orchestration, version, starter and record type; None if there is none."""
    by_step = step_run_id is not None
    rows = _rows(_lock_sql(connection.vendor, by_step), [step_run_id if by_step else run_id])
    if not rows:
        return None
    values = iter(rows[0])
    run = _read(Run, values)
    run.orchestration = _read(Orchestration, values)
    run.version = _read(Version, values)
    run.started_by = _read(User, values)
    if run.record_type_id is not None:  # content types are cached by Django
        run.record_type = ContentType.objects.get_for_id(run.record_type_id)
    return run


def step_runs_of_run(run_id: int) -> list[StepRun]:
    """The run's step runs, oldest first, each with its stage run and who completed it."""
    found = []
    for row in _rows(_step_runs_sql(connection.vendor), [run_id]):
        values = iter(row)
        step_run = _read(StepRun, values)
        step_run.stage_run = _read(StageRun, values)
        step_run.completed_by = _read(User, values)
        found.append(step_run)
    return found


def work_items(
    pk: int, *, open_of_run: int | None = None, queue_of: int | None = None
) -> list[tuple[WorkItem, bool]]:
    """Work item `pk` (and, with `open_of_run`, that run's open items), each with its step
    run and whether user `queue_of` is in its team (False without `queue_of`)."""
    params: list[Any] = [queue_of, pk]
    if open_of_run is not None:
        params += [open_of_run, *(str(status) for status in OPEN_WORK_ITEM_STATUSES)]
    found = []
    for row in _rows(_work_items_sql(connection.vendor, open_of_run is not None), params):
        values = iter(row)
        item = _read(WorkItem, values)
        item.step_run = _read(StepRun, values)
        found.append((item, bool(next(values))))
    return found


# The statements (`vendor` keys the cache: quoting and locking differ) --------------------


@cache
def _lock_sql(vendor: str, by_step: bool) -> str:
    wanted = "%s"
    if by_step:
        wanted = (
            f"(SELECT {_col(StepRun, 'run')} FROM {_table(StepRun)} WHERE {_col(StepRun)} = %s)"
        )
    lock = " FOR UPDATE OF r" if connection.features.has_select_for_update_of else ""
    return (
        f"SELECT {_columns([(Run, 'r'), (Orchestration, 'o'), (Version, 'v'), (User, 'u')])} "
        f"FROM {_table(Run)} r "
        f"{_join(Orchestration, 'o', 'r', Run, 'orchestration')} "
        f"{_join(Version, 'v', 'r', Run, 'version')} "
        f"{_join(User, 'u', 'r', Run, 'started_by', nullable=True)} "
        f"WHERE r.{_col(Run)} = {wanted}{lock}"
    )


@cache
def _step_runs_sql(vendor: str) -> str:
    return (
        f"SELECT {_columns([(StepRun, 's'), (StageRun, 'g'), (User, 'u')])} "
        f"FROM {_table(StepRun)} s "
        f"{_join(StageRun, 'g', 's', StepRun, 'stage_run')} "
        f"{_join(User, 'u', 's', StepRun, 'completed_by', nullable=True)} "
        f"WHERE s.{_col(StepRun, 'run')} = %s ORDER BY s.{_col(StepRun)}"
    )


@cache
def _work_items_sql(vendor: str, with_open: bool) -> str:
    team = User.groups.through
    in_team = (
        f"EXISTS (SELECT 1 FROM {_table(team)} m "
        f"WHERE m.{_col(team, 'group')} = w.{_col(WorkItem, 'assignee_group')} "
        f"AND m.{_col(team, 'user')} = %s)"
    )
    wanted = f"w.{_col(WorkItem)} = %s"
    if with_open:
        statuses = ", ".join(["%s"] * len(OPEN_WORK_ITEM_STATUSES))
        wanted += (
            f" OR (w.{_col(WorkItem, 'run')} = %s AND w.{_col(WorkItem, 'status')} IN ({statuses}))"
        )
    return (
        f"SELECT {_columns([(WorkItem, 'w'), (StepRun, 's')])}, {in_team} "
        f"FROM {_table(WorkItem)} w {_join(StepRun, 's', 'w', WorkItem, 'step_run')} "
        f"WHERE {wanted}"
    )


def _columns(selected: Sequence[tuple[type[models.Model], str]]) -> str:
    return ", ".join(
        f"{alias}.{_quote(field.column)}"
        for model, alias in selected
        for field in model._meta.concrete_fields
    )


def _join(
    model: type[models.Model],
    alias: str,
    of: str,
    of_model: type[models.Model],
    key: str,
    *,
    nullable: bool = False,
) -> str:
    """Join as `alias` the `model` row that foreign key `key` of the row `of` names."""
    kind = "LEFT JOIN" if nullable else "JOIN"
    return f"{kind} {_table(model)} {alias} ON {alias}.{_col(model)} = {of}.{_col(of_model, key)}"


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _col(model: type[models.Model], name: str | None = None) -> str:
    """The quoted column of field `name` of `model` (its primary key by default)."""
    field = model._meta.pk if name is None else model._meta.get_field(name)
    return _quote(field.column)  # type: ignore[union-attr]


def _quote(column: str | None) -> str:
    return connection.ops.quote_name(str(column))


# Reading rows ----------------------------------------------------------------------------


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _read(model: type[models.Model], values: Iterator[Any]) -> Any:
    """The next columns of a row as an instance of `model` (None for a row a LEFT JOIN
    did not find), each value converted as the ORM converts it."""
    columns = _converters(model, connection.vendor)
    raw = [next(values) for _ in columns]
    if raw[0] is None:  # the primary key
        return None
    converted = []
    for value, (_, column, converters) in zip(raw, columns, strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [name for name, _, _ in columns], converted)


@cache
def _converters(model: type[models.Model], vendor: str) -> list[tuple[str, Any, list[Callable]]]:
    """(attname, column expression, converters) of each of the model's columns."""
    columns = []
    for field in model._meta.concrete_fields:
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column)
        columns.append((field.attname, column, converters + column.get_db_converters(connection)))
    return columns
