"""Typed values people enter (form fields, input variables): Django form fields,
and the JSON form in which values are stored on work items, step outputs and runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django import forms

from .models.choices import FieldType

if TYPE_CHECKING:
    from .models import FormField, InputVariable


@dataclass(frozen=True)
class FieldDef:
    key: str
    label: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()
    help_text: str = ""
    default: Any = None


def field_def(spec: FormField | InputVariable) -> FieldDef:
    """The stored form field or input variable as the forms that ask for it are built from it."""
    return FieldDef(
        key=spec.key,
        label=spec.label,
        type=spec.type,
        required=spec.required,
        choices=tuple(spec.choices or ()),
        help_text=spec.help_text,
        default=spec.default,
    )


YES_NO_CHOICES = [("yes", "Yes"), ("no", "No")]


def form_field(spec: FieldDef) -> forms.Field:
    """The Django form field that asks a person for one value of this spec."""
    common: dict[str, Any] = {
        "label": spec.label,
        "required": spec.required,
        "help_text": spec.help_text,
    }
    choices = [(c, c) for c in spec.choices]
    match spec.type:
        case FieldType.LONG_TEXT:
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
        case FieldType.NUMBER:
            return forms.IntegerField(**common)
        case FieldType.DECIMAL:
            return forms.DecimalField(**common)
        case FieldType.DATE:
            return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        case FieldType.DATETIME:
            widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
            return forms.DateTimeField(widget=widget, **common)
        case FieldType.YES_NO:
            return forms.ChoiceField(
                choices=YES_NO_CHOICES if spec.required else [("", "—"), *YES_NO_CHOICES],
                widget=forms.RadioSelect,
                **common,
            )
        case FieldType.CHOICE:
            # Nothing is chosen until the person chooses: a required choice must be made.
            blank = ("", "Choose…") if spec.required else ("", "—")
            return forms.ChoiceField(choices=[blank, *choices], **common)
        case FieldType.MULTI_CHOICE:
            return forms.MultipleChoiceField(
                choices=choices, widget=forms.CheckboxSelectMultiple, **common
            )
        case FieldType.EMAIL:
            return forms.EmailField(**common)
        case FieldType.URL:
            return forms.URLField(assume_scheme="https", **common)
        case _:
            return forms.CharField(**common)


def build_form_class(specs: Iterable[FieldDef], name: str = "DefinedForm") -> type[forms.Form]:
    fields = {spec.key: form_field(spec) for spec in specs}
    return type(name, (forms.Form,), fields)


def to_json(field_type: str, value: Any) -> Any:
    """A cleaned form value as stored in JSON (dates as ISO text, decimals as text)."""
    if value is None or value == "":
        return None
    if field_type == FieldType.YES_NO:
        return value in (True, "yes", "true", "True", "1", 1)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if field_type == FieldType.MULTI_CHOICE:
        return list(value)
    return value


def from_json(field_type: str, value: Any) -> Any:
    """A stored value as conditions see it (dates as dates, decimals as Decimal)."""
    if value is None:
        return None
    try:
        match field_type:
            case FieldType.DATE:
                return dt.date.fromisoformat(value)
            case FieldType.DATETIME:
                return dt.datetime.fromisoformat(value)
            case FieldType.DECIMAL:
                return Decimal(str(value))
    except (ValueError, TypeError, InvalidOperation):
        return value
    return value


def clean_values(specs: Iterable[FieldDef], data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate `data` against the specs: JSON-ready values, or `forms.ValidationError`
    whose `error_dict` maps each field key to its messages."""
    specs = list(specs)
    form = build_form_class(specs)(data=_as_form_data(specs, data))
    if not form.is_valid():
        raise forms.ValidationError(dict(form.errors.items()))
    return {s.key: to_json(s.type, form.cleaned_data.get(s.key)) for s in specs}


def _as_form_data(specs: list[FieldDef], data: Mapping[str, Any]) -> Any:
    """Accept both a QueryDict from a request and a plain dict from code."""
    if hasattr(data, "getlist"):
        return data
    from django.utils.datastructures import MultiValueDict

    converted: MultiValueDict[str, Any] = MultiValueDict()
    types = {s.key: s.type for s in specs}
    for key, value in data.items():
        if types.get(key) == FieldType.MULTI_CHOICE and isinstance(value, list | tuple):
            converted.setlist(key, [str(v) for v in value])
        elif types.get(key) == FieldType.YES_NO and isinstance(value, bool):
            converted[key] = "yes" if value else "no"
        elif value is None:
            continue
        else:
            converted[key] = value if isinstance(value, str) else str(value)
    return converted
