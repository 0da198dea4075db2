"""The run timeline: one `RunEvent` per state change.

Every FSM transition on a run, stage run, step run or work item is recorded by
`record_transition` (connected to django-fsm's `post_transition`). Things that
are not transitions (a decision taken, a comment, a notification) are recorded
with `record_event`. Inside the engine's unit of work (`collecting_events`) the
events are kept and written together as it ends; elsewhere (a comment, the admin)
each is written at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .models import Run, RunEvent, StageRun, StepRun, WorkItem

ENTITY_NAMES: dict[type, str] = {
    Run: "run",
    StageRun: "stage",
    StepRun: "step",
    WorkItem: "work_item",
}

# The blocks of `collecting_events`, per thread as connections are.
_collecting = threading.local()


def record_event(
    run: Run,
    kind: str,
    *,
    actor: Any = None,
    on_behalf_of: Any = None,
    stage_run: StageRun | None = None,
    step_run: StepRun | None = None,
    work_item: WorkItem | None = None,
    from_status: str = "",
    to_status: str = "",
    message: str = "",
    data: dict | None = None,
) -> RunEvent:
    event = RunEvent(
        run=run,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        on_behalf_of=on_behalf_of,
        stage_run=stage_run,
        step_run=step_run,
        work_item=work_item,
        from_status=from_status,
        to_status=to_status,
        message=message,
        data=data or {},
    )
    for run_id, kept in reversed(_collecting.__dict__.get("stack", [])):
        if run_id == run.pk:
            kept.append(event)
            return event
    event.save()
    return event


@contextmanager
def collecting_events(run_id: int, into: list[RunEvent]) -> Iterator[None]:
    """Inside the block, the events of run `run_id` are appended to `into` (whoever
    opened the block writes them) instead of being written one by one."""
    stack: list[tuple[int, list[RunEvent]]] = _collecting.__dict__.setdefault("stack", [])
    stack.append((run_id, into))
    try:
        yield
    finally:
        stack.pop()


def record_transition(
    sender: type, instance: Any, name: str, source: str, target: str, **kwargs: Any
) -> None:
    entity = ENTITY_NAMES.get(sender)
    if entity is None:
        return
    audit = kwargs.get("method_kwargs") or {}
    links: dict[str, Any] = {}
    if isinstance(instance, Run):
        run = instance
    else:
        run = instance.run
        if isinstance(instance, StageRun):
            links["stage_run"] = instance
        elif isinstance(instance, StepRun):
            links["step_run"] = instance
            links["stage_run"] = instance.stage_run
        else:
            links["work_item"] = instance
            links["step_run"] = instance.step_run
    data = {}
    if isinstance(instance, WorkItem) and name == "reassign":
        data = {"to": str(instance.assignee or ""), **assignment_data(instance)}
    record_event(
        run,
        f"{entity}.{name}",
        actor=audit.get("by"),
        on_behalf_of=audit.get("on_behalf_of"),
        from_status=source,
        to_status=target,
        message=audit.get("message", "") or "",
        data=data,
        **links,
    )


def assignment_data(item: WorkItem) -> dict[str, int | None]:
    """Who an item was given to, as ids in its create and reassign events: the record of who
    could see it before (a former assignee who opens it is told where it went)."""
    return {"assignee_user": item.assignee_user_id, "assignee_group": item.assignee_group_id}
