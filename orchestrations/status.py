"""Every status vocabulary of Handoff, stored as lower-case text."""

from django.db import models


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    OBSOLETE = "obsolete", "Obsolete"


class RunStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUSPENDED = "suspended", "Suspended"
    COMPLETED = "completed", "Completed"
    CANCELED = "canceled", "Canceled"
    ERROR = "error", "Error"


class StageRunStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUSPENDED = "suspended", "Suspended"
    COMPLETED = "completed", "Completed"
    DISCONTINUED = "discontinued", "Discontinued"
    CANCELED = "canceled", "Canceled"
    ERROR = "error", "Error"


class StepRunStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    DISCONTINUED = "discontinued", "Discontinued"
    CANCELED = "canceled", "Canceled"
    ERROR = "error", "Error"


class WorkItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLAIMED = "claimed", "Claimed"
    COMPLETED = "completed", "Completed"
    CANCELED = "canceled", "Canceled"


# A run that may still move: at most one of these per (orchestration, record)
# unless the orchestration allows more. An errored run counts, since support
# staff can resume it.
OPEN_RUN_STATUSES = (RunStatus.IN_PROGRESS, RunStatus.SUSPENDED, RunStatus.ERROR)
OPEN_WORK_ITEM_STATUSES = (WorkItemStatus.OPEN, WorkItemStatus.CLAIMED)


def status_phrase(status: str) -> str:
    """How a status reads in a sentence: "The run is {phrase}"."""
    return {"error": "stopped on an error", "in_progress": "in progress"}.get(
        status, status.replace("_", " ")
    )
