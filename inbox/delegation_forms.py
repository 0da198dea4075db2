"""The "Out of office" form: who covers for me, from when, until when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms

from orchestrations.engine import handover
from orchestrations.engine.delegation import away_all_along, overlapping, range_phrase
from orchestrations.engine.handover import Targets
from orchestrations.naming import person_name
from orchestrations.picker import PickerForm, TargetField, search_initial, shown_refusal

# A typo in the year should not send someone's work away for a decade.
LONGEST_ABSENCE = dt.timedelta(days=366)


def date_input(today: dt.date) -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "min": today.isoformat()})


class DelegationForm(PickerForm):
    """Validates a new out-of-office for `user`; `warning` says what to know after
    saving (the delegate is away themself for part of the time). The delegate is
    searched among the members who share one of `user`'s teams (`engine.handover`)."""

    pick_field = "delegate"

    delegate = TargetField(
        people_only=True,
        label="Choose",
        error_messages={
            "required": "Choose the colleague who covers for you.",
            "invalid": "Choose an active colleague other than yourself.",
        },
    )
    starts_on = forms.DateField(label="From", error_messages={"required": "Enter the first day."})
    ends_on = forms.DateField(
        label="Until",
        help_text="Your last day away (included).",
        error_messages={"required": "Enter your last day away."},
    )
    note = forms.CharField(
        label="Note (optional)",
        max_length=200,
        required=False,
        help_text="Your delegate sees it, e.g. “On holiday, back Monday”.",
    )

    def __init__(self, *args: Any, user: Any, today: dt.date, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"starts_on": today})
        super().__init__(*args, **kwargs)
        self.user, self.today, self.warning = user, today, ""
        self.fields["find"].label = "Who covers for you"
        self.fields["find"].help_text = "A colleague from one of your teams."
        self.fields["starts_on"].widget = date_input(today)
        self.fields["ends_on"].widget = date_input(today)

    @classmethod
    def searching(cls, data: Mapping[str, Any], *, user: Any, today: dt.date) -> DelegationForm:
        """The form after a search: what was typed, no errors yet."""
        names = ["find", "delegate", "starts_on", "ends_on", "note"]
        return cls(initial=search_initial(data, None, names), user=user, today=today)

    def targets(self) -> Targets:
        return handover.delegate_targets(self.user)

    def engine_arguments(self) -> dict[str, Any]:
        """What `delegation_create` takes besides the user."""
        data = self.cleaned_data
        return {name: data[name] for name in ("delegate", "starts_on", "ends_on", "note")}

    def clean_delegate(self) -> Any:
        delegate = self.cleaned_data["delegate"]
        refusal = handover.delegate_refusal(self.user, delegate)
        if refusal is not None:
            raise forms.ValidationError(shown_refusal(refusal, self.fields["delegate"]))
        return delegate

    def clean_starts_on(self) -> dt.date:
        starts_on = self.cleaned_data["starts_on"]
        if starts_on < self.today:
            raise forms.ValidationError("The first day can't be in the past.")
        return starts_on

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on is None or ends_on is None:
            return data
        if ends_on < starts_on:
            self.add_error("ends_on", "The last day can't be before the first day.")
            return data
        if ends_on - starts_on >= LONGEST_ABSENCE:
            self.add_error("ends_on", "Choose a last day within a year of the first.")
            return data
        clash = overlapping(self.user, starts_on, ends_on).select_related("delegate").first()
        if clash is not None:
            self.add_error(
                "starts_on",
                f"You are already away {range_phrase(clash.starts_on, clash.ends_on)} "
                f"({person_name(clash.delegate)} covers). Choose other days, or end that "
                "one first.",
            )
            return data
        if data.get("delegate") is not None:
            self._check_delegate_is_in(data["delegate"], starts_on, ends_on)
        return data

    def _check_delegate_is_in(self, delegate: Any, starts_on: dt.date, ends_on: dt.date) -> None:
        """Refuse a delegate who is away all along (the work would silently go to
        whoever covers for them); warn when they are away for part of the time."""
        name = person_name(delegate)
        if away_all_along(delegate, starts_on, ends_on):
            self.add_error(
                "delegate",
                f"{name} is away on all of those days; choose a colleague who is in.",
            )
            return
        absences = list(overlapping(delegate, starts_on, ends_on).select_related("delegate"))
        if absences:
            when = "; ".join(
                f"{range_phrase(a.starts_on, a.ends_on)}, {person_name(a.delegate)} covering"
                for a in absences
            )
            self.warning = (
                f"{name} is away for part of that time ({when}): on those days your new "
                f"work goes to whoever covers for {name}."
            )

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:  # point each invalid field at its error message
            if name in self.fields:
                bound = self[name]
                described = f"{bound.auto_id}_error"
                if self.fields[name].help_text:
                    described += f" {bound.auto_id}_helptext"
                self.fields[name].widget.attrs["aria-describedby"] = described
