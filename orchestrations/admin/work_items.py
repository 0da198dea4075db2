"""Work items for support staff: find the stuck and the overdue, reassign them in bulk."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import display_for_value
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..engine.abilities import work_item_abilities
from ..engine.facts import REASSIGN_PERMISSION
from ..models import WorkItem
from .actions import (
    CONFIRMED,
    reassign_form,
    reassign_items,
    reassign_work_items,
    render_reassign,
)
from .common import (
    ReadOnlyAdmin,
    admin_link,
    badge,
    person,
    person_column,
    pretty_json,
    status_badge,
)
from .filters import OverdueFilter
from .forms import ReassignForm


@admin.register(WorkItem)
class WorkItemAdmin(ReadOnlyAdmin):
    list_display = ["item", "step_name", "run_link", "status_badge", "assignee", "holder",
                    "due", "created_at", "completed_by_name"]  # fmt: skip
    list_filter = ["status", "assignee_group", OverdueFilter, "run__orchestration"]
    list_select_related = ["step_run__step", "run__orchestration", "assignee_user",
                           "assignee_group", "claimed_by", "completed_by"]  # fmt: skip
    search_fields = ["run__label", "run__record_label", "assignee_user__username",
                     "assignee_user__first_name", "assignee_user__last_name",
                     "claimed_by__username", "assignee_group__name",
                     "step_run__step__name"]  # fmt: skip
    search_help_text = "Record, assignee, holder, team queue or step name."
    date_hierarchy = "created_at"
    actions = [reassign_work_items]
    fields = readonly_fields = ("run_link", "step_name", "status_badge", "assignee",
                                "holder", "claimed_at", "due", "created_at",
                                "completed_by_name", "completed_at", "on_behalf_of_name",
                                "data_json")  # fmt: skip
    completed_by_name = person_column("completed_by", "completed by")
    on_behalf_of_name = person_column("on_behalf_of", "on behalf of")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related(*self.list_select_related)

    def has_reassign_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REASSIGN_PERMISSION)

    @admin.display(description="work item", ordering="pk")
    def item(self, obj: WorkItem) -> str:
        return f"#{obj.pk}"

    @admin.display(description="step", ordering="step_run__step__name")
    def step_name(self, obj: WorkItem) -> str:
        return obj.step_run.step.name

    @admin.display(description="run", ordering="run")
    def run_link(self, obj: WorkItem) -> str:
        return admin_link(obj.run)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: WorkItem) -> str:
        return status_badge(obj)

    @admin.display(description="assigned to")
    def assignee(self, obj: WorkItem) -> str:
        return person(obj.assignee_user) if obj.assignee_user else str(obj.assignee_group or "—")

    @admin.display(description="held by", ordering="claimed_by__username")
    def holder(self, obj: WorkItem) -> str:
        return person(obj.claimed_by)

    @admin.display(description="due", ordering="due_at")
    def due(self, obj: WorkItem) -> str:
        if obj.due_at is None:
            return "—"
        due = display_for_value(obj.due_at, "—")
        if obj.is_overdue:
            return badge(format_html("{} (overdue)", due), "overdue")
        return due

    @admin.display(description="submitted values")
    def data_json(self, obj: WorkItem) -> str:
        return pretty_json(obj.data)

    def get_urls(self) -> list:
        reassign = self.admin_site.admin_view(self.reassign_view)
        search = self.admin_site.admin_view(self.reassign_search_view)
        return [
            path("reassign/search/", search, name="orchestrations_workitem_reassign_search"),
            path("<path:object_id>/reassign/", reassign, name="orchestrations_workitem_reassign"),
            *super().get_urls(),
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: WorkItem | None = None,
    ) -> HttpResponse:
        context["can_reassign"] = (
            obj is not None and work_item_abilities(request.user, obj).can_reassign
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def reassign_search_view(self, request: HttpRequest) -> HttpResponse:
        """The reassign page's type-ahead matches (htmx)."""
        if not self.has_reassign_permission(request):
            raise PermissionDenied
        form = ReassignForm.searching(request.GET, user=request.user)
        context = {"picker": form.picker()}
        return TemplateResponse(request, "inbox/partials/_picker_results.html", context)

    def reassign_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The bulk action's page for one item, reached from the item's page."""
        if not self.has_reassign_permission(request):
            raise PermissionDenied
        item = self.get_object(request, object_id)
        if item is None:
            raise Http404("No such work item.")
        form = reassign_form(request)
        if CONFIRMED in request.POST and form.is_valid():
            reassign_items(self, request, [item], form)
            return HttpResponseRedirect(
                reverse("admin:orchestrations_workitem_change", args=[item.pk])
            )
        return render_reassign(self, request, [item], form, bulk=False)
