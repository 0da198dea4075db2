"""One engine transaction's view of a run: what it read, what it changed, what it adds.

`locking.locked_unit` locks the run and opens a unit; from then on the engine asks the
unit for the run's rows instead of the database, and changes them in memory:

- reads, each at most once: the run's step runs with their stage runs (one query, the
  first time something needs them), the work item acted on together with the run's
  open items (one query) — both written as SQL by hand, as the lock is (`reads`) — and
  teams and people (`Directory`);
- one object per row (an identity map), so the step run a work item completes is the
  one the planner looks at next;
- new rows (`add`): stage runs, step runs and work items are transitioned in memory like
  the others, through their FSM methods and with their events, and inserted once, in
  their final state;
- the run's events: the post_transition receiver and `record_event` append them to
  `events` (`events.collecting_events`) instead of writing each.

When the block ends, still inside the transaction and under the lock, `flush` writes it
all: one INSERT per table for the new rows, one UPDATE per changed row with only the
fields that changed (so a draft saved, or a lease renewed by a heartbeat, is never
written back over), then what needed the new rows' ids (emails link to the new work
items), then the events as one INSERT. The outbox's one INSERT follows as the block of
`outbox.collecting` ends.

While a unit is open, nothing reads its run's rows from the database (they may be out
of date there): whatever needs them asks the unit.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import models

from ..events import collecting_events
from ..models import Run, RunEvent, StageRun, StepRun, WorkItem
from ..status import OPEN_WORK_ITEM_STATUSES, StageRunStatus
from . import reads
from .assignees import Directory
from .context import RunContext, run_context
from .definition import version_definition

Row = TypeVar("Row", bound=models.Model)

# New rows are inserted in this order: each refers to the one before.
ROW_MODELS: tuple[type[models.Model], ...] = (StageRun, StepRun, WorkItem)
CURRENT_STAGE = (StageRunStatus.IN_PROGRESS, StageRunStatus.SUSPENDED, StageRunStatus.ERROR)


class UnitOfWork:
    """The locked `run`'s rows as one transaction reads and changes them (see the module)."""

    def __init__(self, run: Run, *, new: bool = False):
        self.run = run
        self.definition = version_definition(run.version)
        self.people = Directory()
        self.events: list[RunEvent] = []
        models_kept: tuple[type[models.Model], ...] = (Run, *ROW_MODELS)
        self._rows: dict[type[models.Model], dict[int, models.Model]] = {
            model: {} for model in models_kept
        }
        self._saved: dict[int, dict[str, Any]] = {}  # id(row) → its fields as read
        self._added: dict[type[models.Model], list[Any]] = {model: [] for model in ROW_MODELS}
        self._after_rows: list[Callable[[], None]] = []
        self._in_queue: dict[tuple[int, int], bool] = {}
        # A run just inserted has nothing else yet: nothing to read.
        self._step_runs_read = self._open_items_read = new
        self.track(run)

    # Reading ---------------------------------------------------------------------------

    def track(self, row: Row) -> Row:
        """The unit's object for `row`'s database row: `row` itself the first time (it
        is then written back when changed), the object seen before otherwise."""
        rows = self._rows[type(row)]
        known = rows.get(row.pk)
        if known is not None:
            return known  # type: ignore[return-value]
        rows[row.pk] = row
        self._saved[id(row)] = _fields(row)
        if not isinstance(row, Run):
            row.run = self.run  # type: ignore[attr-defined]
        return row

    def step_runs(self) -> list[StepRun]:
        """Every step run of the run, oldest first, each with its stage run (one query
        the first time, for both: a stage has at least one step)."""
        if not self._step_runs_read:
            self._step_runs_read = True
            for row in reads.step_runs_of_run(self.run.pk):
                stage_run = self.track(row.stage_run)
                self.track(row).stage_run = stage_run
        return self._all(StepRun)

    def stage_runs(self) -> list[StageRun]:
        self.step_runs()
        return self._all(StageRun)

    def step_run(self, pk: int) -> StepRun | None:
        self.step_runs()
        return self._rows[StepRun].get(pk)  # type: ignore[return-value]

    def current_stage_run(self) -> StageRun | None:
        """The stage run in progress (or suspended, or stopped on an error), if any."""
        current = [s for s in self.stage_runs() if s.status in CURRENT_STAGE]
        return current[-1] if current else None

    def step_runs_of(
        self, stage_run: StageRun, statuses: tuple[str, ...] | list[str] | None = None
    ) -> list[StepRun]:
        """The stage run's step runs in the stage's order (optionally in `statuses`)."""
        stage = self.definition.stage_by_id[stage_run.stage_id]
        position = {step.id: number for number, step in enumerate(stage.steps)}
        found = [
            s
            for s in self.step_runs()
            if s.stage_run is stage_run and (statuses is None or s.status in statuses)
        ]
        return sorted(found, key=lambda s: position.get(s.step_id, len(position)))

    def visits(self, stage_id: int) -> int:
        """How often the run has entered the stage."""
        return sum(1 for s in self.stage_runs() if s.stage_id == stage_id)

    def work_item(self, pk: int, *, with_open: bool = False, queue_of: Any = None) -> WorkItem:
        """The item re-read under the lock, with its step run (the people it names are
        read if a refusal names them); `with_open`: the run's open items too, in the
        same query (and its step runs, before it, which a change to the item's step
        needs); `queue_of`: with whether that user is in the item's team (`in_queue`),
        in the same query too. Raises `WorkItem.DoesNotExist`."""
        if with_open:
            self.step_runs()  # first: the item's step run comes with its stage run then
        open_of_run = None
        if with_open and not self._open_items_read:
            self._open_items_read = True
            open_of_run = self.run.pk
        queue_pk = queue_of.pk if queue_of is not None else None
        found = None
        for row, in_queue in reads.work_items(pk, open_of_run=open_of_run, queue_of=queue_pk):
            item = self.track(row)
            item.step_run = self.track(row.step_run)
            if row.pk == pk:
                found = item
                if queue_of is not None:
                    self._in_queue[(item.pk, queue_of.pk)] = in_queue
        if found is None:
            raise WorkItem.DoesNotExist(f"Work item {pk} does not exist.")
        return found

    def in_queue(self, item: WorkItem, user: Any) -> bool | None:
        """Whether `user` is in `item`'s team, if `work_item(queue_of=user)` read it."""
        return self._in_queue.get((item.pk, user.pk))

    def open_work_items(self, step_run: StepRun) -> list[WorkItem]:
        """The step's open work items (a background step has none)."""
        if not self.definition.step_by_id[step_run.step_id].is_interactive:
            return []
        if not self._open_items_read:
            self._open_items_read = True
            self.step_runs()  # each item gets its step run without a query
            for row in WorkItem.objects.filter(run=self.run, status__in=OPEN_WORK_ITEM_STATUSES):
                item = self.track(row)
                item.step_run = self._rows[StepRun][row.step_run_id]  # type: ignore[assignment]
        return [i for i in self._all(WorkItem) if i.step_run is step_run and i.is_open]

    def context(self, **options: Any) -> RunContext:
        """What the run's conditions, assignees and emails read now (no query but the
        record's, once per run)."""
        return run_context(self.run, self.definition, step_runs=self.step_runs(), **options)

    # Writing ---------------------------------------------------------------------------

    def add(self, row: Row) -> Row:
        """A new stage run, step run or work item, inserted as the unit ends."""
        self._added[type(row)].append(row)
        return row

    def after_rows(self, func: Callable[[], None]) -> None:
        """Call `func` once the rows are written (still in the transaction): for what
        needs their ids, or reads them (an email links to its new work item). It must
        not change rows: they are written already."""
        self._after_rows.append(func)

    def flush(self) -> None:
        """Write what the unit added and changed, then its events (see the module)."""
        for model in ROW_MODELS:
            added, self._added[model] = self._added[model], []
            if added:
                model._default_manager.bulk_create(added)
                for row in added:
                    self.track(row)
        for rows in self._rows.values():
            for row in rows.values():
                if changed := _changed(row, self._saved[id(row)]):
                    row.save(update_fields=changed)
                    self._saved[id(row)] = _fields(row)
        while self._after_rows:
            self._after_rows.pop(0)()
        events, self.events[:] = list(self.events), []
        if events:
            RunEvent.objects.bulk_create(events)

    def _all(self, model: type[Row]) -> list[Row]:
        known = sorted(self._rows[model].values(), key=lambda row: row.pk)
        return [*known, *self._added[model]]


