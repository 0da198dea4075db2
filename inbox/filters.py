"""The filter forms of the inbox lists and the querysets they narrow.

Each list reads its filters from the query string (a plain GET form, also sent by
htmx), so a filtered page is a link that can be shared, reloaded or paged.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import cached_property

from orchestrations.models import Orchestration
from orchestrations.status import OPEN_RUN_STATUSES

# "#12" or "12": a run number. Nine digits at most, so it always fits the database.
RUN_NUMBER = re.compile(r"^#?\s*(\d{1,9})$")

# What one row of a work-item list shows, loaded with the row: its run and process,
# its step and that step's stage (the stage run's, without joining the stage run).
ROW_BASICS = ("run__orchestration", "step_run__step__stage")
ITEM_ROW_RELATED = (
    *ROW_BASICS,
    "assignee_user",
    "assignee_group",
    "claimed_by",
    "completed_by",
    "on_behalf_of",
)
# Fewer joins where a list needs fewer people: each costs time to plan and to load.
MY_WORK_ROW_RELATED = (*ROW_BASICS, "assignee_user", "assignee_group", "on_behalf_of")
QUEUE_ROW_RELATED = (*ROW_BASICS, "claimed_by")

# Soonest due first (so overdue items lead), items without a due date last, then
# the longest waiting.
DUE_ORDER = (F("due_at").asc(nulls_last=True), "assigned_at", "pk")
PROCESSES_AMONG = 1000


def end_of_week() -> dt.datetime:
    """Midnight at the end of this week's Sunday, in the site's time zone."""
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    return timezone.make_aware(dt.datetime.combine(monday, dt.time.min))


def search_condition(text: str, run_field: str = "") -> Q:
    """Runs (or items, through `run_field`) whose label or record matches `text`, or run
    #`text`."""
    prefix = f"{run_field}__" if run_field else ""
    condition = Q(**{f"{prefix}record_label__icontains": text})
    condition |= Q(**{f"{prefix}label__icontains": text})
    if number := RUN_NUMBER.match(text):
        condition |= Q(**{f"{prefix}pk": int(number[1])})
    return condition


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Label, record or run #", "autocomplete": "off"}
        ),
    )

    # Fields that narrow the list (shown as "filtered", cleared by "Clear filters").
    narrowing: tuple[str, ...] = ("q",)

    @cached_property
    def values(self) -> dict[str, Any]:
        """The valid values; a bad one (say, an unknown process) is ignored."""
        self.is_valid()
        return self.cleaned_data

    @property
    def active(self) -> bool:
        return any(self.values.get(name) for name in self.narrowing)

    def search(self, rows: models.QuerySet, run_field: str = "") -> models.QuerySet:
        text = (self.values.get("q") or "").strip()
        return rows.filter(search_condition(text, run_field)) if text else rows


class WorkItemFilters(SearchForm):
    """My work and team queues: process, overdue, due this week, search."""

    orchestration = forms.ModelChoiceField(
        label="Process",
        queryset=Orchestration.objects.none(),
        required=False,
        empty_label="All processes",
    )
    overdue = forms.BooleanField(label="Overdue only", required=False)
    due_this_week = forms.BooleanField(label="Due this week", required=False)

    narrowing = ("q", "orchestration", "overdue", "due_this_week")

    def __init__(self, data: Any, *, items: models.QuerySet) -> None:
        super().__init__(data)
        # The processes that occur in the list (read when the select is drawn): among its
        # first PROCESSES_AMONG items, so that a queue of 100,000 is not read for them,
        # and always the one chosen.
        nearest = items.order_by(*DUE_ORDER).values("run__orchestration")[:PROCESSES_AMONG]
        offered = Q(pk__in=nearest)
        chosen = str(self.data.get("orchestration", ""))
        if chosen.isdigit() and len(chosen) < 10:
            offered |= Q(pk=int(chosen))
        self.fields["orchestration"].queryset = Orchestration.objects.filter(offered)  # type: ignore[attr-defined]

    def apply(self, items: models.QuerySet) -> models.QuerySet:
        values = self.values
        if values.get("orchestration"):
            items = items.filter(run__orchestration=values["orchestration"])
        if values.get("overdue"):
            items = items.filter(due_at__lt=timezone.now())
        if values.get("due_this_week"):
            items = items.filter(due_at__lt=end_of_week())
        return self.search(items, run_field="run")


class CompletedFilters(SearchForm):
    def apply(self, items: models.QuerySet) -> models.QuerySet:
        return self.search(items, run_field="run")


class RequestFilters(SearchForm):
    """My requests: open (the default), finished or all runs; search."""

    SHOW_CHOICES = [("open", "Open"), ("finished", "Finished"), ("all", "All")]

    show = forms.ChoiceField(choices=SHOW_CHOICES, required=False, widget=forms.HiddenInput)

    @property
    def shown(self) -> str:
        return self.values.get("show") or "open"

    def apply(self, runs: models.QuerySet) -> models.QuerySet:
        if self.shown == "open":
            runs = runs.filter(status__in=OPEN_RUN_STATUSES)
        elif self.shown == "finished":
            runs = runs.exclude(status__in=OPEN_RUN_STATUSES)
        return self.search(runs)
