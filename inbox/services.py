"""What the inbox changes itself, beside the engine: comments.

A comment touches no status, so it needs no run lock. (Drafts, which used to be here,
are the engine's: `work_item_save_draft` takes the run's lock like every change to an
item, so that a draft and a completion never lose each other's values.)
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import Truncator

from orchestrations.events import record_event
from orchestrations.models import Comment, Run, WorkItem
from orchestrations.visibility import comment_shared

COMMENT_EVENT = "comment.add"


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