@contextmanager
def unit_of_work(run: Run, *, new: bool = False) -> Iterator[UnitOfWork]:
    """A unit for `run`, whose lock the caller holds inside a transaction; it is written
    as the block ends (an exception discards it with the transaction)."""
    unit = UnitOfWork(run, new=new)
    with collecting_events(run.pk, unit.events):
        yield unit
        unit.flush()


# Which fields changed ------------------------------------------------------------------

_COLUMNS: dict[type[models.Model], tuple[list[tuple[str, bool]], list[str]]] = {}


def _columns(model: type[models.Model]) -> tuple[list[tuple[str, bool]], list[str]]:
    """(attname, is JSON) of the model's fields that a save writes, and those it sets
    itself on every save (`auto_now`)."""
    if model not in _COLUMNS:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        _COLUMNS[model] = (
            [(f.attname, isinstance(f, models.JSONField)) for f in fields],
            [f.attname for f in fields if getattr(f, "auto_now", False)],
        )
    return _COLUMNS[model]


def _fields(row: models.Model) -> dict[str, Any]:
    values = row.__dict__
    return {
        name: copy.deepcopy(values[name]) if is_json else values[name]
        for name, is_json in _columns(type(row))[0]
        if name in values
    }


def _changed(row: models.Model, saved: dict[str, Any]) -> list[str]:
    values = row.__dict__
    changed = [name for name, before in saved.items() if values.get(name, before) != before]
    return [*changed, *_columns(type(row))[1]] if changed else []
