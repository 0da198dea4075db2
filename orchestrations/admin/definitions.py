"""Orchestrations and versions. A version is edited while it is a draft; once active
or obsolete its page, and every part of it, is read-only (the models refuse the
change too, with `VersionLockedError`). Its status changes only by activation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.db import models
from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.http import HttpRequest

from ..definition import DefinitionError, errors_of
from ..exceptions import HandoffError
from ..models import (
    DecisionOutcome,
    Form,
    FormField,
    InputVariable,
    Orchestration,
    Stage,
    Step,
    Version,
)
from ..status import VersionStatus
from ..versions import version_activate
from .actions import apply_each, report
from .definition_json import DefinitionJSONField

VERSION_LOOKUPS = {DecisionOutcome: "stage__version_id", FormField: "form__version_id"}


def owning_version(obj: Model | None) -> Version | None:
    if obj is None or isinstance(obj, Version):
        return obj
    return obj.owning_version()  # type: ignore[attr-defined]


def version_id_in_url(request: HttpRequest) -> Any:
    """The version of the object whose page this is, to narrow choices to its parts."""
    match = request.resolver_match
    model_admin = getattr(match.func, "model_admin", None) if match else None
    object_id = str(match.kwargs.get("object_id", "")) if match else ""
    if model_admin is None or not object_id.isdigit():
        # An add page: `?version=<id>` (as the version page's links give) narrows it.
        version = request.GET.get("version", "")
        return version if version.isdigit() else None
    model = model_admin.model
    if model is Version:
        return object_id
    lookup = VERSION_LOOKUPS.get(model, "version_id")
    return model.objects.filter(pk=object_id).values_list(lookup, flat=True).first()


class DraftOnly:
    """Mixed into admins and inlines: nothing of a non-draft version changes here, and
    its JSON columns are read as an import reads them."""

    formfield_overrides: ClassVar[Mapping[type[models.Field[Any, Any]], Mapping[str, Any]]] = {
        models.JSONField: {"form_class": DefinitionJSONField}
    }

    def _locked(self, obj: Model | None) -> bool:
        version = owning_version(obj)
        return version is not None and not version.is_editable

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._locked(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._locked(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class DraftOnlyInline(DraftOnly, admin.TabularInline):
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._locked(obj) and super().has_add_permission(request, obj)


class NarrowedToVersion:
    """Foreign keys to stages, steps and forms offer only those of the same version."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model in (Stage, Form, Step):
            version_id = version_id_in_url(request)
            if version_id is not None:
                kwargs["queryset"] = db_field.related_model.objects.filter(version_id=version_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Step:
            version_id = version_id_in_url(request)
            if version_id is not None:
                kwargs["queryset"] = Step.objects.filter(version_id=version_id)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class VersionInline(admin.TabularInline):
    model = Version
    extra = 0
    show_change_link = True
    fields = readonly_fields = ("number", "status", "description", "activated_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Orchestration)
class OrchestrationAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "active_version", "archived", "updated_at"]
    list_filter = ["archived"]
    search_fields = ["name", "key", "description"]
    prepopulated_fields = {"key": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [VersionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        active = Version.objects.filter(
            orchestration=OuterRef("pk"), status=VersionStatus.ACTIVE
        ).values("number")[:1]
        return super().get_queryset(request).annotate(active_number=Subquery(active))

    @admin.display(description="active version", ordering="active_number")
    def active_version(self, obj: Orchestration) -> str:
        return f"v{obj.active_number}" if obj.active_number else "—"  # type: ignore[attr-defined]


class StageInline(NarrowedToVersion, DraftOnlyInline):
    model = Stage
    fields = ["position", "key", "name", "default_target", "default_ends_run", "fault_target"]


class StepInline(NarrowedToVersion, DraftOnlyInline):
    model = Step
    fields = ["stage", "position", "key", "name", "kind", "form", "assignee_type",
              "assignee_user", "assignee_group", "due_in"]  # fmt: skip
    autocomplete_fields = ["assignee_user", "assignee_group"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("stage", "form", "assignee_user", "assignee_group")
        )


class FormInline(DraftOnlyInline):
    model = Form
    fields = ["key", "name"]


class InputVariableInline(DraftOnlyInline):
    model = InputVariable
    fields = ["position", "key", "label", "type", "required", "choices", "default", "min_value",
              "max_value", "help_text"]  # fmt: skip


@admin.register(Version)
class VersionAdmin(DraftOnly, admin.ModelAdmin):
    list_display = ["__str__", "orchestration", "number", "status", "trigger_type",
                    "created_at", "activated_at"]  # fmt: skip
    list_filter = ["status", "orchestration", "trigger_type"]
    list_select_related = ["orchestration"]
    search_fields = ["orchestration__name", "orchestration__key", "description"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["orchestration"]
    readonly_fields = ["status", "created_at", "created_by", "activated_at", "activated_by"]
    fieldsets = [
        (None, {"fields": ["orchestration", "number", "status", "description", "label_template"]}),
        (
            "Trigger",
            {
                "fields": [
                    "trigger_type",
                    "trigger_model",
                    "trigger_on",
                    "trigger_condition",
                    "record_create",
                    "allow_concurrent_runs",
                ]
            },
        ),
        ("Limits", {"fields": ["max_stage_visits"]}),
        ("History", {"fields": ["created_at", "created_by", "activated_at", "activated_by"]}),
    ]
    inlines = [InputVariableInline, StageInline, StepInline, FormInline]
    actions = ["activate"]

    def get_readonly_fields(self, request: HttpRequest, obj: Version | None = None) -> list[str]:
        if obj is not None:
            # A version stays with its orchestration and keeps its number.
            return [*self.readonly_fields, "orchestration", "number"]
        return list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: Version, form: Any, change: bool) -> None:
        if not change and request.user.is_authenticated:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Activate selected drafts", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[Version]) -> None:
        per_orchestration = Counter(v.orchestration_id for v in queryset if v.is_editable)
        if any(count > 1 for count in per_orchestration.values()):
            self.message_user(
                request,
                "Select at most one draft per orchestration: only one version can be active.",
                messages.ERROR,
            )
            return

        def activate(version: Version) -> None:
            try:
                version_activate(version, by=request.user)
            except DefinitionError as error:
                problems = "; ".join(str(problem) for problem in errors_of(error.problems))
                raise HandoffError(f"{version} has problems to fix first: {problems}") from None

        done, refused = apply_each(queryset, activate)
        report(self, request, "Activated", done, refused)
