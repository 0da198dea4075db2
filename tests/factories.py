"""Test helpers: people, teams, and orchestrations built in a few lines.

b = VersionBuilder("onboarding")
form = b.form("kickoff", [field("notes", required=True)])
welcome = b.stage("welcome")
b.step(welcome, "kickoff", form=form, group=sales)
version = b.activate()
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group, User

from orchestrations.models import (
    DecisionOutcome,
    Form,
    FormField,
    InputVariable,
    Orchestration,
    Stage,
    Step,
    Version,
)
from orchestrations.models.choices import AssigneeType, StartWhen, StepKind


def make_user(username: str, *groups: Group, **fields: Any) -> User:
    fields.setdefault("email", f"{username}@example.com")
    fields.setdefault("first_name", username.capitalize())
    user = User.objects.create_user(username=username, password="pw", **fields)
    user.groups.add(*groups)
    return user


def make_group(name: str) -> Group:
    return Group.objects.get_or_create(name=name)[0]


def field(key: str, type: str = "text", **options: Any) -> dict[str, Any]:
    return {"key": key, "label": key.replace("_", " ").capitalize(), "type": type, **options}


class VersionBuilder:
    def __init__(self, key: str, **version_fields: Any):
        self.orchestration, _ = Orchestration.objects.get_or_create(
            key=key, defaults={"name": key.replace("_", " ").capitalize()}
        )
        number = self.orchestration.versions.count() + 1
        self.version = Version.objects.create(
            orchestration=self.orchestration, number=number, **version_fields
        )
        self._positions: dict[Any, int] = {}

    def _next(self, scope: Any) -> int:
        self._positions[scope] = self._positions.get(scope, -1) + 1
        return self._positions[scope]

    def input(self, key: str, type: str = "text", **options: Any) -> InputVariable:
        return InputVariable.objects.create(
            version=self.version,
            key=key,
            label=options.pop("label", key),
            type=type,
            position=self._next("inputs"),
            **options,
        )

    def form(self, key: str, fields: list[dict[str, Any]]) -> Form:
        form = Form.objects.create(version=self.version, key=key, name=key.capitalize())
        for position, spec in enumerate(fields):
            groups = spec.pop("visibility_groups", None)
            created = FormField.objects.create(form=form, position=position, **spec)
            if groups:
                created.visibility_groups.set(groups)
        return form

    def stage(self, key: str, **options: Any) -> Stage:
        return Stage.objects.create(
            version=self.version,
            key=key,
            name=options.pop("name", key.capitalize()),
            position=self._next("stages"),
            **options,
        )

    def step(
        self,
        stage: Stage,
        key: str,
        *,
        form: Form | None = None,
        user: User | None = None,
        group: Group | None = None,
        expression: str = "",
        action: str = "",
        after: list[Step] | None = None,
        when: str = "",
        due_in: timedelta | None = None,
        visibility_groups: list[Group] | None = None,
        **options: Any,
    ) -> Step:
        background = bool(action)
        assignee_type = ""
        if user is not None:
            assignee_type = AssigneeType.USER
        elif group is not None:
            assignee_type = AssigneeType.GROUP
        elif expression:
            assignee_type = AssigneeType.EXPRESSION
        start_when = StartWhen.STAGE_START
        if after:
            start_when = StartWhen.AFTER
        elif when:
            start_when = StartWhen.CONDITION
        step = Step.objects.create(
            version=self.version,
            stage=stage,
            key=key,
            name=options.pop("name", key.replace("_", " ").capitalize()),
            position=self._next(stage.pk),
            kind=StepKind.BACKGROUND if background else StepKind.INTERACTIVE,
            form=form,
            assignee_type=assignee_type,
            assignee_user=user,
            assignee_group=group,
            assignee_expression=expression,
            action=action,
            start_when=start_when,
            start_condition=when,
            due_in=due_in,
            **options,
        )
        if after:
            step.start_after.set(after)
        if visibility_groups:
            step.visibility_groups.set(visibility_groups)
        return step

    def outcome(self, stage: Stage, condition: str, target: Stage | None, label: str = "") -> None:
        DecisionOutcome.objects.create(
            stage=stage,
            condition=condition,
            target=target,
            label=label,
            position=self._next(("outcomes", stage.pk)),
        )

    def activate(self) -> Version:
        current = self.orchestration.versions.filter(status="active").first()
        if current is not None:
            current.retire()
            current.save()
        self.version.activate()
        self.version.save()
        return self.version
