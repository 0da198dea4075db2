"""The runs support staff look for and steer: filters and search on the list; on a
run's page, read-only fields, its parts inline, and buttons that go through the engine."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html

from ..models import Run, StageRun, WorkItem
from ..status import OPEN_WORK_ITEM_STATUSES, StageRunStatus
from .actions import (
    RUN_OPERATIONS,
    cancel_runs,
    confirm_cancel,
    resume_runs,
    retry_runs,
    steer_runs,
    suspend_runs,
)
from .common import ReadOnlyAdmin, can_steer_runs, person_column, pretty_json, status_badge
from .filters import HasOpenWorkItemsFilter, RunAgeFilter, VersionFilter
from .forms import CancelRunsForm
from .run_inlines import RunEventInline, StageRunInline, StepRunInline, WorkItemInline

CURRENT_STAGE_STATUSES = (
    StageRunStatus.IN_PROGRESS,
    StageRunStatus.SUSPENDED,
    StageRunStatus.ERROR,
)


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    list_display = ["run", "orchestration", "version_number", "status_badge", "current_stage",
                    "open_items", "starter", "started_at", "finished_at"]  # fmt: skip
    list_filter = ["status", "orchestration", VersionFilter, RunAgeFilter, HasOpenWorkItemsFilter]
    list_select_related = ["orchestration", "version", "started_by"]
    search_fields = ["label", "record_label", "started_by__username", "started_by__first_name",
                     "started_by__last_name", "work_items__assignee_user__username"]  # fmt: skip
    search_help_text = "Label, record, starter, assignee's username, or #id."
    date_hierarchy = "started_at"
    actions = [cancel_runs, suspend_runs, resume_runs, retry_runs]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "orchestration",
                    "version",
                    "status_badge",
                    "current_stage",
                    "label",
                    "record",
                    "starter",
                    "started_at",
                    "finished_at",
                ]
            },
        ),
        ("Error", {"fields": ["error_message"]}),
        ("Variables", {"fields": ["variables_json"], "classes": ["collapse"]}),
    ]
    starter = person_column("started_by", "started by")
    inlines = [StageRunInline, StepRunInline, WorkItemInline, RunEventInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        current_stage = (
            StageRun.objects.filter(run=OuterRef("pk"), status__in=CURRENT_STAGE_STATUSES)
            .order_by("-started_at", "-pk")
            .values("stage__name")[:1]
        )
        open_items = (
            WorkItem.objects.filter(run=OuterRef("pk"), status__in=OPEN_WORK_ITEM_STATUSES)
            .values("run")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("orchestration", "version", "started_by", "record_type")
            .annotate(
                current_stage_name=Subquery(current_stage),
                open_item_count=Coalesce(
                    Subquery(open_items, output_field=IntegerField()), Value(0)
                ),
            )
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        # "#12" or "12" finds run 12 besides whatever mentions 12.
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if re.fullmatch(r"#?\d+", term):
            matches = Q(pk__in=found.values("pk")) | Q(pk=int(term.lstrip("#")))
            return queryset.filter(matches), False
        return found, duplicates

    def get_fieldsets(self, request: HttpRequest, obj: Run | None = None) -> list:
        if obj is not None and not obj.error_message:
            return [fs for fs in self.fieldsets if fs[0] != "Error"]
        return self.fieldsets

    @admin.display(description="run", ordering="pk")
    def run(self, obj: Run) -> str:
        return f"#{obj.pk} {obj.label or obj.record_label}".strip()

    @admin.display(description="version", ordering="version__number")
    def version_number(self, obj: Run) -> str:
        return f"v{obj.version.number}"

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Run) -> str:
        return status_badge(obj)

    @admin.display(description="current stage")
    def current_stage(self, obj: Run) -> str:
        return getattr(obj, "current_stage_name", None) or "—"

    @admin.display(description="open work items", ordering="open_item_count")
    def open_items(self, obj: Run) -> int:
        return getattr(obj, "open_item_count", 0)

    @admin.display(description="record")
    def record(self, obj: Run) -> str:
        if obj.record_type is None:
            return obj.record_label or "—"
        label = obj.record_label or f"{obj.record_type.name} {obj.record_id}"
        info = (obj.record_type.app_label, obj.record_type.model)
        try:
            url = reverse("admin:{}_{}_change".format(*info), args=[obj.record_id])
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description="variables")
    def variables_json(self, obj: Run) -> str:
        return pretty_json(obj.variables)

    def get_urls(self) -> list:
        steer = self.admin_site.admin_view(self.steer_view)
        return [
            path("<path:object_id>/steer/<str:operation>/", steer, name="orchestrations_run_steer"),
            *super().get_urls(),
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Run | None = None,
    ) -> HttpResponse:
        steerable = obj is not None and can_steer_runs(request)
        context["run_operations"] = [
            {"name": name, "label": operation.label}
            for name, operation in (RUN_OPERATIONS.items() if steerable else [])
            if obj.status in operation.available_for  # type: ignore[union-attr]
        ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def steer_view(self, request: HttpRequest, object_id: str, operation: str) -> HttpResponse:
        """One run, one engine call: POST from the run page's buttons; cancel confirms first."""
        if operation not in RUN_OPERATIONS:
            raise Http404("No such operation.")
        if not can_steer_runs(request):
            raise PermissionDenied
        run = self.get_object(request, object_id)
        if run is None:
            raise Http404("No such run.")
        reason = ""
        if operation == "cancel":
            form = CancelRunsForm(request.POST if request.method == "POST" else None)
            if not form.is_valid():
                return confirm_cancel(self, request, [run], form, bulk=False)
            reason = form.cleaned_data["reason"]
        elif request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        steer_runs(self, request, [run], operation, reason=reason)
        return HttpResponseRedirect(reverse("admin:orchestrations_run_change", args=[run.pk]))
