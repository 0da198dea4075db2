"""Who owns a run's record: the person a request is about follows it (My requests) and
is one of the run's participants (`orchestrations.visibility`)."""

from __future__ import annotations

from functools import lru_cache

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from .engine.context import run_record
from .models import Run


@lru_cache(maxsize=1)
def owner_fields() -> tuple[tuple[type[models.Model], str], ...]:
    """(model, field) pairs naming who owns a record: the field a model names in
    `handoff_owner_field`, else a foreign key to users called `owner`."""
    user_model = get_user_model()
    found = []
    for model in apps.get_models():
        name = getattr(model, "handoff_owner_field", None)
        if name is None:
            field = next((f for f in model._meta.fields if f.name == "owner"), None)
            if field is not None and field.related_model is user_model:
                name = "owner"
        if name:
            found.append((model, name))
    return tuple(found)


def record_owner_id(run: Run) -> int | None:
    """The id of the user who owns `run`'s record, if its model names an owner (the
    record is fetched once per run object)."""
    if run.record_type_id is None:
        return None
    fields = dict(owner_fields())
    model = run.record_type.model_class() if run.record_type else None
    if model not in fields:
        return None
    record = run_record(run)
    return getattr(record, f"{fields[model]}_id", None) if record is not None else None


__all__ = ["owner_fields", "record_owner_id"]
