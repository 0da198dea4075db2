"""Stage runs, step runs and run events across all runs: read-only lists for digging.

The step-run list offers "Retry" for failed steps, the one action that works on a
single step rather than a whole run.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .. import health
from ..engine import step_retry
from ..models import RunEvent, StageRun, StepRun
from .actions import apply_each, report, runs_failed_again
from .common import ReadOnlyAdmin, admin_link, can_steer_runs, pretty_json, status_badge


class RunPartAdmin(ReadOnlyAdmin):
    """Anybody who may see runs may see their parts."""

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return super().has_view_permission(request, obj) or request.user.has_perm(
            "orchestrations.view_run"
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or request.user.has_perm(
            "orchestrations.view_run"
        )

    @admin.display(description="run", ordering="run")
    def run_link(self, obj: StageRun | StepRun | RunEvent) -> str:
        return admin_link(obj.run)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: StageRun | StepRun) -> str:
        return status_badge(obj)


@admin.register(StageRun)
class StageRunAdmin(RunPartAdmin):
    list_display = ["__str__", "run_link", "status_badge", "started_at", "finished_at", "decision"]
    list_filter = ["status", "run__orchestration"]
    list_select_related = ["stage", "run__orchestration"]
    search_fields = ["stage__name", "run__record_label"]
    date_hierarchy = "started_at"
    fields = readonly_fields = ("run_link", "stage", "visit", "status_badge", "started_at",
                                "finished_at", "decision")  # fmt: skip


class BackgroundStateFilter(admin.SimpleListFilter):
    """The same rules as the engine health page (orchestrations.health)."""

    title = "background attempts"
    parameter_name = "attempts"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("running", "Running now"),
            ("retrying", "Retrying"),
            ("stuck", "Stuck (lease lapsed or never claimed)"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        chosen = {
            "running": health.running_attempts,
            "retrying": health.retrying_attempts,
            "stuck": health.stuck_attempts,
        }.get(self.value() or "")
        return queryset.filter(pk__in=chosen().values("pk")) if chosen else None


@admin.register(StepRun)
class StepRunAdmin(RunPartAdmin):
    list_display = ["__str__", "run_link", "stage_run", "status_badge", "attempt", "failures",
                    "worker", "heartbeat_at", "error_message", "started_at",
                    "finished_at"]  # fmt: skip
    list_filter = ["status", BackgroundStateFilter, "step__kind", "run__orchestration"]
    list_select_related = ["step", "stage_run__stage", "run__orchestration"]
    search_fields = ["step__name", "step__key", "run__record_label", "error_message", "worker"]
    actions = ["retry"]
    fields = readonly_fields = ("run_link", "stage_run", "step", "status_badge", "attempt",
                                "failures", "takeovers", "error_message", "outputs_json",
                                "held_result_json", "started_at", "finished_at", "completed_by",
                                "dispatched_at", "next_attempt_at", "worker", "claimed_at",
                                "heartbeat_at", "lease_until")  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related(*self.list_select_related)

    def has_steer_permission(self, request: HttpRequest) -> bool:
        return can_steer_runs(request)

    @admin.action(description="Retry selected failed steps", permissions=["steer"])
    def retry(self, request: HttpRequest, queryset: QuerySet[StepRun]) -> None:
        done, refused = apply_each(queryset, lambda step_run: step_retry(step_run, by=request.user))
        failed_again = runs_failed_again(step_run.run_id for step_run in done)
        report(self, request, "Retried", done, refused, failed_again=failed_again)

    @admin.display(description="outputs")
    def outputs_json(self, obj: StepRun) -> str:
        return pretty_json(obj.outputs)

    @admin.display(description="held result")
    def held_result_json(self, obj: StepRun) -> str:
        return pretty_json(obj.held_result)


@admin.register(RunEvent)
class RunEventAdmin(RunPartAdmin):
    list_display = ["created_at", "run_link", "kind", "actor", "on_behalf_of", "from_status",
                    "to_status", "message"]  # fmt: skip
    list_filter = ["kind", "run__orchestration"]
    list_select_related = ["run__orchestration", "actor", "on_behalf_of"]
    search_fields = ["run__record_label", "kind", "message", "actor__username"]
    date_hierarchy = "created_at"
    fields = readonly_fields = ("run_link", "created_at", "kind", "actor", "on_behalf_of",
                                "stage_run", "step_run", "work_item", "from_status",
                                "to_status", "message", "data_json")  # fmt: skip

    @admin.display(description="data")
    def data_json(self, obj: RunEvent) -> str:
        return pretty_json(obj.data)
