"""Out-of-office delegations (support staff can set one up for someone who is off sick)
and comments (read-only: they belong to the run's history)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import Truncator

from ..engine.delegation import delegation_end, notify_delegate
from ..engine.handover import delegate_refusal
from ..engine.refusals import Why
from ..models import Comment, Delegation
from ..naming import person_name
from .common import ReadOnlyAdmin, admin_link, person_column


class DelegationStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("now", "Away today"), ("upcoming", "Upcoming"), ("over", "Over"),
                ("canceled", "Canceled")]  # fmt: skip

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        today = timezone.localdate()
        match self.value():
            case "now":
                return queryset.filter(pk__in=Delegation.objects.active_on(today))
            case "upcoming":
                return queryset.filter(starts_on__gt=today, canceled_at__isnull=True)
            case "over":
                return queryset.filter(ends_on__lt=today, canceled_at__isnull=True)
            case "canceled":
                return queryset.filter(canceled_at__isnull=False)
        return None


class DelegationAdminForm(forms.ModelForm):
    class Meta:
        model = Delegation
        fields = ["user", "delegate", "starts_on", "ends_on", "note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user, delegate = data.get("user"), data.get("delegate")
        if user and user == delegate:
            self.add_error("delegate", "Choose someone other than the person who is away.")
        elif user and delegate and (refusal := delegate_refusal(user, delegate)) is not None:
            # The inbox's rule; its sentence speaks to the person away, this one to support.
            if refusal.why == Why.TARGET_NOT_TEAMMATE:
                message = f"{person_name(delegate)} shares no team with {person_name(user)}."
            else:
                message = refusal.message
            self.add_error("delegate", message)
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The last day can't be before the first day.")
        return data


@admin.action(description="End the selected out-of-office now")
def end_delegations(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    ended = sum(1 for delegation in queryset if delegation_end(delegation))
    modeladmin.message_user(request, f"Ended {ended} out-of-office.", messages.SUCCESS)


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    form = DelegationAdminForm
    list_display = ["away", "covered_by", "starts_on", "ends_on", "state", "note", "created_at"]
    list_filter = [DelegationStateFilter, "starts_on"]
    list_select_related = ["user", "delegate"]
    search_fields = ["user__username", "user__first_name", "user__last_name",
                     "delegate__username", "delegate__first_name", "delegate__last_name",
                     "note"]  # fmt: skip
    search_help_text = "Name or username of the person away or of the delegate, or the note."
    autocomplete_fields = ["user", "delegate"]
    date_hierarchy = "starts_on"
    ordering = ["-starts_on", "-pk"]
    actions = [end_delegations]
    fields = ["user", "delegate", "starts_on", "ends_on", "note", "created_at", "canceled_at"]
    readonly_fields = ["created_at", "canceled_at"]
    away = person_column("user", "away")
    covered_by = person_column("delegate", "covered by")

    def save_model(self, request: HttpRequest, obj: Delegation, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            notify_delegate(obj)

    @admin.display(description="state")
    def state(self, obj: Delegation) -> str:
        today = timezone.localdate()
        if obj.canceled_at is not None:
            return "Canceled"
        if obj.ends_on < today:
            return "Over"
        return "Away today" if obj.starts_on <= today else "Upcoming"


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["excerpt", "author_name", "shared", "run_link", "work_item_link", "created_at"]
    list_filter = ["run__orchestration", "shared", "created_at"]
    list_select_related = ["author", "run__orchestration", "work_item"]
    search_fields = ["body", "author__username", "author__first_name", "author__last_name",
                     "run__record_label"]  # fmt: skip
    search_help_text = "Text, author, or the run's record."
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "run_link", "work_item_link", "author_name", "created_at", "shared", "body",
    )  # fmt: skip
    author_name = person_column("author", "author")

    @admin.display(description="comment")
    def excerpt(self, obj: Comment) -> str:
        return Truncator(obj.body).chars(80)

    @admin.display(description="run", ordering="run")
    def run_link(self, obj: Comment) -> str:
        return admin_link(obj.run)

    @admin.display(description="work item")
    def work_item_link(self, obj: Comment) -> str:
        return admin_link(obj.work_item, f"#{obj.work_item_id}") if obj.work_item_id else "—"
