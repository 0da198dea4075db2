"""The stage editor's forms: the stage, and its decision's ordered outcomes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from orchestrations.definition.schema import END
from orchestrations.models import Stage

from .. import scopes
from ..forms_designer import EditorForm, mark_invalid, unique_key_error
from ..storable import StorableTextForm
from .conditions import check_errors, live_check, wide


class StageForm(EditorForm):
    default = forms.ChoiceField(
        label="When no outcome holds", required=False, help_text="The decision's default."
    )
    fault = forms.ChoiceField(
        label="When a step fails",
        required=False,
        help_text="The fault path: where the run goes when a step of this stage fails.",
    )

    class Meta:
        model = Stage
        fields = ["name", "key", "exit_condition"]
        labels = {"exit_condition": "Ends early when"}
        help_texts = {
            "key": "Unique in the version; decisions name stages by it.",
            "exit_condition": "Optional: the stage ends when this holds, even with steps "
            "still running (they are discontinued). Until then it waits: steps that start on "
            "a condition wait for it instead of being skipped.",
        }
        widgets = {"exit_condition": wide()}

    def __init__(self, *args: Any, editable: bool = True, **kwargs: Any):
        kwargs.setdefault("auto_id", f"stage{kwargs['instance'].pk}_%s")
        super().__init__(*args, **kwargs)
        stage: Stage = self.instance
        self.version, self.editable = stage.version, editable
        self.stages = list(self.version.stages.all())
        index = next(i for i, s in enumerate(self.stages) if s.pk == stage.pk)
        following = self.stages[index + 1] if index + 1 < len(self.stages) else None
        next_label = (
            f"the next stage ({following.name})" if following else "end the run (last stage)"
        )
        others = [(str(s.pk), s.name) for s in self.stages if s.pk != stage.pk]
        fields: dict[str, Any] = self.fields
        fields["default"].choices = [
            ("", f"Go to {next_label}"),
            (END, "End the run"),
            *[(str(s.pk), f"Go to {s.name}") for s in self.stages],
        ]
        fields["fault"].choices = [("", "None: the run stops with an error"), *others]
        self.initial.setdefault(
            "default", END if stage.default_ends_run else str(stage.default_target_id or "")
        )
        self.initial.setdefault("fault", str(stage.fault_target_id or ""))
        url = reverse("builder:condition-check", args=[self.version.pk])
        live_check(
            self, "exit_condition", kind=scopes.CONDITION, setting=scopes.STAGE, url=url,
            place={"stage": stage.pk},
        )  # fmt: skip

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if key == END:
            raise forms.ValidationError(
                "“end” is reserved: a decision that goes to “end” ends the run. "
                "Choose another key, e.g. end_stage."
            )
        error = unique_key_error(self.version.stages.all(), key, self.instance, "the stage")
        if error:
            raise forms.ValidationError(error)
        return key

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        scope = scopes.full_scope(self.version)
        check_errors(self, "exit_condition", scopes.CONDITION, scope)
        self.scope = scope
        return data

    def save(self, commit: bool = True) -> Stage:
        stage: Stage = super().save(commit=False)
        by_pk = {str(s.pk): s for s in self.stages}
        default = self.cleaned_data.get("default") or ""
        stage.default_ends_run = default == END
        stage.default_target = by_pk.get(default)
        stage.fault_target = by_pk.get(self.cleaned_data.get("fault") or "")
        stage.save()
        return stage


class OutcomeForm(StorableTextForm, forms.Form):
    label = forms.CharField(label="Label", required=False, max_length=200)
    condition = forms.CharField(label="When", widget=wide())
    target = forms.ChoiceField(label="Go to")

    def __init__(
        self, *args: Any, stage: Stage, stages: list[Stage], editable: bool, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.editable = editable
        fields: dict[str, Any] = self.fields
        fields["target"].choices = [
            *[(str(s.pk), s.name) for s in stages],
            (END, "End the run"),
        ]
        self.fields["condition"].error_messages["required"] = "Write when this outcome is taken."
        url = reverse("builder:condition-check", args=[stage.version_id])
        live_check(
            self, "condition", kind=scopes.CONDITION, setting=scopes.STAGE, url=url,
            place={"stage": stage.pk},
        )  # fmt: skip

    def is_valid(self) -> bool:
        valid = super().is_valid()
        mark_invalid(self)
        return valid


OutcomeFormSet = forms.formset_factory(OutcomeForm, extra=0)


def outcome_rows(data: Any, prefix: str = "outcomes") -> list[dict[str, str]]:
    """The outcome rows as posted, in order (for re-showing them after a row action)."""
    try:
        count = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), 100)
    except ValueError:
        count = 0
    names = ("label", "condition", "target")
    return [{n: data.get(f"{prefix}-{i}-{n}", "") for n in names} for i in range(count)]


def apply_row_action(rows: list[dict[str, str]], action: str) -> list[dict[str, str]]:
    """`add`, `remove-<i>`, `up-<i>` or `down-<i>` applied to the rows."""
    rows = list(rows)
    verb, _, index_text = action.partition("-")
    index = int(index_text) if index_text.isdigit() else -1
    if verb == "add":
        rows.append({"label": "", "condition": "", "target": END})
    elif verb == "remove" and 0 <= index < len(rows):
        rows.pop(index)
    elif verb == "up" and 0 < index < len(rows):
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif verb == "down" and 0 <= index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return rows


def row_action_focus(action: str, count: int) -> tuple[int, str]:
    """What keeps the keyboard focus after a row action left `count` rows: (row, tool).
    The moved row's button in the same direction, or the other one when the move made
    it first or last (that button is disabled there); after a removal the Remove button
    now in its place, else the Add button; after an add, the new row's condition."""
    verb, _, index_text = action.partition("-")
    index = int(index_text) if index_text.isdigit() else -1
    if verb == "add":
        return count - 1, "condition"
    if verb == "remove":
        return (min(index, count - 1), "remove") if count else (-1, "add")
    if verb == "up" and index > 0:
        return index - 1, "up" if index > 1 else "down"
    if verb == "down" and 0 <= index < count - 1:
        return index + 1, "down" if index + 1 < count - 1 else "up"
    return -1, "add"
