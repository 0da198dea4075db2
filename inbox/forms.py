"""The inbox's forms: a step's form (built from its definition), reassign, comment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.contrib.auth.models import Group

from orchestrations.engine import handover
from orchestrations.engine.handover import Targets
from orchestrations.fields import FieldDef, build_form_class
from orchestrations.membership import is_member
from orchestrations.models.choices import FieldType
from orchestrations.picker import PickerForm, TargetField, search_initial, shown_refusal

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


class ReassignForm(PickerForm):
    """Whom to give `item` to, and why: one person or team, searched among those `user`
    may hand it to (`engine.handover`), whose refusal is shown next to the choice."""

    to = TargetField(required=False, label="Choose")
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The new assignee sees this in their email and in the run's timeline.",
    )

    def __init__(self, *args: Any, item: Any, user: Any, **kwargs: Any):
        kwargs.setdefault("prefix", "reassign")
        super().__init__(*args, **kwargs)
        self.item, self.user = item, user
        self.fields["find"].label = "To a person or a team"

    @classmethod
    def searching(cls, data: Mapping[str, Any], *, item: Any, user: Any) -> ReassignForm:
        """The form after a search: what was typed, no errors yet."""
        initial = search_initial(data, "reassign", ["find", "to", "reason"])
        return cls(initial=initial, item=item, user=user)

    def targets(self) -> Targets:
        return handover.reassign_targets(self.user, self.item)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        target = cleaned.get("to")
        if "to" in self.errors:
            return cleaned
        if target is None:
            self.add_error("to", "Choose a person or a team.")
        elif self._is_current(target):
            self.add_error("to", "The item is already assigned there.")
        else:
            refusal = handover.reassign_refusal(self.user, self.item, **self.engine_targets())
            if refusal is not None:
                self.add_error("to", shown_refusal(refusal, self.fields["to"]))
        return cleaned

    def engine_targets(self) -> dict[str, Any]:
        target = self.cleaned_data.get("to")
        if isinstance(target, Group):
            return {"to_user": None, "to_group": target}
        return {"to_user": target, "to_group": None}

    def engine_arguments(self) -> dict[str, Any]:
        """What `work_item_reassign` takes: to_user or to_group, and the reason."""
        return {**self.engine_targets(), "reason": self.cleaned_data["reason"]}

    @property
    def target(self) -> Any:
        return self.cleaned_data.get("to")

    def _is_current(self, target: Any) -> bool:
        item = self.item
        if item.claimed_by_id:
            return False
        if isinstance(target, Group):
            return bool(item.assignee_group_id == target.pk and not item.assignee_user_id)
        return bool(item.assignee_user_id == target.pk)


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
