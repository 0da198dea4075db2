"""What the work-item page and the run page show about a run, built in a fixed
number of queries whatever the number of stages, steps, events or comments.

Names of stages and steps come from the version's cached snapshot
(`version_definition`), never from a query per row.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_permission_codename
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from inbox.templatetags.inbox_tags import due_phrase as due_in_words
from inbox.templatetags.inbox_tags import person
from orchestrations.engine.definition import StepDef, VersionDef
from orchestrations.models import Comment, Run, RunEvent, StageRun, StepRun, WorkItem
from orchestrations.status import (
    RunStatus,
    StageRunStatus,
    StepRunStatus,
    WorkItemStatus,
)
from orchestrations.visibility import NOBODY, Viewer, sees_comment

from .people import holder, name_for

TIMELINE_LIMIT = 200

STATUS_LABELS: dict[str, str] = {
    **dict(StepRunStatus.choices),
    **dict(StageRunStatus.choices),
    **dict(RunStatus.choices),
    **dict(WorkItemStatus.choices),
}


def when(moment: dt.datetime | None) -> str:
    return date_format(timezone.localtime(moment), "N j, Y, H:i") if moment else ""


# Record ------------------------------------------------------------------------------


def record_url(run: Run, user: Any) -> str:
    """Where the run's record can be seen: its own page, else its admin page for users
    who may view it there, else nowhere (the label is shown as text)."""
    if not run.record_type_id:
        return ""
    record = run.record
    if record is None:
        return ""
    own_page = getattr(record, "get_absolute_url", None)
    if callable(own_page):
        return str(own_page())
    opts = record._meta
    if not user.has_perm(f"{opts.app_label}.{get_permission_codename('view', opts)}"):
        return ""
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
    except NoReverseMatch:
        return ""


# Stage path --------------------------------------------------------------------------


@dataclass(frozen=True)
class StagePoint:
    name: str
    state: str  # done, current, stopped, upcoming, skipped
    visits: int
    note: str = ""

    @property
    def state_label(self) -> str:
        return (
            self.note
            or {
                "done": "Done",
                "current": "Current",
                "stopped": "Stopped",
                "upcoming": "Upcoming",
                "skipped": "Skipped",
            }[self.state]
        )


def stage_runs_of(run: Run) -> list[StageRun]:
    return list(StageRun.objects.filter(run=run).order_by("started_at", "pk"))


def stage_path(run: Run, definition: VersionDef, stage_runs: list[StageRun]) -> list[StagePoint]:
    """The version's stages in order, each done, current or upcoming; a stage entered
    more than once (a loop) counts its visits."""
    visits = Counter(stage_run.stage_id for stage_run in stage_runs)
    last = stage_runs[-1] if stage_runs else None
    notes = {
        StageRunStatus.SUSPENDED: "Suspended",
        StageRunStatus.ERROR: "Stopped on an error",
        StageRunStatus.CANCELED: "Canceled",
    }
    current_id, current_state, current_note = None, "", ""
    if last is not None and last.status not in (
        StageRunStatus.COMPLETED,
        StageRunStatus.DISCONTINUED,
    ):
        current_id = last.stage_id
        current_state = "stopped" if last.status == StageRunStatus.CANCELED else "current"
        current_note = notes.get(last.status, "")
    ids = [stage.id for stage in definition.stages]
    current_index = ids.index(current_id) if current_id in ids else -1
    points = []
    for index, stage in enumerate(definition.stages):
        if stage.id == current_id:
            state, note = current_state, current_note
        elif visits[stage.id]:
            state, note = "done", ""
        elif run.is_open and index > current_index:
            state, note = "upcoming", ""
        else:
            state, note = "skipped", ""
        points.append(StagePoint(stage.name, state, visits[stage.id], note))
    return points


# Due dates ---------------------------------------------------------------------------


def due_phrase(item: WorkItem) -> str:
    """ "Overdue by 2 days" / "Due in 3 hours" for an open item with a due date."""
    if not item.is_open or item.due_at is None:
        return ""
    return capfirst(due_in_words(item.due_at))


# Stages and steps (run page) ---------------------------------------------------------


@dataclass
class StepRow:
    step_run: StepRun
    name: str
    background: bool
    action: str
    item: WorkItem | None
    item_visible: bool
    step: StepDef | None = None
    viewer: Viewer = NOBODY

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.step_run.status, self.step_run.status)

    @property
    def assignee(self) -> str:
        return holder(self.item, self.viewer, self.step) if self.item is not None else ""

    @property
    def completed_by(self) -> Any:
        if self.item is not None and self.item.status == WorkItemStatus.COMPLETED:
            return self.item.completed_by
        return self.step_run.completed_by

    @property
    def on_behalf_of(self) -> Any:
        if self.item is not None and self.item.status == WorkItemStatus.COMPLETED:
            return self.item.on_behalf_of
        return None

    @property
    def due(self) -> str:
        return due_phrase(self.item) if self.item is not None else ""

    @property
    def overdue(self) -> bool:
        return self.item is not None and self.item.is_overdue


@dataclass
class StageVisit:
    stage_run: StageRun
    name: str
    steps: list[StepRow] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.stage_run.status, self.stage_run.status)


@dataclass
class RunParts:
    stage_runs: list[StageRun]
    step_runs: dict[int, StepRun]
    visits: list[StageVisit]

    @property
    def open_steps(self) -> list[StepRow]:
        return [
            row
            for visit in self.visits
            for row in visit.steps
            if row.item is not None and row.item.is_open
        ]


def run_parts(
    run: Run, definition: VersionDef, visible_item_ids: set[int], viewer: Viewer
) -> RunParts:
    """Every stage visit with its steps and their latest work items, as `viewer` sees
    who holds them: three queries (and three for the teams of the people an outside
    participant sees by their team)."""
    stage_runs = stage_runs_of(run)
    step_runs = list(StepRun.objects.filter(run=run).select_related("completed_by").order_by("pk"))
    latest_items: dict[int, WorkItem] = {}
    items = WorkItem.objects.filter(run=run).select_related(
        "assignee_user", "assignee_group", "claimed_by", "completed_by", "on_behalf_of"
    )
    if viewer.is_outside:
        items = items.prefetch_related(
            "assignee_user__groups", "claimed_by__groups", "completed_by__groups"
        )
    for item in items.order_by("pk"):
        latest_items[item.step_run_id] = item
    visits = {
        stage_run.pk: StageVisit(stage_run, _stage_name(definition, stage_run))
        for stage_run in stage_runs
    }
    for step_run in step_runs:
        step = definition.step_by_id.get(step_run.step_id)
        latest = latest_items.get(step_run.pk)
        visits[step_run.stage_run_id].steps.append(
            StepRow(
                step_run=step_run,
                name=step.name if step else "A removed step",
                background=step is not None and not step.is_interactive,
                action=step.action if step else "",
                item=latest,
                item_visible=latest is not None and latest.pk in visible_item_ids,
                step=step,
                viewer=viewer,
            )
        )
    for visit in visits.values():
        positions = {s.id: i for i, s in enumerate(_stage_steps(definition, visit.stage_run))}
        visit.steps.sort(key=lambda row: (positions.get(row.step_run.step_id, 0), row.step_run.pk))
    return RunParts(stage_runs, {s.pk: s for s in step_runs}, list(visits.values()))


def _stage_name(definition: VersionDef, stage_run: StageRun) -> str:
    stage = definition.stage_by_id.get(stage_run.stage_id)
    return stage.name if stage else "A removed stage"


def _stage_steps(definition: VersionDef, stage_run: StageRun) -> tuple[StepDef, ...]:
    stage = definition.stage_by_id.get(stage_run.stage_id)
    return stage.steps if stage else ()


# Timeline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    event: RunEvent
    subject: str
    change: str

    @property
    def is_comment(self) -> bool:
        return self.event.kind == "comment.add"

    @property
    def shared_comment(self) -> bool:
        """A comment shared with the run's participants (else internal)."""
        return self.is_comment and bool((self.event.data or {}).get("shared"))

    @property
    def byline(self) -> str:
        """ "by Ann (on behalf of Bob)", unless the message already says so."""
        event = self.event
        if event.actor is None:
            return ""
        line = f"by {person(event.actor)}"
        if event.on_behalf_of is not None:
            line += f" on behalf of {person(event.on_behalf_of)}"
        if not self.is_comment and line[3:] in event.message:
            return ""
        return line


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]
    total: int
    capped: bool


