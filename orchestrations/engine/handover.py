"""Whom work may be handed to: reassign targets and out-of-office delegates.

Outside participants (people in no team, see `membership`) are never handed work by a
person: the process's definition may assign them work, nobody reassigns or delegates
to them, and they reassign and delegate nothing themselves.

**Reassigning** an item (`abilities` says who may) goes, by the step's `reassign`
setting, to:

- `team` (the default): a member who shares one of your teams, or a team the process
  uses (one that a step of the run's version names as its assignee);
- `orchestration`: a member of a team the process uses, or one of those teams;
- `nobody`: nobody; only support staff reassign it.

Holders of the reassign permission (support staff) may hand any item to any member or
any team, whatever the step says. The system (`by=None`: an escalation, a script) may
hand it to any active user or team, as a definition may.

**Delegating** (out of office) goes to a member who shares one of your teams.

Each rule is written once, as a query of the people and teams allowed (what the
pickers search) and as a check of one target that says why not (what the engine and
the forms refuse with).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet

from ..exceptions import TransitionRefused
from ..membership import is_member, members
from ..models import WorkItem
from ..models.choices import ReassignScope
from ..naming import person_name
from .abilities import can_reassign
from .definition import version_definition
from .facts import REASSIGN_PERMISSION
from .refusals import Refusal, Why

SEARCH_WORDS = 5  # more words than this in a search are ignored


@dataclass(frozen=True)
class Targets:
    """Who may be handed something: the people and the teams, as queries."""

    people: QuerySet[Any]
    teams: QuerySet[Group]


def nobody() -> Targets:
    return Targets(people=get_user_model()._default_manager.none(), teams=Group.objects.none())


def reassign_targets(user: Any, item: WorkItem) -> Targets:
    """Everyone `user` may hand `item` to (nobody when they may not reassign it at all;
    ask `abilities.can_reassign` first for the reason)."""
    if not can_reassign(user, item):
        return nobody()
    if user.has_perm(REASSIGN_PERMISSION):
        return support_targets(user)
    process_teams = process_team_ids(item)
    teams = Group.objects.filter(pk__in=process_teams)
    if _scope(item) == ReassignScope.ORCHESTRATION:
        return Targets(people=members().filter(groups__in=process_teams).distinct(), teams=teams)
    return Targets(people=teammates(user), teams=teams)


def support_targets(user: Any) -> Targets:
    """Whom a holder of the reassign permission may hand any item to: any member, any
    team (the admin's bulk reassign searches these; each item is still checked)."""
    if not (is_member(user) and user.has_perm(REASSIGN_PERMISSION)):
        return nobody()
    return Targets(people=members(), teams=Group.objects.all())


def reassign_refusal(
    user: Any, item: WorkItem, *, to_user: Any = None, to_group: Any = None
) -> Refusal | None:
    """Why `user` may not hand `item` to `to_user` or `to_group` (one of them), or None.
    `user` None is the system. Whether `user` may reassign the item at all is asked
    separately (`abilities`)."""
    if to_user is not None:
        if not to_user.is_active:
            return Refusal(
                Why.TARGET_INACTIVE,
                f"{person_name(to_user)} is not an active user.",
                TransitionRefused,
            )
        if user is None:
            return None
        if not is_member(to_user):
            return _outside_participant(to_user)
        if user.has_perm(REASSIGN_PERMISSION):
            return None
        if _scope(item) == ReassignScope.ORCHESTRATION:
            if to_user.groups.filter(pk__in=process_team_ids(item)).exists():
                return None
            return Refusal(
                Why.TARGET_NOT_IN_PROCESS,
                f"{person_name(to_user)} is not in a team of this process; reassign to "
                f"someone in {_names(_process_teams(item))}, or to one of those teams.",
            )
        if _shares_a_team(user, to_user):
            return None
        return Refusal(
            Why.TARGET_NOT_TEAMMATE,
            f"{person_name(to_user)} is not in any of your teams; reassign to "
            f"{_suggestion(list(user.groups.order_by('name')), _process_teams(item))}.",
        )
    if user is None or user.has_perm(REASSIGN_PERMISSION):
        return None
    if to_group is not None and to_group.pk not in process_team_ids(item):
        return Refusal(
            Why.TEAM_NOT_IN_PROCESS,
            f"{to_group.name} has no part in this process; reassign to "
            f"{_suggestion(list(user.groups.order_by('name')), _process_teams(item))}.",
        )
    return None


def delegate_targets(user: Any) -> Targets:
    """Who may cover for `user` while they are away: the members who share one of
    their teams (nobody for an outside participant, who is in none)."""
    return Targets(people=teammates(user).exclude(pk=user.pk), teams=Group.objects.none())


def delegate_refusal(user: Any, delegate: Any) -> Refusal | None:
    """Why `delegate` may not cover for `user`, or None."""
    if not is_member(user):
        return Refusal(
            Why.OUTSIDE_PARTICIPANT,
            "Only members of a team can hand their work to a delegate while they are away.",
        )
    if delegate.pk == user.pk:
        return Refusal(Why.DELEGATE_IS_YOU, "Choose an active colleague other than yourself.")
    if not is_member(delegate):
        return _outside_participant(delegate)
    if _shares_a_team(user, delegate):
        return None
    yours = list(user.groups.order_by("name"))
    where = f"someone in {_names(yours)}" if yours else "a colleague from one of your teams"
    return Refusal(
        Why.TARGET_NOT_TEAMMATE,
        f"{person_name(delegate)} is not in any of your teams; choose {where}.",
    )


def teammates(user: Any) -> QuerySet[Any]:
    """The active members who share one of `user`'s teams (`user` included)."""
    return members().filter(groups__in=user.groups.all()).distinct()


def process_team_ids(item: WorkItem) -> frozenset[int]:
    """The teams the run's version names as assignee of one of its steps."""
    return version_definition(item.run.version).team_ids


def people_matching(people: QuerySet[Any], text: str) -> QuerySet[Any]:
    """The people whose name or username contains every word of `text`, by name."""
    for word in text.split()[:SEARCH_WORDS]:
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
        )
    return people.order_by("first_name", "last_name", "username")


