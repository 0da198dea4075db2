"""Typed values people enter (form fields, input variables): Django form fields,
and the JSON form in which values are stored on work items, step outputs and runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.datastructures import MultiValueDict

from . import limits
from .models.choices import FieldType
from .naming import person_named

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
    # Who sees the answer later ("": as its step says; see orchestrations.visibility).
    visibility: str = ""
    visibility_group_ids: frozenset[int] = frozenset()
    min_value: int | float | None = None  # numbers only
    max_value: int | float | None = None


def field_def(
    spec: FormField | InputVariable, *, visibility_group_ids: frozenset[int] = frozenset()
) -> FieldDef:
    """The stored form field or input variable as the forms that ask for it are built from
    it (the teams a form field is shown to, when given: read from the database by the
    caller, which can fetch them for a whole version at once)."""
    return FieldDef(
        key=spec.key,
        label=spec.label,
        type=spec.type,
        required=spec.required,
        choices=tuple(spec.choices or ()),
        help_text=spec.help_text,
        default=spec.default,
        visibility=getattr(spec, "visibility", ""),
        visibility_group_ids=visibility_group_ids,
        min_value=spec.min_value,
        max_value=spec.max_value,
    )


YES_NO_CHOICES = [("yes", "Yes"), ("no", "No")]
# Django's own wording without the value: a submitted value is not echoed back, whatever its size.
NOT_A_CHOICE = {"invalid_choice": "Select a valid choice. That choice is not one of the choices."}


def form_field(spec: FieldDef) -> forms.Field:
    """The Django form field that asks a person for one value of this spec, limited to
    what can be stored (`orchestrations.limits`): the HTML form gets the same limits
    (maxlength, min and max), so a person sees them before submitting."""
    common: dict[str, Any] = {
        "label": spec.label,
        "required": spec.required,
        "help_text": spec.help_text,
    }
    text = {**common, "validators": [limits.refuse_lone_surrogates]}
    choices = [(c, c) for c in spec.choices]
    match spec.type:
        case FieldType.LONG_TEXT:
            return forms.CharField(
                max_length=limits.LONG_TEXT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 4}),
                **text,
            )
        case FieldType.NUMBER:
            # The designer's range, inside what can be stored; a bound the designer did
            # not set is the storage limit, with its own message.
            low, high = spec.min_value, spec.max_value
            messages = {"min_value": limits.NUMBER_MESSAGE} if low is None else {}
            messages |= {"max_value": limits.NUMBER_MESSAGE} if high is None else {}
            return forms.IntegerField(
                min_value=-limits.NUMBER_LIMIT if low is None else int(low),
                max_value=limits.NUMBER_LIMIT if high is None else int(high),
                error_messages=messages,
                **common,
            )
        case FieldType.DECIMAL:
            return forms.DecimalField(
                max_digits=limits.DECIMAL_MAX_DIGITS,
                decimal_places=limits.DECIMAL_PLACES,
                min_value=None if spec.min_value is None else Decimal(str(spec.min_value)),
                max_value=None if spec.max_value is None else Decimal(str(spec.max_value)),
                **common,
            )
        case FieldType.DATE:
            return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        case FieldType.DATETIME:
            widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
            return forms.DateTimeField(widget=widget, **common)
        case FieldType.YES_NO:
            return forms.ChoiceField(
                choices=YES_NO_CHOICES if spec.required else [("", "—"), *YES_NO_CHOICES],
                widget=forms.RadioSelect,
                error_messages=NOT_A_CHOICE,
                **common,
            )
        case FieldType.CHOICE:
            # Nothing is chosen until the person chooses: a required choice must be made.
            blank = ("", "Choose…") if spec.required else ("", "—")
            return forms.ChoiceField(
                choices=[blank, *choices], error_messages=NOT_A_CHOICE, **common
            )
        case FieldType.MULTI_CHOICE:
            return forms.MultipleChoiceField(
                choices=choices,
                widget=forms.CheckboxSelectMultiple,
                error_messages=NOT_A_CHOICE,
                **common,
            )
        case FieldType.EMAIL:
            return forms.EmailField(max_length=limits.EMAIL_MAX_LENGTH, **text)
        case FieldType.URL:
            return forms.URLField(max_length=limits.URL_MAX_LENGTH, assume_scheme="https", **text)
        case FieldType.PERSON:
            return PersonField(**text)
        case _:
            return forms.CharField(max_length=limits.TEXT_MAX_LENGTH, **text)


class PersonField(forms.CharField):
    """Someone with an account, typed as their username or email address: cleaned to
    the username of an active person (`naming.person_named`), refused otherwise. The
    message does not repeat what was typed."""

    default_error_messages = {
        "unknown": "Nobody active has this username or email address: check the spelling.",
    }

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("max_length", limits.EMAIL_MAX_LENGTH)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("autocomplete", "off")

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        if not text:
            return text
        person = person_named(text)
        if person is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        return person.get_username()


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
        return list(dict.fromkeys(value))  # a choice ticked twice is one choice
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
    form_data, refused = _as_form_data(specs, data)
    form = build_form_class(specs)(data=form_data)
    if not form.is_valid() or refused:
        # A value refused before the form saw it was left out: its message, not "required".
        raise forms.ValidationError({**dict(form.errors.items()), **refused})
    return {s.key: to_json(s.type, form.cleaned_data.get(s.key)) for s in specs}


# What each type asks for, in "Enter text, not a list."
NOUNS: dict[str, str] = {
    FieldType.NUMBER: "a whole number",
    FieldType.DECIMAL: "a number",
    FieldType.DATE: "a date",
    FieldType.DATETIME: "a date and time",
    FieldType.YES_NO: "yes or no",
    FieldType.CHOICE: "one of the choices",
    FieldType.EMAIL: "an email address",
    FieldType.URL: "a URL",
    FieldType.PERSON: "a username or email address",
}


def _as_form_data(specs: list[FieldDef], data: Mapping[str, Any]) -> tuple[Any, dict[str, str]]:
    """Accept both a QueryDict from a request (text already) and a plain dict from code,
    whose values become text for the form. Values that cannot honestly become text
    (a list for a single value, a number too long to print) are refused by field key."""
    if hasattr(data, "getlist"):
        return data, {}
    converted: MultiValueDict[str, Any] = MultiValueDict()
    refused: dict[str, str] = {}
    for spec in specs:
        value = data.get(spec.key)
        if value is None:
            continue
        if spec.type == FieldType.MULTI_CHOICE:
            choices, problem = _choices_of(value)
            converted.setlist(spec.key, choices)
        elif spec.type == FieldType.YES_NO and isinstance(value, bool):
            converted[spec.key], problem = ("yes" if value else "no"), ""
        else:
            converted[spec.key], problem = _text_of(spec, value)
        if problem:
            refused[spec.key] = problem
    return converted, refused


def _text_of(spec: FieldDef, value: Any) -> tuple[str, str]:
    """One value as the text a person would have typed, or the reason it has none."""
    noun = NOUNS.get(spec.type, "text")
    if isinstance(value, str):
        return value, ""
    if isinstance(value, Mapping):
        return "", f"Enter {noun}, not an object."
    if isinstance(value, list | tuple | set | frozenset):
        return "", f"Enter {noun}, not a list."
    if isinstance(value, bytes | bytearray):
        return "", f"Enter {noun}, not bytes."
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        # Longer than any limit below, and past ~4300 digits str() itself refuses.
        if spec.type == FieldType.NUMBER:
            return "", limits.NUMBER_MESSAGE
        if spec.type == FieldType.DECIMAL:
            return "", limits.DECIMAL_DIGITS_MESSAGE
        return "", "This number has too many digits to store."
    return str(value), ""


def _choices_of(value: Any) -> tuple[list[str], str]:
    """The choices of a multi-choice value: a list of them, or one on its own."""
    if isinstance(value, Mapping):
        return [], "Enter a list of choices, not an object."
    items = list(value) if isinstance(value, list | tuple | set | frozenset) else [value]
    if not all(isinstance(item, str | int | float | Decimal) for item in items):
        return [], "Each choice must be one of the choices, not a list or an object."
    return [item if isinstance(item, str) else str(item) for item in items], ""


def typed_values(fields: Iterable[FieldDef], data: Mapping[str, Any]) -> dict[str, Any]:
    """The values of the step's fields as typed, unvalidated (lists for multi-value
    fields), but storable: a draft keeps what the person typed, not what the database
    would refuse."""
    values: dict[str, Any] = {}
    for spec in fields:
        if spec.type == FieldType.MULTI_CHOICE:
            getlist = getattr(data, "getlist", None)
            raw = getlist(spec.key) if getlist else data.get(spec.key, [])
            raw = [raw] if isinstance(raw, str) else raw
            values[spec.key] = [_storable(str(v)) for v in (raw or [])]
        else:
            value = data.get(spec.key, "")
            values[spec.key] = "" if value is None else _storable(str(value))
    return values


def _storable(text: str) -> str:
    """Typed text without NUL characters and lone surrogates (PostgreSQL refuses both),
    and no longer than any field may be; submitting still validates it all."""
    text = text[: limits.LONG_TEXT_MAX_LENGTH].replace("\x00", "")
    return text.encode("utf-8", "ignore").decode("utf-8")
