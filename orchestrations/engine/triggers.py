"""Records and runs: start record-triggered runs, and re-check a record's open runs
when it is saved (conditions may read `record` and `changed("field")`)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from ..conditions import ConditionError, evaluate_condition
from ..exceptions import HandoffError
from ..models import Run, Version
from ..models.choices import TriggerOn, TriggerType
from ..status import RunStatus, VersionStatus
from . import arguments
from .labels import relabel
from .locking import locked_unit
from .progress import advance
from .runs import DuplicateRunError, run_start
from .watch import forget_watched_models, has_trigger, is_watched

logger = logging.getLogger(__name__)


def record_saved(
    record: models.Model, *, created: bool, changed_fields: Collection[str] | None = None
) -> list[Run]:
    """Start the record-triggered runs whose start condition holds, then bring the
    record's open runs up to date: their labels (suspended and failed runs too) and,
    for runs in progress, whatever the save lets start or end. Called after the save
    commits; returns the runs started."""
    record = arguments.instance(record, models.Model, argument="record")
    created = arguments.flag(created, argument="created")
    changed_fields = arguments.field_names(changed_fields, argument="changed_fields")
    started = []
    for version in _triggered_versions(record, created=created):
        namespaces = {"record": record, "vars": {}, "steps": {}, "run": {}}
        try:
            condition = version.trigger_condition.strip()
            if condition and not evaluate_condition(
                condition, namespaces, changed_fields=changed_fields
            ):
                continue
            started.append(run_start(version, record=record))
        except DuplicateRunError:
            continue
        except (ConditionError, HandoffError, ValidationError) as error:
            logger.warning("Not starting %s for %r: %s", version, record, error)
    for run_id in (
        Run.objects.for_record(record)
        .open()
        .exclude(pk__in=[r.pk for r in started])
        .values_list("pk", flat=True)
    ):
        with locked_unit(run_id) as unit:
            run = unit.run
            run.__dict__["_record_cache"] = {"record": record}
            relabel(run, unit.definition, record)
            if run.status == RunStatus.IN_PROGRESS:
                advance(unit, changed_fields=changed_fields or ())
    return started


def _triggered_versions(record: models.Model, *, created: bool) -> list[Version]:
    if not has_trigger(type(record)):
        return []
    wanted = [TriggerOn.BOTH, TriggerOn.CREATED if created else TriggerOn.UPDATED]
    return list(
        Version.objects.filter(
            status=VersionStatus.ACTIVE,
            trigger_type=TriggerType.RECORD,
            trigger_model=record._meta.label,
            trigger_on__in=wanted,
            orchestration__archived=False,
        ).select_related("orchestration")
    )


def changed_field_names(before: dict[str, Any] | None, record: models.Model) -> set[str]:
    """Fields whose value differs from `before`; on create (no before) every field."""
    if before is None:
        return {f.name for f in record._meta.concrete_fields}
    return {
        f.name
        for f in record._meta.concrete_fields
        if f.attname in before and before[f.attname] != getattr(record, f.attname)
    }


__all__ = ["changed_field_names", "forget_watched_models", "is_watched", "record_saved"]
