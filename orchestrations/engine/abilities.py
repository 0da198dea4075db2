"""Who may do what to a work item: the one rule book.

`work_item_abilities(user, item)` answers every question a page, the admin or a script
asks about one person and one item: may they submit it, save a draft, claim, release,
reassign, comment, and on whose behalf do they act. Every "no" comes with its reason as
data (`Refusal`: a `Why` code and a sentence), so no caller compares sentences. The
engine's functions refuse through the same rules (`require`), so a button a page shows
is a call the engine accepts, and a call from a shell is judged like a click.

An item is someone's to **work** when it is assigned to them, they hold it, it waits in
one of their teams' queues, or it is assigned to somebody who is away and delegates to
them today (they then act on that person's behalf: `acting_for`). Whom an item may be
handed to is `handover.py`'s question.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..exceptions import (
    AlreadyClaimedError,
    TransitionRefused,
)
from ..membership import is_member
from ..models import WorkItem
from ..models.choices import ReassignScope
from ..naming import person_name
from ..status import RunStatus, StepRunStatus, WorkItemStatus, status_phrase
from . import arguments
from .facts import ItemFacts, item_facts
from .refusals import Refusal, Why, closed_refusal, when_phrase

ABILITIES = ("submit", "save_draft", "claim", "release", "reassign", "comment")


@dataclass(frozen=True)
class Abilities:
    """What `user` may do to one item now; `why_not` maps each refused ability
    ("submit", "save_draft", "claim", "release", "reassign", "comment") to its Refusal."""

    can_submit: bool
    can_save_draft: bool
    can_claim: bool
    can_release: bool
    can_reassign: bool
    can_comment: bool
    acting_for: Any  # the person a delegate acts for, or None
    works_on: bool  # theirs to work: assigned, held, in their queue, or covering
    why_not: Mapping[str, Refusal]

    def require(self, ability: str) -> None:
        """Raise the refusal of `ability` as the engine does, if it is refused."""
        refusal = self.why_not.get(ability)
        if refusal is not None:
            raise refusal.exception()


def work_item_abilities(user: Any, item: WorkItem) -> Abilities:
    """Everything `user` may do to `item`, and why not the rest. Nobody, an anonymous
    visitor and an inactive user may do nothing. Reads the item's run, step run and
    version (select them with the item); a few queries at most, fewer for the assignee."""
    facts = item_facts(user, item)
    why_not = {
        ability: refusal
        for ability in ABILITIES
        if (refusal := _refusal(ability, facts)) is not None
    }
    return Abilities(
        **{f"can_{ability}": ability not in why_not for ability in ABILITIES},
        acting_for=facts.acting_for if facts.person else None,
        works_on=facts.person and facts.works_on,
        why_not=why_not,
    )


def require(user: Any, item: WorkItem, ability: str, *, in_queue: bool | None = None) -> None:
    """What the engine calls under the run's lock, after re-reading `item`: raises the
    refusal of `ability` if there is one (computing only what that rule needs).
    `in_queue`: whether `user` is in the item's team, if the caller read it already."""
    refusal = _refusal(ability, item_facts(user, item, in_queue=in_queue))
    if refusal is not None:
        raise refusal.exception()


def require_open(item: WorkItem) -> None:
    """Refuse a completed or canceled item (for the system, which may do anything else)."""
    refusal = closed_refusal(arguments.instance(item, WorkItem, argument="item"))
    if refusal is not None:
        raise refusal.exception()


def acting_for(user: Any, item: WorkItem) -> Any:
    """On whose behalf `user` works `item`: the person it was routed away from (the
    item says so), or the away assignee who delegates to `user` today; None for one's
    own work, and for anybody who may not work it."""
    facts = item_facts(user, item)
    return facts.acting_for if facts.person else None


def require_to_submit(user: Any, item: WorkItem, *, on_behalf_of: Any) -> Any:
    """`require(user, item, "submit")`, then on whose behalf `user` acts, which the
    engine works out itself: a caller that names anybody else is refused (a delegate
    cannot be made up). Returns the person worked out, or None."""
    facts = item_facts(user, item)
    refusal = _refusal("submit", facts)
    acting = facts.acting_for if refusal is None else None
    if (
        refusal is None
        and on_behalf_of is not None
        and getattr(acting, "pk", None) != (on_behalf_of.pk)
    ):
        refusal = Refusal(
            Why.NOT_COVERING,
            f"You are not covering for {person_name(on_behalf_of)}: only the delegate of "
            "somebody who is away works on their behalf.",
        )
    if refusal is not None:
        raise refusal.exception()
    return acting


def can_act_on(user: Any, item: WorkItem) -> bool:
    """Whether `item` is `user`'s to work (see the module's docstring)."""
    facts = item_facts(user, item)
    return facts.person and facts.works_on


