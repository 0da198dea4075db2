"""Lock → transaction → re-read: the one way any change to a run begins."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction

from .. import outbox
from ..models import Orchestration, Run, StepRun, Version
from .unit import UnitOfWork, unit_of_work


@contextmanager
def locked_unit(run_id: int) -> Iterator[UnitOfWork]:
    """Open a transaction holding the run's row lock, and yield a unit of work over the
    run read afresh. Raises `Run.DoesNotExist`.

    Everything that changes a run happens inside this block, so two parallel steps
    finishing at the same instant are applied one after the other: the second sees
    the first's result, and a stage advances (or a decision fires) exactly once.
    On SQLite, IMMEDIATE transactions give the same serialisation database-wide.
    What the block changed is written as it ends (see `unit`), then what it sends
    (emails, attempts) to the outbox.
    """
    with _locked("run", run_id) as unit:
        if unit is None:
            raise Run.DoesNotExist(f"Run {run_id} does not exist.")
        yield unit


@contextmanager
def locked_step_unit(step_run_id: int) -> Iterator[UnitOfWork | None]:
    """`locked_unit` for the run of step run `step_run_id` (found by the statement that
    locks it); None when there is no such step run."""
    with _locked("step_run", step_run_id) as unit:
        yield unit


@contextmanager
def locked_run(run_id: int) -> Iterator[Run]:
    """`locked_unit` for a block that needs only the run."""
    with locked_unit(run_id) as unit:
        yield unit.run


@contextmanager
def _locked(by: str, pk: int) -> Iterator[UnitOfWork | None]:
    with transaction.atomic(), outbox.collecting():
        run = _lock(by, pk)
        if run is None:
            yield None
            return
        with unit_of_work(run) as unit:
            yield unit


# The locking statement, written by hand: every engine transaction begins with it, and
# the ORM spends about 1 ms of CPU building it (four joins) and reading its row, five
# times what this takes. Its columns come from the models, so it follows them.

# (model, table alias, attribute on the run, the run's field it is joined on, may be missing)
JOINED = (
    (Orchestration, "o", "orchestration", "orchestration", False),
    (Version, "v", "version", "version", False),
    (get_user_model(), "u", "started_by", "started_by", True),
)


def _lock(by: str, pk: int) -> Run | None:
    """The run `pk` (or the run of step run `pk`), its row locked, with its
    orchestration, version, starter and record type; None if there is none."""
    with connection.cursor() as cursor:
        cursor.execute(_lock_sql(connection.vendor, by), [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    values = iter(row)
    run = _read(Run, values)
    for model, _, attribute, _, _ in JOINED:
        setattr(run, attribute, _read(model, values))
    if run.record_type_id is not None:  # content types are cached by Django
        run.record_type = ContentType.objects.get_for_id(run.record_type_id)
    return run


@cache
def _lock_sql(vendor: str, by: str) -> str:
    models_read = [(Run, "r"), *((model, alias) for model, alias, *_ in JOINED)]
    columns = ", ".join(
        f"{alias}.{_quoted(field)}"
        for model, alias in models_read
        for field in model._meta.concrete_fields
    )
    joins = " ".join(
        f"{'LEFT JOIN' if nullable else 'JOIN'} {_table(model)} {alias} "
        f"ON {alias}.{_quoted(model._meta.pk)} = r.{_quoted(Run._meta.get_field(fk))}"
        for model, alias, _, fk, nullable in JOINED
    )
    wanted = "%s"
    if by == "step_run":
        run_id, pk = _quoted(StepRun._meta.get_field("run")), _quoted(StepRun._meta.pk)
        wanted = f"(SELECT {run_id} FROM {_table(StepRun)} WHERE {pk} = %s)"
    lock = " FOR UPDATE OF r" if connection.features.has_select_for_update_of else ""
    return (
        f"SELECT {columns} FROM {_table(Run)} r {joins} "
        f"WHERE r.{_quoted(Run._meta.pk)} = {wanted}{lock}"
    )


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _quoted(field: Any) -> str:
    return connection.ops.quote_name(str(field.column))


def _read(model: type[models.Model], values: Iterator[Any]) -> Any:
    """The next columns of a row as an instance of `model` (None for a missing LEFT
    JOIN), each value converted as the ORM converts it."""
    columns = _columns(model, connection.vendor)
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
def _columns(model: type[models.Model], vendor: str) -> list[tuple[str, Any, list[Callable]]]:
    """(attname, column expression, converters) of each of the model's columns."""
    columns = []
    for field in model._meta.concrete_fields:
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        columns.append((field.attname, column, converters))
    return columns
