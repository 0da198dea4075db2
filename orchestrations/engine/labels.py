"""What people call a run: its label, made from the version's label template when the
run starts and again each time its record is saved, and kept on the run (`Run.label`)
so that lists, pages and emails read it without rendering anything."""

from __future__ import annotations

import logging

from django.db import models

from ..conditions import ConditionError
from ..models import Run
from .context import label_context
from .definition import VersionDef

logger = logging.getLogger(__name__)

LABEL_MAX_LENGTH = 300  # Run.label and Run.record_label


def record_label(record: models.Model | None) -> str:
    return str(record)[:LABEL_MAX_LENGTH] if record is not None else ""


def run_label(run: Run, definition: VersionDef) -> str:
    """The label template rendered for `run` on one line; "" without a template or
    when it cannot be rendered for this run (logged: the run is then named by its
    process and number, as without a template)."""
    template = definition.label_template
    if not template.strip():
        return ""
    try:
        text = label_context(run, definition).render(template)
    except ConditionError as error:
        logger.warning("The label of run %s could not be made: %s", run.pk, error)
        return ""
    return " ".join(text.split())[:LABEL_MAX_LENGTH]


def relabel(run: Run, definition: VersionDef, record: models.Model | None) -> None:
    """Set the run's record label and label from `record` as it is now (the run's unit
    of work writes them if they changed)."""
    run.record_label = record_label(record)
    run.label = run_label(run, definition)