def timeline(
    run: Run, definition: VersionDef, parts: RunParts, *, show_all: bool = False
) -> Timeline:
    """The run's events, newest first; the latest `TIMELINE_LIMIT` unless `show_all`."""
    events = RunEvent.objects.filter(run=run).select_related("actor", "on_behalf_of")
    events = events.order_by("-created_at", "-pk")
    loaded = list(events if show_all else events[: TIMELINE_LIMIT + 1])
    capped = not show_all and len(loaded) > TIMELINE_LIMIT
    if capped:
        loaded = loaded[:TIMELINE_LIMIT]
    total = RunEvent.objects.filter(run=run).count() if capped else len(loaded)
    stage_runs = {stage_run.pk: stage_run for stage_run in parts.stage_runs}
    entries = [
        TimelineEntry(
            event, _subject(event, definition, stage_runs, parts.step_runs), _change(event)
        )
        for event in loaded
    ]
    return Timeline(entries, total, capped)


def _subject(
    event: RunEvent,
    definition: VersionDef,
    stage_runs: dict[int, StageRun],
    step_runs: dict[int, StepRun],
) -> str:
    entity = event.kind.split(".", 1)[0]
    if entity == "run":
        return "Run"
    if entity == "comment":
        return "Comment"
    step_run = step_runs.get(event.step_run_id) if event.step_run_id else None
    if step_run is not None and entity in ("step", "work_item"):
        step = definition.step_by_id.get(step_run.step_id)
        return step.name if step else "Step"
    stage_run = stage_runs.get(event.stage_run_id) if event.stage_run_id else None
    if stage_run is not None:
        again = f" (visit {stage_run.visit})" if stage_run.visit > 1 else ""
        return f"{_stage_name(definition, stage_run)}{again}"
    return capfirst(entity.replace("_", " "))


def _change(event: RunEvent) -> str:
    if not event.to_status:
        return ""
    to = STATUS_LABELS.get(event.to_status, event.to_status)
    if not event.from_status:
        return to
    return f"{STATUS_LABELS.get(event.from_status, event.from_status)} → {to}"


# Comments ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentRow:
    comment: Comment
    step_name: str
    author: str  # as the viewer may see them


def comments_of(run: Run, definition: VersionDef, viewer: Viewer) -> list[CommentRow]:
    """The run's comments that `viewer` may read, oldest first (newest last), with the
    step each was written on."""
    comments = (
        Comment.objects.filter(run=run)
        .select_related("author", "work_item__step_run")
        .order_by("created_at", "pk")
    )
    if viewer.is_outside:  # staff are named by their teams
        comments = comments.prefetch_related("author__groups")
    rows = []
    for comment in comments:
        if not sees_comment(viewer, comment):
            continue
        step_name = ""
        if comment.work_item is not None:
            step = definition.step_by_id.get(comment.work_item.step_run.step_id)
            step_name = step.name if step else ""
        author = name_for(viewer, comment.author, None) or "A former user"
        rows.append(CommentRow(comment, step_name, author))
    return rows
