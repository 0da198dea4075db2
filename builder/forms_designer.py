"""Forms of the form designer: a form's name and key, and one typed field (the same
editor serves input variables on the Trigger & inputs page)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet

from orchestrations import limits
from orchestrations.fields import FieldDef, clean_values
from orchestrations.models import Form, FormField, InputVariable
from orchestrations.models.choices import INPUT_ONLY_FIELD_TYPES, FieldType, Visibility

from .keys import key_from
from .storable import StorableTextForm

CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTI_CHOICE)
NUMBER_TYPES = (FieldType.NUMBER, FieldType.DECIMAL)


class EditorForm(StorableTextForm, forms.ModelForm):
    """Marks fields with errors for assistive technology and Pico's red outline; text
    that cannot be stored is refused (`StorableTextForm`)."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        mark_invalid(self)
        return valid


def mark_invalid(form: forms.BaseForm) -> None:
    for name in form.errors:
        if name in form.fields:
            field, auto_id = form.fields[name], form[name].auto_id
            attrs = field.widget.attrs
            attrs["aria-invalid"] = "true"
            described = attrs.get("aria-describedby", "").split()
            if field.help_text and f"{auto_id}_helptext" not in described:
                described.append(f"{auto_id}_helptext")
            if f"{auto_id}-error" not in described:
                described.append(f"{auto_id}-error")
            attrs["aria-describedby"] = " ".join(described)


def unique_key_error(queryset: QuerySet[Any], key: str, instance: Model, what: str) -> str | None:
    clash = queryset.filter(key=key).exclude(pk=instance.pk).first()
    if clash is None:
        return None
    return f"The key '{key}' is already used by {what} '{clash}'. Keys must be unique."


class FormForm(EditorForm):
    """A form's name and key; the key is derived from the name when left empty."""

    class Meta:
        model = Form
        fields = ["name", "key"]
        help_texts = {"key": "Steps name their form by it. Empty: made from the name."}

    def __init__(self, *args: Any, version: Any, **kwargs: Any):
        instance = kwargs.get("instance")
        kwargs.setdefault("auto_id", f"form{instance.pk if instance else 'new'}_%s")
        super().__init__(*args, **kwargs)
        self.version = version
        self.fields["key"].required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("key") and data.get("name") and "key" not in self.errors:
            data["key"] = key_from(data["name"])
        key = data.get("key")
        if key:
            error = unique_key_error(self.version.forms.all(), key, self.instance, "the form")
            if error:
                self.add_error("key", error)
        return data

    def save(self, commit: bool = True) -> Form:
        self.instance.version = self.version
        return super().save(commit)


class FieldSpecForm(EditorForm):
    """One typed value: key, label, type, required, choices (one per line), help, and a
    default that must fit the type. Subclasses name the model and the siblings among
    which the key must be unique."""

    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For single and multiple choice: one choice per line.",
    )
    default = forms.CharField(
        required=False,
        help_text="Optional; fits the type: 2030-01-31, yes or no, one of the choices "
        "(several separated by commas).",
    )
    min_value = forms.DecimalField(
        label="Smallest value",
        required=False,
        max_digits=limits.DECIMAL_MAX_DIGITS,
        decimal_places=limits.DECIMAL_PLACES,
        help_text="Numbers only, optional: a smaller one is refused next to the field.",
    )
    max_value = forms.DecimalField(
        label="Largest value",
        required=False,
        max_digits=limits.DECIMAL_MAX_DIGITS,
        decimal_places=limits.DECIMAL_PLACES,
        help_text="Numbers only, optional.",
    )

    class Meta:
        fields = [
            "label", "key", "type", "required", "choices", "help_text", "default", "min_value",
            "max_value",
        ]  # fmt: skip
        labels = {"help_text": "Help", "required": "Required"}
        help_texts = {
            "key": "Conditions read the value by it. Empty: made from the label.",
            "help_text": "Shown under the field.",
        }

    what = "the field"
    id_prefix = "field"

    def __init__(self, *args: Any, siblings: QuerySet[Any], **kwargs: Any):
        instance = kwargs.get("instance")
        name = instance.pk if instance is not None and instance.pk else "new"
        kwargs.setdefault("auto_id", f"{self.id_prefix}{name}_%s")
        super().__init__(*args, **kwargs)
        self.siblings = siblings
        self.fields["key"].required = False
        if self.instance.pk and not self.is_bound:
            self.initial["choices"] = "\n".join(self.instance.choices or [])
            self.initial["default"] = default_text(self.instance.default)

    def clean_choices(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["choices"].splitlines()]
        choices = [line for line in lines if line]
        repeated = sorted({c for c in choices if choices.count(c) > 1})
        if repeated:
            raise ValidationError(f"Each choice once: {', '.join(repeated)} appears twice.")
        return choices

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("key") and data.get("label") and "key" not in self.errors:
            data["key"] = key_from(data["label"])
        if data.get("key"):
            error = unique_key_error(self.siblings, data["key"], self.instance, self.what)
            if error:
                self.add_error("key", error)
        kind = data.get("type")
        if kind not in CHOICE_TYPES:
            data["choices"] = []
        elif "choices" in data and not data["choices"]:
            self.add_error("choices", "A choice field needs at least one choice, one per line.")
        self._clean_range(kind)
        if kind and "choices" not in self.errors and not self.has_error("max_value"):
            try:
                data["default"] = parse_default(
                    data.get("default") or "", kind, data["choices"],
                    low=data.get("min_value"), high=data.get("max_value"),
                )  # fmt: skip
            except ValidationError as error:
                self.add_error("default", error)
        return data

    def _clean_range(self, kind: str | None) -> None:
        """The range as JSON numbers (whole for whole numbers), for numbers only."""
        data = self.cleaned_data
        for name in ("min_value", "max_value"):
            value = data.get(name)
            if value is None or kind not in NUMBER_TYPES:
                data[name] = None
            elif kind == FieldType.NUMBER and value != value.to_integral_value():
                self.add_error(name, "A whole-number field's range is whole numbers.")
            elif abs(value) > limits.NUMBER_LIMIT:
                self.add_error(name, limits.NUMBER_MESSAGE)
            else:
                data[name] = int(value) if value == value.to_integral_value() else float(value)
        low, high = data.get("min_value"), data.get("max_value")
        if low is not None and high is not None and low > high:
            self.add_error("max_value", "The largest value is below the smallest.")

    def save(self, commit: bool = True) -> Any:
        if self.instance.pk is None:
            last = self.siblings.order_by("-position").values_list("position", flat=True).first()
            self.instance.position = 0 if last is None else last + 1
        return super().save(commit)


