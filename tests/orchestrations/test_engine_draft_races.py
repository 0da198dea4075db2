"""A draft and a change of the same work item at the same instant (PostgreSQL: real row
locks, two connections): neither loses the other's values, whichever comes first.

Each test holds the first call inside its transaction — after it re-read the item, before
it writes — until the second call has started and is waiting. Drafts used to be written
by an UPDATE that took no lock, while the engine saved whole rows it had read earlier: a
draft saved in that gap was written over with the old one, after its author had been told
"Draft saved". Now a draft takes the run's lock like every change, and the engine saves
only the fields a transition changes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from orchestrations.engine import (
    WorkItemClosedError,
    drafts,
    run_start,
    work_item_claim,
    work_item_complete,
    work_item_save_draft,
    work_items,
)
from orchestrations.models import WorkItem
from tests.factories import VersionBuilder, field, make_group, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL row locks; runs in the PostgreSQL pass of CI",
    ),
]

DRAFT = {"notes": "Half-way: called the bank, waiting for the statement."}
SUBMITTED = {"notes": "Done: statement received and checked."}
WAITING = 0.5  # long enough for the second call to reach the run's lock and wait there


class Held:
    """Holds the thread named `first` in `function` (a module attribute the engine calls
    inside its transaction) until `release`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: Any, function: str):
        self.inside, self.go = threading.Event(), threading.Event()
        original = getattr(module, function)

        def holding(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread().name == "first":
                self.inside.set()
                assert self.go.wait(timeout=10)
            return original(*args, **kwargs)

        monkeypatch.setattr(module, function, holding)

    def release(self) -> None:
        self.go.set()


def race(held: Held, first: Callable[[], Any], second: Callable[[], Any]) -> dict[str, Any]:
    """Run `first` until it is held inside its transaction, then `second`, which must
    wait for `first`'s lock; then let `first` go. Returns each one's result (or error)."""
    outcomes: dict[str, Any] = {}

    def run(name: str, call: Callable[[], Any]) -> None:
        try:
            outcomes[name] = call()
        except Exception as error:  # the outcome is what the test checks
            outcomes[name] = error
        finally:
            connection.close()

    threads = {name: threading.Thread(target=run, args=(name, call), name=name)
               for name, call in (("first", first), ("second", second))}  # fmt: skip
    threads["first"].start()
    assert held.inside.wait(timeout=10)
    threads["second"].start()
    time.sleep(WAITING)
    assert threads["second"].is_alive(), "the second call did not wait for the first"
    held.release()
    for thread in threads.values():
        thread.join(timeout=20)
    return outcomes


@pytest.fixture
def queue_item() -> tuple[WorkItem, Any, Any]:
    """An open item in the Review queue, where Ann and Bob work."""
    review = make_group("Review")
    ann, bob = make_user("ann", review), make_user("bob", review)
    b = VersionBuilder("drafts")
    b.step(b.stage("s"), "check", form=b.form("f", [field("notes")]), group=review)
    b.activate()
    run = run_start(b.orchestration)
    return WorkItem.objects.get(run=run), ann, bob


def test_a_draft_saved_while_a_claim_is_under_way_is_kept(monkeypatch, queue_item):
    item, ann, _ = queue_item
    held = Held(monkeypatch, work_items, "person_name")  # the claim's event message

    outcomes = race(
        held,
        lambda: work_item_claim(item, by=ann),
        lambda: work_item_save_draft(item, by=ann, data=DRAFT),
    )

    assert not isinstance(outcomes["second"], Exception)
    item.refresh_from_db()
    assert (item.status, item.claimed_by) == ("claimed", ann)
    assert item.draft_data == DRAFT


def test_a_claim_made_while_a_draft_is_being_saved_keeps_the_draft(monkeypatch, queue_item):
    item, ann, _ = queue_item
    held = Held(monkeypatch, drafts, "typed_values")

    outcomes = race(
        held,
        lambda: work_item_save_draft(item, by=ann, data=DRAFT),
        lambda: work_item_claim(item, by=ann),
    )

    assert not isinstance(outcomes["first"], Exception)
    item.refresh_from_db()
    assert (item.status, item.claimed_by) == ("claimed", ann)
    assert item.draft_data == DRAFT


def test_a_draft_arriving_during_a_completion_is_refused_and_the_answers_stay(
    monkeypatch, queue_item
):
    item, ann, bob = queue_item
    held = Held(monkeypatch, work_items, "clean_values")

    outcomes = race(
        held,
        lambda: work_item_complete(item, by=ann, data=SUBMITTED),
        lambda: work_item_save_draft(item, by=bob, data=DRAFT),
    )

    # Bob is told, not silently dropped: the page shows him who completed it.
    assert isinstance(outcomes["second"], WorkItemClosedError)
    assert str(outcomes["second"]).startswith("Already completed by Ann")
    item.refresh_from_db()
    assert (item.status, item.completed_by, item.data) == ("completed", ann, SUBMITTED)
    assert item.draft_data == {}


def test_a_completion_arriving_during_a_draft_completes_with_its_answers(monkeypatch, queue_item):
    item, ann, bob = queue_item
    held = Held(monkeypatch, drafts, "typed_values")

    outcomes = race(
        held,
        lambda: work_item_save_draft(item, by=bob, data=DRAFT),
        lambda: work_item_complete(item, by=ann, data=SUBMITTED),
    )

    assert not isinstance(outcomes["first"], Exception)
    assert not isinstance(outcomes["second"], Exception)
    item.refresh_from_db()
    # The draft was saved, then the completion (which came after it) replaced it with the
    # submitted answers, as every completion does: the item keeps what was submitted.
    assert (item.status, item.completed_by, item.data) == ("completed", ann, SUBMITTED)
    assert item.draft_data == {}
