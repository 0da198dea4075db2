"""Members and outside participants: the one rule, asked by every surface.

A **member** belongs to at least one team (a Django group) or is staff. An **outside
participant** (an applicant, a new hire before day one, a patient, a customer) belongs to
no team: the definition may assign them work (e.g. `record.applicant`), but they never
reassign, delegate or browse people, and see only what is shared with them.

No flag to keep in step: putting someone in a team makes them a member, taking them out
of every team makes them an outside participant again.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

_CACHE = "_handoff_is_member"


def is_member(user: Any) -> bool:
    """Whether `user` is a member (one query, then remembered on the user object for the
    rest of the request). Anonymous visitors and None are not."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    cached = user.__dict__.get(_CACHE)
    if cached is None:
        cached = bool(user.is_staff) or user.groups.exists()
        user.__dict__[_CACHE] = cached
    return cached


def is_outside_participant(user: Any) -> bool:
    """A signed-in person who is not a member."""
    return bool(getattr(user, "is_authenticated", False)) and not is_member(user)


def members() -> QuerySet[Any]:
    """Every active member, as a query (no duplicates for people in several teams)."""
    return get_user_model()._default_manager.filter(is_active=True).filter(member_condition())


def member_condition() -> Q:
    """The rule as a condition on users: staff, or in a team."""
    user_model = get_user_model()
    in_a_team = Exists(user_model.groups.through.objects.filter(user_id=OuterRef("pk")))
    return Q(is_staff=True) | Q(in_a_team)
