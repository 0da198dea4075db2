"""Out-of-office delegation: while somebody is away, their new work goes to a colleague.

`route` decides who gets a work item meant for a user (the engine calls it whenever an
item is created for, or reassigned to, a user); `delegation_create` and
`delegation_end` are what the inbox's "Out of office" page calls. Team-queue items are
never routed: the rest of the team covers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from ..models import Delegation
from ..naming import person_name
from . import arguments
from .handover import delegate_refusal
from .notifications import absolute_url, send_after_commit

# A → B → C is a chain (B is away too); more hops than this means a misconfiguration,
# and the work stays with the last person reached.
MAX_HOPS = 4
NOTE_MAX_LENGTH = Delegation._meta.get_field("note").max_length or 200


@dataclass(frozen=True)
class Routing:
    """Who gets a work item meant for `meant_for`, and why."""

    assignee: Any
    on_behalf_of: Any = None
    away_until: dt.date | None = None
    also_away: tuple[Any, ...] = ()

    @property
    def routed(self) -> bool:
        return self.on_behalf_of is not None

    def describe(self) -> str:
        """'Bob Smith on behalf of Ava Sterling (away until Dec 3)', or just the name."""
        if not self.routed:
            return person_name(self.assignee)
        return f"{person_name(self.assignee)} on behalf of {self._away()}"

    def reason(self) -> str:
        """The line of the delegate's email that says why the work came to them."""
        if not self.routed:
            return ""
        return f"{self._away(sentence=True)}; you are covering."

    def _away(self, *, sentence: bool = False) -> str:
        who = person_name(self.on_behalf_of)
        until = f"away until {day_phrase(self.away_until)}"
        text = f"{who} is {until}" if sentence else f"{who} ({until}"
        if self.also_away:
            others = ", ".join(person_name(user) for user in self.also_away)
            text += f" and {others} too" if sentence else f"; {others} too"
        return text if sentence else text + ")"


def route(user: Any, day: dt.date | None = None) -> Routing:
    """Where work meant for `user` goes on `day` (today by default): to the delegate of
    an active delegation, following chains (A → B, B away too → C) for a few hops. A
    cycle or an inactive delegate ends the chain at the last active person reached.

    One query when `user` is not away (the usual case), one more per hop otherwise.
    """
    user = arguments.instance(user, get_user_model(), argument="user")
    day = arguments.optional_day(day, argument="day") or timezone.localdate()
    chain: list[Delegation] = []
    current, seen = user, {user.pk}
    for _ in range(MAX_HOPS):
        delegation = (
            Delegation.objects.active_on(day)
            .filter(user_id=current.pk)
            .select_related("delegate")
            .order_by("-created_at", "-pk")
            .first()
        )
        if delegation is None or not delegation.delegate.is_active:
            break
        if delegation.delegate_id in seen:
            break
        chain.append(delegation)
        current = delegation.delegate
        seen.add(current.pk)
    if not chain:
        return Routing(assignee=user)
    return Routing(
        assignee=current,
        on_behalf_of=user,
        away_until=chain[0].ends_on,
        also_away=tuple(hop.delegate for hop in chain[:-1]),
    )


def delegation_create(
    *, user: Any, delegate: Any, starts_on: dt.date, ends_on: dt.date, note: str = ""
) -> Delegation:
    """Record that `user` is away from `starts_on` to `ends_on` (inclusive) and that
    `delegate` covers; the delegate is told by email. The caller validates the dates
    against the calendar and other absences (see `inbox.delegation_forms`); reversed
    dates and delegating to oneself are refused here (and by the database), and so is
    anybody but a member who shares one of `user`'s teams, or a `user` who is an outside
    participant (`NotAllowed`, see `handover`)."""
    user = arguments.person(user, argument="user", to="hand their work to a delegate")
    delegate = arguments.person(delegate, argument="delegate", to="cover for a colleague")
    starts_on = arguments.day(starts_on, argument="starts_on")
    ends_on = arguments.day(ends_on, argument="ends_on")
    note = arguments.text(note, argument="note", max_length=NOTE_MAX_LENGTH)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The last day can't be before the first day."})
    if delegate.pk == user.pk:
        raise ValidationError({"delegate": "Choose an active colleague other than yourself."})
    refusal = delegate_refusal(user, delegate)
    if refusal is not None:
        raise refusal.exception()
    delegation = Delegation.objects.create(
        user=user, delegate=delegate, starts_on=starts_on, ends_on=ends_on, note=note
    )
    notify_delegate(delegation)
    return delegation


def notify_delegate(delegation: Delegation) -> None:
    """Email the delegate (after commit) that they cover for the user, when and why."""
    who = person_name(delegation.user)
    when = range_phrase(delegation.starts_on, delegation.ends_on)
    lines = [
        f"{who} is out of the office {when} and asked you to cover.",
        f"Their note: {delegation.note}" if delegation.note else "",
        f"Work assigned to {who} in that time comes to you, and you can act on their "
        "open items on their behalf.",
        f"Your work: {absolute_url(['inbox:my-work'])}",
    ]
    send_after_commit(
        [delegation.delegate.email],
        f"You are covering for {who} {when}",
        "\n\n".join(line for line in lines if line),
    )


def delegation_end(delegation: Delegation, *, today: dt.date | None = None) -> str:
    """End an out-of-office now: an upcoming one (or one that began today) is canceled,
    a running one ends yesterday. Returns "canceled", "ended" or "" (already over).
    Items already routed to the delegate stay with them (they may hold drafts)."""
    delegation = arguments.instance(delegation, Delegation, argument="delegation")
    today = arguments.optional_day(today, argument="today") or timezone.localdate()
    with transaction.atomic():
        delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
        if delegation.canceled_at is not None or delegation.ends_on < today:
            return ""
        if delegation.starts_on >= today:
            delegation.canceled_at = timezone.now()
            delegation.save(update_fields=["canceled_at"])
            outcome = "canceled"
        else:
            delegation.ends_on = today - dt.timedelta(days=1)
            delegation.save(update_fields=["ends_on"])
            outcome = "ended"
    who = person_name(delegation.user)
    send_after_commit(
        [delegation.delegate.email],
        f"{who} no longer needs you to cover",
        f"{who} ended their out-of-office: new work goes to them again. "
        "Items already handed to you stay with you.",
    )
    return outcome


def overlapping(user: Any, starts_on: dt.date, ends_on: dt.date) -> QuerySet[Delegation]:
    """`user`'s delegations (not canceled) that share a day with starts_on..ends_on."""
    return Delegation.objects.filter(
        user=user, canceled_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on
    )


def away_all_along(user: Any, starts_on: dt.date, ends_on: dt.date) -> bool:
    """Whether `user`'s own delegations cover every day of starts_on..ends_on."""
    covered_until = starts_on - dt.timedelta(days=1)
    for away in overlapping(user, starts_on, ends_on).order_by("starts_on"):
        if away.starts_on > covered_until + dt.timedelta(days=1):
            return False
        covered_until = max(covered_until, away.ends_on)
        if covered_until >= ends_on:
            return True
    return False


def day_phrase(day: dt.date | None) -> str:
    """'Dec 3' this year, 'Jan 5, 2027' otherwise."""
    if day is None:
        return "further notice"
    same_year = day.year == timezone.localdate().year
    return date_format(day, "M j" if same_year else "M j, Y")


def range_phrase(starts_on: dt.date, ends_on: dt.date) -> str:
    if starts_on == ends_on:
        return f"on {day_phrase(starts_on)}"
    return f"from {day_phrase(starts_on)} to {day_phrase(ends_on)}"
