"""How the inbox names the people who work on a run, for the person looking.

Members see names. An outside participant sees the staff by their team: the team
queue an item is in, else the person's first team (by name); a step shared with
participants shows names to them too (`orchestrations.visibility.names_shared`). A
person is always shown their own name.
"""

from __future__ import annotations

from typing import Any

from inbox.templatetags.inbox_tags import person
from orchestrations.models import Run, WorkItem
from orchestrations.visibility import HasVisibility, Viewer, names_shared

STAFF = "Staff"  # a staff member in no team
SOMEONE_ELSE = "Another participant"  # an outside participant, seen by another one


def team_name(user: Any) -> str:
    """The team that stands for `user` before outside eyes (reads `user.groups`, so
    prefetch them for lists)."""
    names = sorted(group.name for group in user.groups.all())
    if names:
        return str(names[0])
    return STAFF if user.is_staff else SOMEONE_ELSE


def name_for(viewer: Viewer, user: Any, step: HasVisibility | None, *, team: Any = None) -> str:
    """`user` as `viewer` may see them on `step`'s work: their name, or `team`'s (the
    queue the work was in) or their own team's."""
    if user is None:
        return ""
    if user.pk == viewer.user_id or names_shared(viewer, step):
        return person(user)
    return str(team.name) if team is not None else team_name(user)


def starter(viewer: Viewer, run: Run) -> str:
    """Who started `run`, for the run's header: not shown to an outside participant
    (unless they did), for whom a request is the team's, not a person's."""
    if run.started_by is None or (viewer.is_outside and run.started_by_id != viewer.user_id):
        return ""
    return person(run.started_by)


def holder(item: WorkItem, viewer: Viewer, step: HasVisibility | None) -> str:
    """Who has the item now: the person holding it, or its assignee (a team queue
    when nobody holds it)."""
    group = item.assignee_group
    who = item.claimed_by or item.assignee_user
    if viewer.is_outside and who is not None and who.pk == viewer.user_id:
        return "You"
    if not names_shared(viewer, step):
        if group is not None:
            return str(group.name)
        return team_name(who) if who is not None else "Nobody"
    if item.claimed_by_id:
        return person(item.claimed_by) + (f" ({group.name})" if group else "")
    if item.assignee_user_id:
        return person(item.assignee_user)
    if group is not None:
        return f"{group.name} (team queue)"
    return "Nobody"
