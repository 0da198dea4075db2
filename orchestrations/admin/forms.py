"""Forms of the admin's intermediate pages: why a run is canceled, who gets a work item."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group


class CancelRunsForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Written to each run's timeline. Optional.",
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: Any) -> str:
        full_name = user.get_full_name()
        return f"{full_name} ({user.username})" if full_name else user.username


class ReassignForm(forms.Form):
    """Give work items to exactly one user or one team queue, saying why."""

    to_user = UserChoiceField(
        label="User",
        required=False,
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
    )
    to_group = forms.ModelChoiceField(
        label="Team queue", required=False, queryset=Group.objects.order_by("name")
    )
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="The new assignee reads it in their notification; the timeline keeps it.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        to_user, to_group = cleaned.get("to_user"), cleaned.get("to_group")
        if "to_user" in cleaned and "to_group" in cleaned:
            if to_user is None and to_group is None:
                self.add_error("to_user", "Pick a user or a team queue.")
            elif to_user is not None and to_group is not None:
                self.add_error("to_group", "Pick a user or a team queue, not both.")
        return cleaned
