"""Which models' saves matter to the engine: those with a record trigger, and
those that are the record of some run. Read from the database at most every few
seconds per process, and updated at once by activations and starts in this process."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.db import models

from ..models import Run, Version
from ..models.choices import TriggerType
from ..status import VersionStatus

WATCH_SECONDS = 5.0


@dataclass
class Watch:
    expires: float = 0.0
    triggered: set[str] = field(default_factory=set)  # app_label.ModelName with a trigger
    with_runs: set[str] = field(default_factory=set)  # models that are records of some run


_watch = Watch()


def forget_watched_models() -> None:
    _watch.expires = 0.0


def is_watched(model: type[models.Model]) -> bool:
    if time.monotonic() > _watch.expires:
        _refresh()
    label = model._meta.label
    return label in _watch.triggered or label in _watch.with_runs


def has_trigger(model: type[models.Model]) -> bool:
    if time.monotonic() > _watch.expires:
        _refresh()
    return model._meta.label in _watch.triggered


def _refresh() -> None:
    from django.contrib.contenttypes.models import ContentType

    _watch.triggered = set(
        Version.objects.filter(
            status=VersionStatus.ACTIVE, trigger_type=TriggerType.RECORD
        ).values_list("trigger_model", flat=True)
    )
    type_ids = (
        Run.objects.exclude(record_type=None).values_list("record_type", flat=True).distinct()
    )
    models_with_runs = (
        ct.model_class() for ct in ContentType.objects.filter(pk__in=list(type_ids))
    )
    _watch.with_runs = {model._meta.label for model in models_with_runs if model is not None}
    _watch.expires = time.monotonic() + WATCH_SECONDS


def note_record_model(model: type[models.Model]) -> None:
    """A run about a record of `model` was just started in this process."""
    _watch.with_runs.add(model._meta.label)
