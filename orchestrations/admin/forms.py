"""Forms of the admin's intermediate pages: why a run is canceled, who gets a work item."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.models import Group

from ..engine import handover
from ..engine.handover import Targets
from ..picker import PickerForm, TargetField, search_initial


class CancelRunsForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Written to each run's timeline. Optional.",
    )


class ReassignForm(PickerForm):
    """Give work items to exactly one user or one team queue, saying why. The type-ahead
    searches every member and team (support staff hold the reassign permission); the
    engine still judges each item, and says why it refused one."""

    to = TargetField(label="User or team queue", required=False)
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="The new assignee reads it in their notification; the timeline keeps it.",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["find"].label = "Find a user or team"
        self.fields["find"].help_text = "Part of a name or username, or of a team's name."

    @classmethod
    def searching(cls, data: Mapping[str, Any], *, user: Any) -> ReassignForm:
        """The form after a search: what was typed, no errors yet."""
        return cls(initial=search_initial(data, None, ["find", "to", "reason"]), user=user)

    def targets(self) -> Targets:
        return handover.support_targets(self.user)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "to" not in self.errors and cleaned.get("to") is None:
            self.add_error("to", "Pick a user or a team queue.")
        return cleaned

    def engine_targets(self) -> dict[str, Any]:
        target = self.cleaned_data["to"]
        if isinstance(target, Group):
            return {"to_user": None, "to_group": target}
        return {"to_user": target, "to_group": None}
