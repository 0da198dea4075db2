"""A run's answers as the person looking may see them (`orchestrations.visibility`):
the values of one item, the earlier steps on a work-item page, the answers on a run
page. Whose answers they were is named as `inbox.people` says.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from orchestrations.engine.definition import StepDef, VersionDef
from orchestrations.fields import FieldDef
from orchestrations.models import Run, StepRun, WorkItem
from orchestrations.models.choices import FieldType
from orchestrations.status import StepRunStatus, WorkItemStatus
from orchestrations.visibility import Viewer, names_shared, visible_answers

from .people import name_for
from .run_context import RunParts

# Values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A stored value as a person reads it; `href` makes it a link."""

    text: str
    href: str = ""
    multiline: bool = False
    empty: bool = False


def show_value(value: Any, field_type: str = "") -> Shown:
    if value is None or value == "" or value == []:
        return Shown("—", empty=True)
    if isinstance(value, bool):
        return Shown("Yes" if value else "No")
    if field_type == FieldType.YES_NO and value in ("yes", "no"):
        return Shown("Yes" if value == "yes" else "No")
    if isinstance(value, list | tuple):
        return Shown(", ".join(str(v) for v in value))
    if isinstance(value, dict):
        return Shown(json.dumps(value, ensure_ascii=False, default=str))
    text = str(value)
    if field_type == FieldType.DATE:
        try:
            return Shown(date_format(dt.date.fromisoformat(text), "N j, Y"))
        except ValueError:
            return Shown(text)
    if field_type == FieldType.DATETIME:
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return Shown(text)
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return Shown(date_format(moment, "N j, Y, H:i"))
    if field_type == FieldType.EMAIL:
        return Shown(text, href=f"mailto:{text}")
    if field_type in (FieldType.URL, "") and text.lower().startswith(("https://", "http://")):
        return Shown(text, href=text)
    return Shown(text, multiline=field_type == FieldType.LONG_TEXT or "\n" in text)


def labelled_values(step: StepDef | None, values: dict[str, Any]) -> list[tuple[str, Shown]]:
    """(label, value) pairs of `values` in the form's order (a field without a value is
    left out: it may be one the viewer may not see); outputs the form does not name
    follow."""
    fields: tuple[FieldDef, ...] = step.fields if step else ()
    pairs = [(f.label, show_value(values[f.key], f.type)) for f in fields if f.key in values]
    known = {f.key for f in fields}
    pairs += [
        (capfirst(key.replace("_", " ")), show_value(value))
        for key, value in values.items()
        if key not in known
    ]
    return pairs


def visible_item_data(viewer: Viewer, step: StepDef, item: WorkItem) -> dict[str, Any]:
    """What was submitted on `item` that `viewer` may see."""
    given_by = (item.completed_by_id, item.on_behalf_of_id)
    return visible_answers(viewer, step, item.data or {}, given_by=given_by)


def item_answers(viewer: Viewer, step: StepDef, item: WorkItem) -> list[tuple[str, Shown]]:
    """What was submitted on `item`, as `viewer` may see it, labelled."""
    return labelled_values(step, visible_item_data(viewer, step, item))


# Answer blocks -----------------------------------------------------------------------


@dataclass
class OutputBlock:
    """One completed step's answers, with who gave them (`by`, as the viewer may see
    them) and when."""

    step_name: str
    visit: int
    values: list[tuple[str, Shown]]
    by: str = ""
    completed_at: dt.datetime | None = None
    automatic: bool = False


def earlier_outputs(
    run: Run,
    definition: VersionDef,
    viewer: Viewer,
    *,
    exclude_step_run_id: int | None = None,
    until: dt.datetime | None = None,
) -> list[OutputBlock]:
    """What the run's completed steps produced (up to `until`) that `viewer` may see,
    oldest first, with who and when. Steps with nothing to show are left out."""
    completed_items = WorkItem.objects.filter(status=WorkItemStatus.COMPLETED).select_related(
        "completed_by", "on_behalf_of", "assignee_group"
    )
    step_runs = StepRun.objects.filter(run=run, status=StepRunStatus.COMPLETED)
    if exclude_step_run_id is not None:
        step_runs = step_runs.exclude(pk=exclude_step_run_id)
    if until is not None:
        step_runs = step_runs.filter(finished_at__lte=until)
    if viewer.is_outside:  # staff are named by their teams
        completed_items = completed_items.prefetch_related("completed_by__groups")
    step_runs = (
        step_runs.select_related("completed_by", "stage_run")
        .prefetch_related(Prefetch("work_items", completed_items, to_attr="completed_items"))
        .order_by("finished_at", "pk")
    )
    blocks = []
    for step_run in step_runs:
        item = step_run.completed_items[-1] if step_run.completed_items else None
        block = _block(viewer, definition, step_run, item, step_run.stage_run.visit)
        if block is not None:
            blocks.append(block)
    return blocks


def answer_blocks(parts: RunParts, definition: VersionDef, viewer: Viewer) -> list[OutputBlock]:
    """Every completed step's answers that `viewer` may see, from the run page's parts
    (no more queries), oldest first."""
    rows = [
        (row, visit.stage_run.visit)
        for visit in parts.visits
        for row in visit.steps
        if row.step_run.status == StepRunStatus.COMPLETED
    ]
    rows.sort(
        key=lambda pair: (pair[0].step_run.finished_at or timezone.now(), pair[0].step_run.pk)
    )
    blocks = []
    for row, number in rows:
        completed = row.item is not None and row.item.status == WorkItemStatus.COMPLETED
        item = row.item if completed else None
        block = _block(viewer, definition, row.step_run, item, number)
        if block is not None:
            blocks.append(block)
    return blocks


def _block(
    viewer: Viewer, definition: VersionDef, step_run: StepRun, item: WorkItem | None, visit: int
) -> OutputBlock | None:
    step = definition.step_by_id.get(step_run.step_id)
    values = item.data if item is not None else step_run.outputs
    if step is None:  # a step the version no longer has: support only
        shown = values if viewer.support else {}
    else:
        given_by: tuple[int | None, ...] = (step_run.completed_by_id,)
        if item is not None:
            given_by = (item.completed_by_id, item.on_behalf_of_id)
        shown = visible_answers(viewer, step, values or {}, given_by=given_by)
    if not shown:
        return None
    automatic = step is not None and not step.is_interactive
    return OutputBlock(
        step_name=step.name if step else "A removed step",
        visit=visit,
        values=labelled_values(step, shown),
        by=_byline(viewer, step, step_run, item, automatic),
        completed_at=item.completed_at if item else step_run.finished_at,
        automatic=automatic,
    )


def _byline(
    viewer: Viewer, step: StepDef | None, step_run: StepRun, item: WorkItem | None, automatic: bool
) -> str:
    if automatic:
        return "Done automatically"
    completed_by = item.completed_by if item else step_run.completed_by
    if completed_by is None:
        return "Completed"
    team = item.assignee_group if item else None
    line = name_for(viewer, completed_by, step, team=team)
    on_behalf_of = item.on_behalf_of if item else None
    if on_behalf_of is not None and (
        names_shared(viewer, step) or on_behalf_of.pk == viewer.user_id
    ):
        line += f" on behalf of {name_for(viewer, on_behalf_of, step)}"
    return line
