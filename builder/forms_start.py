"""What the Start run page asks: the record a run is about (picked with the type-ahead,
or created where the orchestration and the model allow it) and the input variables.

Everything is checked before a run exists and every problem comes back next to its
field with all typed values kept. A search (the type-ahead without JavaScript) shows
the page again with what was typed, unchecked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models

from inbox.forms import initial_values
from orchestrations.fields import PersonField, build_form_class, field_def, typed_values
from orchestrations.models import Run, Version
from orchestrations.naming import person_named
from orchestrations.records import (
    PICK_LIMIT,
    create_fields,
    may_create,
    pickable_records,
    search_records,
    start_record_model,
)

NEW = "new"  # the value of the record choice that creates one


class PersonChoiceField(PersonField):
    """A foreign key to a person, typed as a username or email address (a list of
    every account is never shown): cleaned to the user."""

    def clean(self, value: Any) -> Any:
        username = super().clean(value)
        return person_named(username) if username else None


def _record_form_field(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    if isinstance(db_field, models.ForeignKey) and db_field.related_model is get_user_model():
        label = str(db_field.verbose_name).capitalize()
        help_text = db_field.help_text or "Their username or email address."
        return PersonChoiceField(label=label, required=not db_field.blank, help_text=help_text)
    return db_field.formfield(**kwargs)


def record_create_form(
    model: type[models.Model], data: Mapping[str, Any] | None = None
) -> forms.ModelForm:
    """A small form for a new record: the fields the model names, checked by the
    model's own validation; bound to `data` or showing what was typed there."""
    form_class = forms.modelform_factory(
        model, fields=create_fields(model), formfield_callback=_record_form_field
    )
    if data is not None:
        return form_class(data, prefix=NEW, auto_id="start_%s")
    return form_class(prefix=NEW, auto_id="start_%s")


@dataclass(frozen=True)
class RecordRow:
    record: models.Model
    open_run: Run | None  # an open run that keeps this record from starting another


@dataclass(frozen=True)
class RecordResults:
    rows: list[RecordRow]
    more: bool  # more records match than are listed
    query: str


def record_results(version: Version, user: Any, query: str, chosen: str = "") -> RecordResults:
    """At most PICK_LIMIT records `user` may pick that match `query`, the one already
    chosen first (a new search keeps the choice); each with the open run that would
    refuse a second one, when the orchestration allows only one per record."""
    model = start_record_model(version)
    if model is None:
        return RecordResults([], False, query)
    pickable = pickable_records(user, model)
    found = list(search_records(pickable, query[:200])[: PICK_LIMIT + 1])
    more = len(found) > PICK_LIMIT
    found = found[:PICK_LIMIT]
    if chosen.isdigit() and all(str(r.pk) != chosen for r in found):
        kept = pickable.filter(pk=chosen).first()
        found = [kept, *found[: PICK_LIMIT - 1]] if kept is not None else found
    return RecordResults(_with_open_runs(version, model, found), more, query)


def _with_open_runs(
    version: Version, model: type[models.Model], found: list[models.Model]
) -> list[RecordRow]:
    if version.allow_concurrent_runs or not found:
        return [RecordRow(record, None) for record in found]
    open_runs = {
        run.record_id: run
        for run in Run.objects.open()
        .filter(
            orchestration_id=version.orchestration_id,
            record_type=ContentType.objects.get_for_model(model),
            record_id__in=[str(r.pk) for r in found],
        )
        .select_related("orchestration")
    }
    return [RecordRow(record, open_runs.get(str(record.pk))) for record in found]


class StartForms:
    """The record choice, the new record's form and the inputs of one Start page.

    `data` is a submission to check; otherwise `shown` (a search, or the first
    visit's query string) fills the page in without checking anything."""

    def __init__(
        self,
        version: Version,
        user: Any,
        *,
        data: Mapping[str, Any] | None = None,
        shown: Mapping[str, Any] | None = None,
    ):
        self.version, self.user, self.bound = version, user, data is not None
        values = data if data is not None else (shown or {})
        self.specs = [field_def(spec) for spec in version.inputs.all()]
        inputs_class = build_form_class(self.specs, name="StartRunForm")
        if data is not None:
            self.inputs = inputs_class(data, auto_id="start_%s")
        else:
            typed = typed_values(self.specs, values) if shown else None
            initial = initial_values(self.specs, {k: v for k, v in (typed or {}).items() if v})
            self.inputs = inputs_class(initial=initial, auto_id="start_%s")
        self.model = start_record_model(version)
        self.query = str(values.get("record_q", ""))[:200]
        self.chosen = str(values.get("record", ""))
        self.can_create = bool(
            self.model and version.record_create and may_create(user, self.model)
        )
        self.creating = self.can_create and self.chosen == NEW
        self.create: forms.ModelForm | None = None
        if self.can_create and self.model is not None:
            # Checked only when chosen; otherwise what was typed in it is shown again.
            self.create = record_create_form(self.model, data if self.creating else None)
            if not self.create.is_bound:
                self.create.initial = {
                    name: values.get(f"{NEW}-{name}", "") for name in self.create.fields
                }
        self.record_errors: list[str] = []
        self.picked: models.Model | None = None

    @property
    def what(self) -> str:
        """The record's kind, in words ("loan application")."""
        return str(self.model._meta.verbose_name) if self.model else ""

    @property
    def what_plural(self) -> str:
        return str(self.model._meta.verbose_name_plural) if self.model else ""

    def results(self) -> RecordResults:
        return record_results(self.version, self.user, self.query, self.chosen)

    def is_valid(self) -> bool:
        inputs_valid = self.inputs.is_valid()
        return self._record_valid() and inputs_valid

    def _record_valid(self) -> bool:
        if self.model is None:
            return True
        if self.creating:
            return self.create is not None and self.create.is_valid()
        if self.chosen.isdigit():
            self.picked = pickable_records(self.user, self.model).filter(pk=self.chosen).first()
        if self.picked is None:
            # One message whether it does not exist or is not this person's to pick.
            how = ", or create one" if self.can_create else ""
            self.record_errors.append(f"Choose one of the {self.what_plural} listed{how}.")
        return self.picked is not None

    def record(self) -> models.Model | None:
        """The chosen record; a new one is saved here (call inside the transaction that
        starts the run, so that a refused start leaves no record behind)."""
        if self.creating and self.create is not None:
            return self.create.save()
        return self.picked

    def add_errors(self, errors: Mapping[str, list[str]]) -> None:
        """Refusals from the engine, each next to its field."""
        for key, messages in errors.items():
            if key == "record":
                self.record_errors.extend(messages)
            else:
                self.inputs.add_error(key if key in self.inputs.fields else None, messages)
