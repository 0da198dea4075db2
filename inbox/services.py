"""What the inbox changes itself, beside the engine: drafts and comments.

Neither touches a status, so neither needs the run's lock: a draft is written by a
conditional UPDATE that only matches an open item nobody else holds, so it can never
write over an item that a colleague claimed or completed in the meantime.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator

from orchestrations.engine import NotAllowed, TransitionRefused, WorkItemClosedError, can_act_on
from orchestrations.engine.definition import version_definition
from orchestrations.events import record_event
from orchestrations.models import Comment, Run, WorkItem
from orchestrations.status import OPEN_WORK_ITEM_STATUSES, WorkItemStatus
from orchestrations.visibility import comment_shared

from . import access
from .forms import typed_values
from .run_context import person, when

COMMENT_EVENT = "comment.add"


def work_item_save_draft(item: WorkItem, *, by: Any, data: Mapping[str, Any]) -> WorkItem:
    """Keep the values typed so far on an open item, unvalidated, without completing it."""
    if not can_act_on(by, item) and access.acting_for(by, item) is None:
        raise NotAllowed("This item is not yours to work on.")
    step = version_definition(item.run.version).step_by_id[item.step_run.step_id]
    values = typed_values(step.fields, data)
    saved = (
        WorkItem.objects.filter(pk=item.pk, status__in=OPEN_WORK_ITEM_STATUSES)
        .filter(Q(claimed_by__isnull=True) | Q(claimed_by=by))
        .update(draft_data=values, updated_at=timezone.now())
    )
    if not saved:
        item.refresh_from_db()
        if item.is_open:
            raise TransitionRefused(f"{person(item.claimed_by)} is working on this item.")
        raise WorkItemClosedError(_closed(item), closed_at=item.completed_at)
    item.draft_data = values
    return item


def comment_add(
    run: Run,
    *,
    author: Any,
    body: str,
    work_item: WorkItem | None = None,
    shared: bool = False,
) -> Comment:
    """A comment on the run (written from `work_item` if given), also in its timeline:
    internal unless `shared` (an outside participant's always is)."""
    shared = comment_shared(author, shared)
    with transaction.atomic():
        comment = Comment.objects.create(
            run=run, work_item=work_item, author=author, body=body, shared=shared
        )
        record_event(
            run,
            COMMENT_EVENT,
            actor=author,
            work_item=work_item,
            step_run=work_item.step_run if work_item is not None else None,
            message=Truncator(body).chars(300),
            data={"comment": comment.pk, "shared": shared},
        )
    return comment


def _closed(item: WorkItem) -> str:
    if item.status == WorkItemStatus.COMPLETED:
        by = person(item.completed_by) or "somebody"
        return f"Already completed by {by}, {when(item.completed_at)}; the draft was not saved."
    return "This item was canceled; the draft was not saved."