class FormFieldForm(FieldSpecForm):
    """A form field, with who sees its answer when not as its step says."""

    class Meta(FieldSpecForm.Meta):
        model = FormField
        fields = [*FieldSpecForm.Meta.fields, "visibility", "visibility_groups"]
        labels = {
            **FieldSpecForm.Meta.labels,
            "visibility": "Who sees the answer",
            "visibility_groups": "The teams",
        }
        help_texts = {
            **FieldSpecForm.Meta.help_texts,
            "visibility": "Usually as the step that shows the form says; share the one answer "
            "an applicant should see, or keep one note private.",
        }
        widgets = {"visibility_groups": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["visibility"].choices = [("", "As its step says"), *Visibility.choices]
        fields["visibility_groups"].queryset = Group.objects.order_by("name")
        fields["visibility_groups"].required = False
        # A person is named on a Start page only (see INPUT_ONLY_FIELD_TYPES).
        fields["type"].choices = [
            c for c in fields["type"].choices if c[0] not in INPUT_ONLY_FIELD_TYPES
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        no_teams = not data.get("visibility_groups") and "visibility_groups" not in self.errors
        if data.get("visibility") == Visibility.GROUPS and no_teams:
            self.add_error("visibility_groups", "Tick the teams that see the answer.")
        return data

    def save(self, commit: bool = True) -> Any:
        spec = super().save(commit)
        if commit and spec.visibility != Visibility.GROUPS:
            spec.visibility_groups.clear()
        return spec


class InputVariableForm(FieldSpecForm):
    what = "the input"
    id_prefix = "input"

    class Meta(FieldSpecForm.Meta):
        model = InputVariable
        help_texts = {
            **FieldSpecForm.Meta.help_texts,
            "key": "Conditions read it as vars.<key>. Empty: made from the label.",
        }


def parse_default(
    text: str, kind: str, choices: list[str], *, low: Any = None, high: Any = None
) -> Any:
    """The JSON value of a default typed as text, checked exactly as the definition
    validator checks it; None for an empty text."""
    text = text.strip()
    if not text:
        return None
    value: Any = text
    if kind == FieldType.MULTI_CHOICE:
        value = [text] if text in choices else [v.strip() for v in text.split(",") if v.strip()]
    elif kind == FieldType.YES_NO:
        answers = {"yes": "yes", "true": "yes", "no": "no", "false": "no"}
        if text.lower() not in answers:
            raise ValidationError("Write yes or no (or leave it empty).")
        value = answers[text.lower()]
    spec = FieldDef(
        key="value", label="Default", type=kind, choices=tuple(choices),
        min_value=low, max_value=high,
    )  # fmt: skip
    try:
        return clean_values([spec], {"value": value})["value"]
    except ValidationError as error:
        messages = [m for ms in error.message_dict.values() for m in ms]
        if kind in CHOICE_TYPES:
            messages.append(f"The choices are: {', '.join(choices)}.")
        raise ValidationError(" ".join(messages)) from None


def default_text(value: Any) -> str:
    """A stored default as the designer types it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
