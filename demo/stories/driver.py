"""Moving demo runs forward the way people and workers would: only through the
engine's API (claim, complete, background attempts), never by setting a status."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from orchestrations.engine import step_execute, work_item_claim, work_item_complete
from orchestrations.models import Run, StepRun, WorkItem
from orchestrations.models.choices import StepKind
from orchestrations.status import StepRunStatus, WorkItemStatus

# Background steps that start one another finish within a few rounds; more means
# something waits for a worker that will not come.
MAX_BACKGROUND_ROUNDS = 50


class DemoError(Exception):
    """The demo could not be built the way it is scripted."""


def run_background_work() -> int:
    """Run every background attempt that is due, in this process, as a worker would
    (`make run` starts the worker only after loading). Returns how many ran."""
    ran = 0
    for _ in range(MAX_BACKGROUND_ROUNDS):
        due = list(
            StepRun.objects.filter(
                status=StepRunStatus.IN_PROGRESS,
                step__kind=StepKind.BACKGROUND,
                dispatch_token__isnull=False,
                lease_until__isnull=True,
                held_result__isnull=True,
                next_attempt_at__lte=timezone.now(),
            ).values_list("pk", "dispatch_token")
        )
        if not due:
            return ran
        for step_run_id, token in due:
            step_execute(step_run_id, str(token))
            ran += 1
    raise DemoError("Background steps kept starting one another; giving up.")


def run_for(record: models.Model, orchestration_key: str) -> Run:
    """The run a record trigger started for `record`."""
    run = (
        Run.objects.filter(
            orchestration__key=orchestration_key,
            record_type=ContentType.objects.get_for_model(record),
            record_id=str(record.pk),
        )
        .order_by("-started_at", "-pk")
        .first()
    )
    if run is None:
        raise DemoError(f"Saving {record} did not start a {orchestration_key} run.")
    return run


class Driver:
    """Acts on demo runs as the named users."""

    def __init__(self, users: dict[str, Any]):
        self.users = users

    def item(self, run: Run, step_key: str) -> WorkItem:
        item = (
            WorkItem.objects.open()
            .filter(run=run, step_run__step__key=step_key)
            .order_by("-created_at", "-pk")
            .first()
        )
        if item is None:
            run.refresh_from_db()
            raise DemoError(
                f"{run} has no open work item for '{step_key}' "
                f"(run {run.status}{': ' + run.error_message if run.error_message else ''})."
            )
        return item

    def claim(self, run: Run, step_key: str, username: str) -> WorkItem:
        return work_item_claim(self.item(run, step_key), by=self.users[username])

    def complete(self, run: Run, step_key: str, username: str, **data: Any) -> None:
        """`username` submits the step's form (claiming it first from a team queue),
        then the background work it set off runs."""
        item = self.item(run, step_key)
        user = self.users[username]
        if item.assignee_group_id and item.status == WorkItemStatus.OPEN:
            item = work_item_claim(item, by=user)
        work_item_complete(item, by=user, data=data)
        run_background_work()

    def make_overdue(self, run: Run, step_key: str, by: timedelta) -> None:
        """Demo realism: the item fell due `by` ago. Only the due date is touched."""
        item = self.item(run, step_key)
        WorkItem.objects.filter(pk=item.pk).update(due_at=timezone.now() - by)