def can_reassign(user: Any, item: WorkItem) -> bool:
    """Whether `user` may hand `item` to somebody else (whom to: `handover`)."""
    return _refusal("reassign", item_facts(user, item)) is None


# The rules, one per ability -----------------------------------------------------------------


def _refusal(ability: str, facts: ItemFacts) -> Refusal | None:
    if not facts.person:
        return Refusal(Why.SIGNED_OUT, "Only a signed-in person can act on this item.")
    return RULES[ability](facts)


def _submit(facts: ItemFacts) -> Refusal | None:
    item = facts.item
    refusal = closed_refusal(item) or _held(facts) or _not_yours(facts)
    if refusal is not None:
        return refusal
    run = item.run
    if run.status == RunStatus.SUSPENDED:
        return Refusal(
            Why.RUN_SUSPENDED,
            "The run is suspended: you can save a draft now and submit once it resumes.",
            TransitionRefused,
        )
    if run.status != RunStatus.IN_PROGRESS:
        return Refusal(
            Why.RUN_NOT_RUNNING,
            f"The run is {status_phrase(run.status)}: this item can't be completed.",
            TransitionRefused,
        )
    if item.step_run.status != StepRunStatus.IN_PROGRESS:
        return Refusal(
            Why.STEP_NOT_RUNNING,
            "This step is no longer running: this item can't be completed.",
            TransitionRefused,
        )
    return None


def _save_draft(facts: ItemFacts) -> Refusal | None:
    return closed_refusal(facts.item) or _held(facts) or _not_yours(facts)


def _claim(facts: ItemFacts) -> Refusal | None:
    item = facts.item
    refusal = closed_refusal(item)
    if refusal is not None:
        return refusal
    if item.status == WorkItemStatus.CLAIMED:
        if item.claimed_by_id == facts.user.pk:
            return Refusal(Why.HELD_BY_YOU, "You have claimed this item.", TransitionRefused)
        return Refusal(
            Why.HELD_BY_OTHER,
            f"{person_name(item.claimed_by)} claimed this first, {when_phrase(item.claimed_at)}.",
            AlreadyClaimedError,
            {"claimed_by": item.claimed_by},
        )
    if not facts.in_queue:
        return Refusal(Why.NOT_IN_QUEUE, "This item is not in any of your queues.")
    return None


def _release(facts: ItemFacts) -> Refusal | None:
    item = facts.item
    refusal = closed_refusal(item)
    if refusal is not None:
        return refusal
    if item.status != WorkItemStatus.CLAIMED:
        return Refusal(Why.NOT_CLAIMED, "This item is not claimed by anybody.", TransitionRefused)
    if item.claimed_by_id != facts.user.pk and not facts.may_reassign_anything:
        return Refusal(
            Why.NOT_HOLDER, f"Only {person_name(item.claimed_by)} can release this item."
        )
    return None


def _reassign(facts: ItemFacts) -> Refusal | None:
    refusal = closed_refusal(facts.item)
    if refusal is not None:
        return refusal
    if not is_member(facts.user):
        return Refusal(
            Why.OUTSIDE_PARTICIPANT,
            "Only members of a team reassign work; ask the person who asked you for this.",
        )
    if facts.may_reassign_anything:
        return None
    if facts.reassign_scope == ReassignScope.NOBODY:
        return Refusal(
            Why.STEP_NOT_REASSIGNABLE,
            "This step can't be reassigned from the inbox: ask support staff to do it.",
        )
    if not facts.own:
        return Refusal(Why.NOT_INVOLVED, "You may not reassign this item.")
    return None


def _comment(facts: ItemFacts) -> Refusal | None:
    item, pk = facts.item, facts.user.pk
    if item.completed_by_id == pk or item.on_behalf_of_id == pk or facts.works_on:
        return None
    if facts.may_reassign_anything:
        return None
    return Refusal(Why.NOT_INVOLVED, "You can't comment on this item.")


RULES: dict[str, Callable[[ItemFacts], Refusal | None]] = {
    "submit": _submit,
    "save_draft": _save_draft,
    "claim": _claim,
    "release": _release,
    "reassign": _reassign,
    "comment": _comment,
}


def _held(facts: ItemFacts) -> Refusal | None:
    item = facts.item
    if not facts.held_by_other:
        return None
    return Refusal(
        Why.HELD_BY_OTHER,
        f"{person_name(item.claimed_by)} is working on this "
        f"(claimed {when_phrase(item.claimed_at)}).",
        AlreadyClaimedError,
        {"claimed_by": item.claimed_by},
    )


def _not_yours(facts: ItemFacts) -> Refusal | None:
    if facts.works_on:
        return None
    return Refusal(
        Why.NOT_YOURS,
        f"This item is assigned to {person_name(facts.item.assignee)}, not to you or one "
        "of your teams.",
    )