def teams_matching(teams: QuerySet[Group], text: str) -> QuerySet[Group]:
    for word in text.split()[:SEARCH_WORDS]:
        teams = teams.filter(name__icontains=word)
    return teams.order_by("name")


def _scope(item: WorkItem) -> str:
    return version_definition(item.run.version).step_by_id[item.step_run.step_id].reassign


def _shares_a_team(user: Any, other: Any) -> bool:
    return other.groups.filter(pk__in=user.groups.values("pk")).exists()


def _process_teams(item: WorkItem) -> list[Group]:
    return list(Group.objects.filter(pk__in=process_team_ids(item)).order_by("name"))


def _outside_participant(user: Any) -> Refusal:
    return Refusal(
        Why.TARGET_OUTSIDE_PARTICIPANT,
        f"{person_name(user)} is an outside participant (in no team): only members of a "
        "team can be handed work.",
    )


def _suggestion(yours: list[Group], process: list[Group]) -> str:
    """Where to turn instead: "someone in Loans, or to the Underwriting queue",
    "someone in Underwriting or Loans, or to one of those teams"."""
    people = f"someone in {_names(yours)}" if yours else ""
    if not process:
        return people or "nobody: ask support staff"
    if {team.pk for team in process} <= {team.pk for team in yours}:
        queues = "that team" if len(process) == 1 else "one of those teams"
        queues = queues if len(yours) == len(process) else f"the {_names(process)} queue"
    else:
        queues = f"the {_names(process)} queue"
    return f"{people}, or to {queues}" if people else queues


def _names(teams: list[Group], joined_by: str = "or") -> str:
    """ "Underwriting", "Loans or Underwriting", "A, B or C"; "no team" for none."""
    names = [team.name for team in teams]
    if not names:
        return "no team"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {joined_by} {names[-1]}"
