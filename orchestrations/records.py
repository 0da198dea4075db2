"""The records runs are about, as the people who start runs see them: which model a
version's runs are about, who may pick which record, how records are searched, and
which fields a new one needs.

A host model says how it takes part with class attributes, all optional:

- `handoff_owner_field`: the foreign key to the person who owns a record (else a
  foreign key to users called `owner`). Owners follow their records' runs in
  *My requests*, are participants of those runs (`orchestrations.visibility`), and may
  pick their own records when they start a run.
- `handoff_search_fields`: the fields the Start page's type-ahead searches
  (lookups like `"applicant__username"` work); else every text field of the model.
- `handoff_create_fields`: the fields a person fills in to create a record on the
  Start page (when the orchestration allows it); without them no record is created there.

**Who may pick which record** (asked by the Start page, its type-ahead and `run_start`):
holders of the start permission (`orchestrations.add_run`) or of the model's view
permission may pick any record of the model; anyone else only the records they own.
Creating one takes the start permission or the model's add permission.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q, QuerySet

from .models import Version
from .models.choices import TriggerType

START_PERMISSION = "orchestrations.add_run"
OWNER_FIELD = "handoff_owner_field"
SEARCH_FIELDS = "handoff_search_fields"
CREATE_FIELDS = "handoff_create_fields"
PICK_LIMIT = 20  # records the type-ahead lists at once
TEXT_FIELDS = (models.CharField, models.TextField)


def start_record_model(version: Version) -> type[models.Model] | None:
    """The model of the record a person picks (or creates) when starting a run of
    `version` by hand; None when its runs start without one (or from records)."""
    if version.trigger_type != TriggerType.MANUAL or not version.trigger_model:
        return None
    try:
        return apps.get_model(version.trigger_model)
    except (LookupError, ValueError):
        return None


def owner_field(model: type[models.Model]) -> str | None:
    """The field naming who owns a record of `model`: `handoff_owner_field`, else a
    foreign key to users called `owner`; None when records have no owner."""
    name = getattr(model, OWNER_FIELD, None)
    if name:
        return str(name)
    field = next((f for f in model._meta.fields if f.name == "owner"), None)
    if field is not None and field.related_model is get_user_model():
        return "owner"
    return None


@lru_cache(maxsize=1)
def owner_fields() -> tuple[tuple[type[models.Model], str], ...]:
    """Every installed model whose records have an owner, with its owner field."""
    found = ((model, owner_field(model)) for model in apps.get_models())
    return tuple((model, name) for model, name in found if name)


def record_owner_id(run: Any) -> int | None:
    """The id of the user who owns `run`'s record, if its model names an owner (the
    record is fetched once per run object)."""
    from .engine.context import run_record

    if run.record_type_id is None:
        return None
    model = run.record_type.model_class() if run.record_type else None
    name = owner_field(model) if model is not None else None
    if name is None:
        return None
    record = run_record(run)
    return getattr(record, f"{name}_id", None) if record is not None else None


def pickable_records(user: Any, model: type[models.Model]) -> QuerySet[Any]:
    """The records of `model` that `user` may pick when starting a run (see the rule
    above); none for an anonymous or inactive user."""
    everything = model._default_manager.all()
    if not _active(user):
        return everything.none()
    opts = model._meta
    if user.has_perm(START_PERMISSION) or user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
        return everything
    owner = owner_field(model)
    return everything.filter(**{owner: user}) if owner else everything.none()


def may_pick(user: Any, record: models.Model) -> bool:
    return pickable_records(user, type(record)).filter(pk=record.pk).exists()


def may_create(user: Any, model: type[models.Model]) -> bool:
    """Whether `user` may create a record of `model` on the Start page (when the
    orchestration allows it and the model names its fields)."""
    opts = model._meta
    return (
        bool(create_fields(model))
        and _active(user)
        and (
            user.has_perm(START_PERMISSION)
            or user.has_perm(f"{opts.app_label}.add_{opts.model_name}")
        )
    )


def create_fields(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(getattr(model, CREATE_FIELDS, None) or ())


def search_records(records: QuerySet[Any], text: str) -> QuerySet[Any]:
    """`records` whose search fields contain `text` (any case), or whose number it is;
    all of them for an empty text. In the model's order, then by number."""
    model = records.model
    text = text.strip()
    ordered = records.order_by(*(model._meta.ordering or ()), "pk")
    if not text:
        return ordered
    found = Q()
    for name in search_fields(model):
        found |= Q(**{f"{name}__icontains": text})
    if text.isdigit() and len(text) < 19:  # a number, not past the largest key
        found |= Q(pk=int(text))
    return ordered.filter(found) if found else ordered.none()


def search_fields(model: type[models.Model]) -> tuple[str, ...]:
    declared = getattr(model, SEARCH_FIELDS, None)
    if declared:
        return tuple(declared)
    return tuple(
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, TEXT_FIELDS) and f.name != "password"
    )


def _active(user: Any) -> bool:
    return (
        user is not None
        and not isinstance(user, AnonymousUser)
        and bool(getattr(user, "is_active", False))
    )
