"""The parts of a version, each with its own page: stages (with their decision),
steps, forms (with their fields), input variables. Read-only unless the version is
a draft."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ..models import DecisionOutcome, Form, FormField, InputVariable, Stage, Step
from .definitions import DraftOnly, DraftOnlyInline, NarrowedToVersion

VERSION_FILTERS: tuple[str, ...] = ("version__orchestration", "version__status")


class DecisionOutcomeInline(NarrowedToVersion, DraftOnlyInline):
    model = DecisionOutcome
    fk_name = "stage"
    fields = ["position", "label", "condition", "target"]


class FormFieldInline(DraftOnlyInline):
    model = FormField
    fields = ["position", "key", "label", "type", "required", "choices", "default", "min_value",
              "max_value", "help_text", "visibility"]  # fmt: skip
    show_change_link = False


class VersionPartAdmin(DraftOnly, NarrowedToVersion, admin.ModelAdmin):
    list_select_related = ["version__orchestration"]
    list_filter = VERSION_FILTERS

    @admin.display(description="version", ordering="version")
    def version_name(self, obj: Stage | Step | Form | InputVariable) -> str:
        return str(obj.version)


@admin.register(Stage)
class StageAdmin(VersionPartAdmin):
    list_display = ["name", "key", "version_name", "position"]
    search_fields = ["name", "key", "version__orchestration__name"]
    fields = ["version", "position", "key", "name", "exit_condition", "default_target",
              "default_ends_run", "fault_target"]  # fmt: skip
    inlines = [DecisionOutcomeInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Stage | None = None) -> list[str]:
        return ["version"] if obj is not None else []


@admin.register(Step)
class StepAdmin(VersionPartAdmin):
    list_display = ["name", "key", "stage", "kind", "version_name", "assignee_type"]
    list_filter = (*VERSION_FILTERS, "kind")
    list_select_related = ["version__orchestration", "stage"]
    search_fields = ["name", "key", "stage__name", "version__orchestration__name"]
    autocomplete_fields = ["assignee_user", "assignee_group"]
    filter_horizontal = ["start_after", "visibility_groups"]
    fieldsets = [
        (
            None,
            {"fields": ["version", "stage", "position", "key", "name", "kind", "instructions"]},
        ),
        (
            "When it starts and ends",
            {"fields": ["start_when", "start_after", "start_condition", "exit_condition"]},
        ),
        (
            "Interactive",
            {
                "fields": [
                    "form",
                    "assignee_type",
                    "assignee_user",
                    "assignee_group",
                    "assignee_expression",
                    "due_in",
                    "email_subject",
                    "email_body",
                ]
            },
        ),
        (
            "Background",
            {"fields": ["action", "action_inputs", "retry_max_attempts", "retry_backoff_seconds"]},
        ),
        ("Who sees its answers", {"fields": ["visibility", "visibility_groups"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Step | None = None) -> list[str]:
        return ["version"] if obj is not None else []


@admin.register(Form)
class FormAdmin(VersionPartAdmin):
    list_display = ["name", "key", "version_name"]
    search_fields = ["name", "key", "version__orchestration__name"]
    fields = ["version", "key", "name"]
    inlines = [FormFieldInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Form | None = None) -> list[str]:
        return ["version"] if obj is not None else []


@admin.register(InputVariable)
class InputVariableAdmin(VersionPartAdmin):
    list_display = ["key", "label", "type", "required", "version_name"]
    search_fields = ["key", "label", "version__orchestration__name"]


@admin.register(FormField)
class FormFieldAdmin(DraftOnly, admin.ModelAdmin):
    list_display = ["key", "label", "type", "required", "visibility", "form", "form_version"]
    filter_horizontal = ["visibility_groups"]
    list_filter = ["type", "form__version__orchestration", "form__version__status"]
    list_select_related = ["form__version__orchestration"]
    search_fields = ["key", "label", "form__name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("form__version__orchestration")

    @admin.display(description="version", ordering="form__version")
    def form_version(self, obj: FormField) -> str:
        return str(obj.form.version)


@admin.register(DecisionOutcome)
class DecisionOutcomeAdmin(DraftOnly, NarrowedToVersion, admin.ModelAdmin):
    list_display = ["__str__", "stage", "target", "position", "outcome_version"]
    list_filter = ["stage__version__orchestration", "stage__version__status"]
    list_select_related = ["stage__version__orchestration", "target"]
    search_fields = ["label", "condition", "stage__name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("stage__version__orchestration")

    @admin.display(description="version", ordering="stage__version")
    def outcome_version(self, obj: DecisionOutcome) -> str:
        return str(obj.stage.version)
