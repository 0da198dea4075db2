"""Who an interactive step's work item goes to."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from ..conditions import ConditionError
from ..exceptions import AssigneeError
from ..models.choices import AssigneeType, StartWhen
from ..naming import person_named
from .context import RunContext
from .definition import StepDef, VersionDef

User = get_user_model()
ANYWHERE = "__all__"  # a problem that belongs to no one field (Django's NON_FIELD_ERRORS)
INPUT_RE = re.compile(r"^\s*vars\.(\w+)\s*$")


def unassignable_at_start(definition: VersionDef, context: RunContext) -> dict[str, list[str]]:
    """The steps that would fail the moment a run starts because their assignee
    expression names nobody: those of the first stage that start with it. Each
    message goes to what the expression reads — an input (`vars.applicant`: that
    field), the record (`record.…`: "record") — or to the whole start."""
    problems: dict[str, list[str]] = {}
    first = definition.stages[0].steps if definition.stages else ()
    for step in first:
        # A user or team named in the definition was checked when it was activated.
        expression = step.assignee_type == AssigneeType.EXPRESSION
        if not expression or step.start_when != StartWhen.STAGE_START:
            continue
        try:
            resolve_assignee(step, context)
        except AssigneeError as error:
            problems.setdefault(_read_by(step), []).append(str(error))
    return problems


def _read_by(step: StepDef) -> str:
    if named := INPUT_RE.match(step.assignee_expression):
        return named[1]
    return "record" if step.assignee_expression.strip().startswith("record") else ANYWHERE


class Directory:
    """The people and teams one transaction looks up, each at most once. A team comes
    with its active members' addresses in the same query: its queue's email needs them."""

    def __init__(self) -> None:
        self._users: dict[int, Any] = {}
        self._teams: dict[int, Group | None] = {}
        self._addresses: dict[int, dict[int, str]] = {}

    def user(self, pk: int) -> Any:
        """The active user `pk`, or None."""
        if pk not in self._users:
            self._users[pk] = User._default_manager.filter(pk=pk, is_active=True).first()
        return self._users[pk]

    def team(self, pk: int) -> Group | None:
        if pk not in self._teams:
            rows = list(
                Group.objects.filter(pk=pk).values_list(
                    "name", "user__pk", "user__email", "user__is_active"
                )
            )
            found = Group.from_db(None, ["id", "name"], [pk, rows[0][0]]) if rows else None
            self._teams[pk] = found
            self._addresses[pk] = {
                user_id: email for _, user_id, email, active in rows if active and email
            }
        return self._teams[pk]

    def addresses(self, team: Group) -> dict[int, str]:
        """The team's active members with an address, by id."""
        if team.pk not in self._addresses:
            members = User._default_manager.filter(groups=team.pk, is_active=True)
            self._addresses[team.pk] = dict(members.exclude(email="").values_list("pk", "email"))
        return self._addresses[team.pk]


def resolve_assignee(
    step: StepDef, context: RunContext, people: Directory | None = None
) -> tuple[Any, Group | None]:
    """A (user, group) pair with exactly one set; `AssigneeError` when there is none."""
    people = people or Directory()
    if step.assignee_type == AssigneeType.USER and step.assignee_user_id:
        user = people.user(step.assignee_user_id)
        if user is None:
            raise AssigneeError(f"The assignee of '{step.name}' is no longer an active user.")
        return user, None
    if step.assignee_type == AssigneeType.GROUP and step.assignee_group_id:
        group = people.team(step.assignee_group_id)
        if group is None:
            raise AssigneeError(f"The team queue of '{step.name}' no longer exists.")
        return None, group
    if step.assignee_type == AssigneeType.EXPRESSION and step.assignee_expression:
        try:
            value = context.evaluate(step.assignee_expression)
        except ConditionError as error:
            raise AssigneeError(
                f"The assignee of '{step.name}' could not be worked out: {error}"
            ) from None
        return _from_value(value, step)
    raise AssigneeError(f"'{step.name}' has no assignee.")


def _from_value(value: Any, step: StepDef) -> tuple[Any, Group | None]:
    if isinstance(value, User):
        if not value.is_active:
            raise AssigneeError(f"The assignee of '{step.name}' ({value}) is not an active user.")
        return value, None
    if isinstance(value, Group):
        return None, value
    if isinstance(value, int) and not isinstance(value, bool):
        user = User.objects.filter(pk=value, is_active=True).first()
        if user:
            return user, None
    if isinstance(value, str) and value.strip():
        user = person_named(value)
        if user:
            return user, None
        group = Group.objects.filter(name=value.strip()).first()
        if group:
            return None, group
    expression = step.assignee_expression
    raise AssigneeError(
        f"The assignee of '{step.name}' ({expression} = {value!r}) is not a user or a team."
    )
