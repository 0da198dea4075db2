"""Lock → transaction → re-read: the one way any change to a run begins."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from .. import outbox
from ..models import Run
from .reads import lock_run
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
        run = lock_run(step_run_id=pk) if by == "step_run" else lock_run(run_id=pk)
        if run is None:
            yield None
            return
        with unit_of_work(run) as unit:
            yield unit
