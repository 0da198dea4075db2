"""The inbox's forms: a step's form (built from its definition), reassign, comment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from orchestrations import limits
from orchestrations.fields import FieldDef, build_form_class
from orchestrations.membership import is_member
from orchestrations.models.choices import FieldType

COMMENT_MAX_LENGTH = 5000


def step_form(
    fields: Iterable[FieldDef],
    *,
    data: Mapping[str, Any] | None = None,
    values: Mapping[str, Any] | None = None,
) -> forms.Form:
    """The step's form: bound to `data` (a submit to validate), or showing `values`
    (a draft, or what somebody typed on a page that went stale)."""
    fields = tuple(fields)
    form_class = build_form_class(fields, name="StepForm")
    if data is not None:
        return form_class(data=data)
    return form_class(initial=initial_values(fields, values))


def typed_values(fields: Iterable[FieldDef], data: Mapping[str, Any]) -> dict[str, Any]:
    """The values of the step's fields as typed, unvalidated (lists for multi-value
    fields), but storable: a draft keeps what the person typed, not what the database
    would refuse."""
    values: dict[str, Any] = {}
    for spec in fields:
        if spec.type == FieldType.MULTI_CHOICE:
            getlist = getattr(data, "getlist", None)
            raw = getlist(spec.key) if getlist else data.get(spec.key, [])
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


def initial_values(fields: Iterable[FieldDef], values: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the fields start with: the given values if any (typed, or as stored when a
    step was completed), else each field's default."""
    if values:
        return {spec.key: _as_initial(spec, values.get(spec.key)) for spec in fields}
    return {
        spec.key: _as_initial(spec, spec.default) for spec in fields if spec.default is not None
    }


def _as_initial(spec: FieldDef, value: Any) -> Any:
    if spec.type == FieldType.YES_NO and isinstance(value, bool):
        return "yes" if value else "no"
    return value


class PersonChoiceField(forms.ModelChoiceField):
    """A choice of user, labelled "Full Name (username)" so namesakes differ."""

    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


class ReassignForm(forms.Form):
    to_user = PersonChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="To a person",
        empty_label="—",
    )
    to_group = forms.ModelChoiceField(
        queryset=Group.objects.none(), required=False, label="Or to a team", empty_label="—"
    )
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The new assignee sees this in their email and in the run's timeline.",
    )

    def __init__(self, *args: Any, item: Any = None, **kwargs: Any):
        kwargs.setdefault("prefix", "reassign")
        super().__init__(*args, **kwargs)
        self.item = item
        users = get_user_model().objects.filter(is_active=True)
        self.fields["to_user"].queryset = users.order_by("first_name", "last_name", "username")  # type: ignore[attr-defined]
        self.fields["to_group"].queryset = Group.objects.order_by("name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        user, group = cleaned.get("to_user"), cleaned.get("to_group")
        if "to_user" in self.errors or "to_group" in self.errors:
            return cleaned
        if user is None and group is None:
            self.add_error("to_user", "Choose a person or a team.")
        elif user is not None and group is not None:
            self.add_error("to_group", "Choose a person or a team, not both.")
        elif self.item is not None and self._is_current(user, group):
            field = "to_user" if user is not None else "to_group"
            self.add_error(field, "The item is already assigned there.")
        return cleaned

    def engine_arguments(self) -> dict[str, Any]:
        """What `work_item_reassign` takes: to_user or to_group, and the reason."""
        data = self.cleaned_data
        return {"to_user": data["to_user"], "to_group": data["to_group"], "reason": data["reason"]}

    @property
    def target(self) -> Any:
        return self.cleaned_data.get("to_user") or self.cleaned_data.get("to_group")

    def _is_current(self, user: Any, group: Any) -> bool:
        item = self.item
        if user is not None:
            return bool(item.assignee_user_id == user.pk and not item.claimed_by_id)
        return bool(
            item.assignee_group_id == group.pk
            and not item.assignee_user_id
            and not item.claimed_by_id
        )


INTERNAL, SHARED = "internal", "shared"


class CommentForm(forms.Form):
    """A comment; a member chooses whether the run's participants read it too (internal
    by default). An outside participant's comments are always shared: no choice."""

    body = forms.CharField(
        label="Add a comment",
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write something before adding the comment."},
    )
    shared = forms.ChoiceField(
        label="Who reads it",
        choices=[
            (INTERNAL, "Internal: members of the staff only"),
            (SHARED, "Shared: the run's participants (e.g. the applicant) read it too"),
        ],
        initial=INTERNAL,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, author: Any, **kwargs: Any):
        kwargs.setdefault("auto_id", "comment_%s")
        super().__init__(*args, **kwargs)
        if not is_member(author):
            del self.fields["shared"]

    def clean_shared(self) -> bool:
        return bool(self.cleaned_data.get("shared") == SHARED)
