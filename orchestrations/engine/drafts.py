"""Drafts: the values typed so far on an open work item, kept without completing it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..fields import typed_values
from ..models import WorkItem
from . import arguments
from .abilities import require
from .locking import locked_unit


def work_item_save_draft(item: WorkItem, *, by: Any, data: Mapping[str, Any]) -> WorkItem:
    """Keep the values of the step's fields typed so far, unvalidated (but storable),
    for whoever may work the item (`abilities`: "save_draft").

    Under the run's lock, like every change to a run: a draft and a completion (or a
    claim, or a reassignment) are applied one after the other, so a draft never lands
    on an item completed meanwhile (it is refused with `WorkItemClosedError`, saying
    who completed it), and a completion never writes an older draft back over it."""
    item = arguments.instance(item, WorkItem, argument="item")
    by = arguments.person(by, argument="by", to="save a draft of this item")
    data = arguments.values(data, what="draft's values")
    with locked_unit(item.run_id) as unit:
        fresh = unit.work_item(item.pk)
        require(by, fresh, "save_draft")
        step = unit.definition.step_by_id[fresh.step_run.step_id]
        fresh.draft_data = typed_values(step.fields, data)
    item.draft_data = fresh.draft_data
    return item
