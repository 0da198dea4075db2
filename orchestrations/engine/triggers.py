"""Records and runs: start record-triggered runs, and re-check a record's open runs
when it is saved (conditions may read `record` and `changed("field")`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from ..conditions import ConditionError, evaluate_condition
from ..exceptions import HandoffError
from ..models import Run, Version
from ..models.definitions import TriggerOn, TriggerType
from ..status import RunStatus, VersionStatus
from .locking import locked_run
from .progress import advance
from .runs import DuplicateRunError, run_start

logger = logging.getLogger(__name__)

# Which models matter is read from the database at most this often per process
# (and at once after an activation or a run start in this process).
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


def _refresh() -> None:
    from django.contrib.contenttypes.models import ContentType

    _watch.triggered = set(
        Version.objects.filter(status=VersionStatus.ACTIVE, trigger_type=TriggerType.RECORD)
        .values_list("trigger_model", flat=True)
    )
    type_ids = Run.objects.exclude(record_type=None).values_list("record_type", flat=True).distinct()
    _watch.with_runs = {
        f"{ct.app_label}.{ct.model_class().__name__}"
        for ct in ContentType.objects.filter(pk__in=list(type_ids))
        if ct.model_class() is not None
    }
    _watch.expires = time.monotonic() + WATCH_SECONDS


def record_saved(
    record: models.Model, *, created: bool, changed_fields: Collection[str] | None = None
) -> list[Run]:
    """Start the record-triggered runs whose start condition holds, then re-check the
    record's open runs. Called after the save commits; returns the runs started."""
    started = []
    for version in _triggered_versions(record, created=created):
        namespaces = {"record": record, "vars": {}, "steps": {}, "run": {}}
        try:
            condition = version.trigger_condition.strip()
            if condition and not evaluate_condition(
                condition, namespaces, changed_fields=None if created else changed_fields
            ):
                continue
            started.append(run_start(version, record=record))
        except DuplicateRunError:
            continue
        except (ConditionError, HandoffError, ValidationError) as error:
            logger.warning("Not starting %s for %r: %s", version, record, error)
    if started:
        forget_watched_models()
    for run_id in (
        Run.objects.for_record(record)
        .filter(status=RunStatus.IN_PROGRESS)
        .exclude(pk__in=[r.pk for r in started])
        .values_list("pk", flat=True)
    ):
        with locked_run(run_id) as run:
            label = str(record)[:300]
            if run.record_label != label:
                run.record_label = label
                run.save(update_fields=["record_label", "updated_at"])
            run.__dict__["_record_cache"] = {"record": record}
            advance(run, changed_fields=changed_fields or ())
    return started


def _triggered_versions(record: models.Model, *, created: bool) -> list[Version]:
    if record._meta.label not in _watch.triggered:
        return []
    wanted = [TriggerOn.BOTH, TriggerOn.CREATED if created else TriggerOn.UPDATED]
    return list(
        Version.objects.filter(
            status=VersionStatus.ACTIVE,
            trigger_type=TriggerType.RECORD,
            trigger_model=record._meta.label,
            trigger_on__in=wanted,
        ).select_related("orchestration")
    )


def changed_field_names(before: dict[str, Any] | None, record: models.Model) -> set[str]:
    if before is None:
        return set()
    return {
        f.name
        for f in record._meta.concrete_fields
        if f.attname in before and before[f.attname] != getattr(record, f.attname)
    }
