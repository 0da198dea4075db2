"""Who an interactive step's work item goes to."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from ..conditions import ConditionError
from ..exceptions import AssigneeError
from ..models.choices import AssigneeType
from ..naming import person_named
from .context import RunContext
from .definition import StepDef

User = get_user_model()


def resolve_assignee(step: StepDef, context: RunContext) -> tuple[Any, Group | None]:
    """A (user, group) pair with exactly one set; `AssigneeError` when there is none."""
    if step.assignee_type == AssigneeType.USER and step.assignee_user_id:
        user = User.objects.filter(pk=step.assignee_user_id, is_active=True).first()
        if user is None:
            raise AssigneeError(f"The assignee of '{step.name}' is no longer an active user.")
        return user, None
    if step.assignee_type == AssigneeType.GROUP and step.assignee_group_id:
        group = Group.objects.filter(pk=step.assignee_group_id).first()
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
