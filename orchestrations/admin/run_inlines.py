"""A run's parts on its page: stages, steps, work items and the timeline, read-only.

Each inline loads what its rows show in one query, so the page costs the same
for a run with five events as for one with five hundred.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from ..models import RunEvent, StageRun, StepRun, WorkItem
from .common import (
    ReadOnlyInline,
    admin_link,
    person,
    person_column,
    pretty_json,
    status_badge,
)


class StageRunInline(ReadOnlyInline):
    model = StageRun
    verbose_name_plural = "stages"
    fields = readonly_fields = ("stage", "visit", "status_badge", "started_at", "finished_at",
                                "decision")  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("stage")

    @admin.display(description="status")
    def status_badge(self, obj: StageRun) -> str:
        return status_badge(obj)


class StepRunInline(ReadOnlyInline):
    model = StepRun
    verbose_name_plural = "steps"
    fields = readonly_fields = ("stage_run", "step", "status_badge", "attempts", "error_message",
                                "outputs_json", "held_result_json", "started_at", "finished_at",
                                "completed_by_name")  # fmt: skip
    completed_by_name = person_column("completed_by", "completed by")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("step", "stage_run__stage", "completed_by")
            .order_by("stage_run__started_at", "stage_run_id", "step__position", "pk")
        )

    @admin.display(description="status")
    def status_badge(self, obj: StepRun) -> str:
        return status_badge(obj)

    @admin.display(description="failed attempts")
    def attempts(self, obj: StepRun) -> str:
        if obj.step.is_interactive:
            return "—"
        return f"{obj.failures} of {obj.step.retry_max_attempts}"

    @admin.display(description="outputs")
    def outputs_json(self, obj: StepRun) -> str:
        return pretty_json(obj.outputs)

    @admin.display(description="held result")
    def held_result_json(self, obj: StepRun) -> str:
        return pretty_json(obj.held_result)


class WorkItemInline(ReadOnlyInline):
    model = WorkItem
    fields = readonly_fields = ("item_link", "step_name", "assignee", "holder",
                                "status_badge", "due_at", "completed_by_name",
                                "completed_at")  # fmt: skip
    holder = person_column("claimed_by", "held by")
    completed_by_name = person_column("completed_by", "completed by")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related(
                "run__orchestration",
                "step_run__step",
                "assignee_user",
                "assignee_group",
                "claimed_by",
                "completed_by",
            )
            .order_by("created_at", "pk")
        )

    @admin.display(description="work item")
    def item_link(self, obj: WorkItem) -> str:
        return admin_link(obj, f"#{obj.pk}")

    @admin.display(description="step")
    def step_name(self, obj: WorkItem) -> str:
        return obj.step_run.step.name

    @admin.display(description="assigned to")
    def assignee(self, obj: WorkItem) -> str:
        return person(obj.assignee_user) if obj.assignee_user else str(obj.assignee_group or "—")

    @admin.display(description="status")
    def status_badge(self, obj: WorkItem) -> str:
        badge = status_badge(obj)
        return format_html("{} <em>(overdue)</em>", badge) if obj.is_overdue else badge


class RunEventInline(ReadOnlyInline):
    model = RunEvent
    verbose_name_plural = "timeline"
    fields = readonly_fields = ("created_at", "kind", "subject", "actor_name",
                                "on_behalf_of_name", "change", "message")  # fmt: skip
    actor_name = person_column("actor", "by")
    on_behalf_of_name = person_column("on_behalf_of", "on behalf of")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("actor", "on_behalf_of", "stage_run__stage", "step_run__step")
        )

    @admin.display(description="about")
    def subject(self, obj: RunEvent) -> str:
        if obj.work_item_id:
            return f"work item #{obj.work_item_id}"
        if obj.step_run is not None:
            return obj.step_run.step.name
        if obj.stage_run is not None:
            return obj.stage_run.stage.name
        return "run"

    @admin.display(description="from → to")
    def change(self, obj: RunEvent) -> str:
        if not (obj.from_status or obj.to_status):
            return "—"
        return f"{obj.from_status or '·'} → {obj.to_status or '·'}"
