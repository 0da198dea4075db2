"""A definition file stored as a new draft version: of a new orchestration when
its key is new, else the next draft of the existing one."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Max
from django.utils.dateparse import parse_duration

from ..models import (
    DecisionOutcome,
    Form,
    FormField,
    InputVariable,
    Orchestration,
    Stage,
    Step,
    Version,
)
from ..models.choices import StartWhen
from .problems import DefinitionError, errors_of
from .schema import END, STAGE_START
from .validate import check_definition


def import_definition(
    data: Any, *, user: Any = None, orchestration: Orchestration | None = None
) -> Version:
    """Validate `data` (a parsed definition file) and store it as a new draft.

    Any error raises `DefinitionError` listing every problem, and nothing is
    written. With `orchestration`, the draft is added to it whatever the file's
    key; otherwise the orchestration is found by key, or created from the file's
    name and description. An existing orchestration is not changed."""
    definition, problems = check_definition(data)
    if definition is None or errors_of(problems):
        raise DefinitionError(problems)
    return write_definition(definition, user=user, orchestration=orchestration)


def write_definition(
    definition: dict[str, Any], *, user: Any = None, orchestration: Orchestration | None = None
) -> Version:
    """Store a definition already in canonical form (as `export_definition` or
    validation gives it) without validating it; references that do not resolve
    are stored empty."""
    with transaction.atomic():
        if orchestration is None:
            orchestration, _ = Orchestration.objects.get_or_create(
                key=definition["key"],
                defaults={"name": definition["name"], "description": definition["description"]},
            )
        # Locked so that two imports at once number their versions one after the other.
        orchestration = Orchestration.objects.select_for_update().get(pk=orchestration.pk)
        latest = orchestration.versions.aggregate(latest=Max("number"))["latest"] or 0
        trigger = definition["trigger"]
        version = Version.objects.create(
            orchestration=orchestration,
            number=latest + 1,
            description=definition["description"],
            label_template=definition["label"],
            trigger_type=trigger["type"],
            trigger_model=trigger.get("model", ""),
            trigger_on=trigger.get("on", ""),
            trigger_condition=trigger.get("condition", ""),
            record_create=trigger.get("create", False),
            allow_concurrent_runs=definition["allow_concurrent_runs"],
            max_stage_visits=definition["max_stage_visits"],
            created_by=user if getattr(user, "pk", None) else None,
        )
        _Writer(version).write(definition)
    return version


def _field_kwargs(position: int, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "position": position,
        "key": spec["key"],
        "label": spec["label"],
        "type": spec["type"],
        "required": spec["required"],
        "choices": spec["choices"],
        "help_text": spec["help"],
        "default": spec["default"],
        "min_value": spec["min"],
        "max_value": spec["max"],
    }


class _Writer:
    def __init__(self, version: Version):
        self.version = version
        self.forms: dict[str, Form] = {}
        self.stages: dict[str, Stage] = {}
        self.steps: dict[str, Step] = {}

    def write(self, definition: dict[str, Any]) -> None:
        InputVariable.objects.bulk_create(
            InputVariable(version=self.version, **_field_kwargs(i, spec))
            for i, spec in enumerate(definition["inputs"])
        )
        for form_data in definition["forms"]:
            form = Form.objects.create(
                version=self.version, key=form_data["key"], name=form_data["name"]
            )
            fields = FormField.objects.bulk_create(
                FormField(form=form, visibility=spec["visibility"] or "", **_field_kwargs(i, spec))
                for i, spec in enumerate(form_data["fields"])
            )
            for field, spec in zip(fields, form_data["fields"], strict=True):
                if spec["visibility_groups"]:
                    field.visibility_groups.set(_groups(spec["visibility_groups"]))
            self.forms[form.key] = form
        for i, stage_data in enumerate(definition["stages"]):
            self.stages[stage_data["key"]] = Stage.objects.create(
                version=self.version,
                position=i,
                key=stage_data["key"],
                name=stage_data["name"],
                exit_condition=stage_data["exit_condition"],
            )
        for stage_data in definition["stages"]:
            stage = self.stages[stage_data["key"]]
            for j, step_data in enumerate(stage_data["steps"]):
                self.steps[step_data["key"]] = self.step(stage, j, step_data)
            self.decision(stage, stage_data)
        # Second pass: a step may wait for steps listed after it.
        for stage_data in definition["stages"]:
            for step_data in stage_data["steps"]:
                start = step_data["start"]
                if isinstance(start, dict) and "after" in start:
                    waited = [self.steps[k] for k in start["after"] if k in self.steps]
                    self.steps[step_data["key"]].start_after.set(waited)

    def step(self, stage: Stage, position: int, data: dict[str, Any]) -> Step:
        step = self._step(stage, position, data)
        if data["visibility_groups"]:
            step.visibility_groups.set(_groups(data["visibility_groups"]))
        return step

    def _step(self, stage: Stage, position: int, data: dict[str, Any]) -> Step:
        start = data["start"] if isinstance(data["start"], dict) else {}
        if data["start"] == STAGE_START or not start:
            start_when = StartWhen.STAGE_START
        elif "after" in start:
            start_when = StartWhen.AFTER
        else:
            start_when = StartWhen.CONDITION
        assignee = data["assignee"] or {}
        return Step.objects.create(
            version=self.version,
            stage=stage,
            position=position,
            key=data["key"],
            name=data["name"],
            kind=data["type"],
            instructions=data["instructions"],
            start_when=start_when,
            start_condition=start.get("condition", ""),
            exit_condition=data["exit_condition"],
            form=self.forms.get(data["form"] or ""),
            assignee_type=next(iter(assignee), ""),
            assignee_user=_user(assignee.get("user")),
            assignee_group=Group.objects.filter(name=assignee.get("group")).first()
            if "group" in assignee
            else None,
            assignee_expression=assignee.get("expression", ""),
            reassign=data["reassign"],
            due_in=parse_duration(data["due_in"]) if data["due_in"] else None,
            email_subject=data["email"]["subject"],
            email_body=data["email"]["body"],
            visibility=data["visibility"],
            action=data["action"] or "",
            action_inputs=data["inputs"],
            retry_max_attempts=data["retry"]["max_attempts"],
            retry_backoff_seconds=data["retry"]["backoff_seconds"],
        )

    def decision(self, stage: Stage, data: dict[str, Any]) -> None:
        decision = data["decision"]
        DecisionOutcome.objects.bulk_create(
            DecisionOutcome(
                stage=stage,
                position=i,
                label=outcome["label"],
                condition=outcome["when"],
                target=None if outcome["goto"] == END else self.stages.get(outcome["goto"]),
            )
            for i, outcome in enumerate(decision["outcomes"])
        )
        default = decision["default"]
        stage.default_ends_run = default == END
        stage.default_target = self.stages.get(default) if default not in (None, END) else None
        stage.fault_target = self.stages.get(data["on_error"] or "")
        stage.save(update_fields=["default_ends_run", "default_target", "fault_target"])


def _groups(names: list[str]) -> list[Group]:
    """The teams named that exist (a draft copied with problems keeps the others out)."""
    return list(Group.objects.filter(name__in=names))


def _user(username: str | None) -> Any:
    if not username:
        return None
    user_model = get_user_model()
    return user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
