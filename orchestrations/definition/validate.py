"""Everything that can be wrong with a definition, found at once.

`validate_definition` checks the limits first (limits.py: size, nesting, characters
that cannot be stored; a definition past them is checked no further), then the shape
(schema.py), keys, references to forms, people, groups, actions, models and stages,
field values, conditions and templates (expressions.py), emails that participants
read (sharing.py), and the stage graph (graph.py).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from .. import limits
from ..actions import UnknownActionError, get_action, registered_actions
from ..fields import FieldDef, clean_values
from ..models.choices import INPUT_ONLY_FIELD_TYPES, FieldType, ReassignScope, StepKind, TriggerType
from ..records import CREATE_FIELDS
from .expressions import check_expressions, record_model
from .graph import check_graph
from .limits import check_limits
from .problems import Problem, child, stage_paths, step_paths
from .schema import END, describe, normalize
from .sharing import check_sharing

# Action input type → (JSON types a value written in the file may have, in words).
LITERAL_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "string": ((str,), "a string"),
    "number": ((int, float), "a number"),
    "boolean": ((bool,), "true or false"),
    "object": ((dict,), "an object"),
    "list": ((list,), "a list"),
    "datetime": ((str,), "a date and time as text"),
}


def validate_definition(data: Any) -> list[Problem]:
    """Every problem of the definition `data` (a parsed JSON object), errors and
    warnings, each with the JSON path of what it is about."""
    return check_definition(data)[1]


def check_definition(data: Any) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The canonical form of `data` (None if it is not an object, or passes a limit)
    and its problems."""
    problems: list[Problem] = []
    # Before anything recursive reads it, and before any of its text reaches a query
    # or a message (a NUL or a lone surrogate would fail there, not here).
    check_limits(data, problems)
    if problems:
        return None, problems
    definition = normalize(data, problems)
    if definition is not None:
        References(definition, problems).check()
        check_expressions(definition, problems)
        check_sharing(definition, problems)
        check_graph(definition, problems)
    return definition, problems


def did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, [k for k in known if isinstance(k, str)], n=1)
    return f" Did you mean '{close[0]}'?" if close else ""


class References:
    def __init__(self, definition: dict[str, Any], problems: list[Problem]):
        self.definition = definition
        self.problems = problems
        self.forms = {form["key"]: form for form in definition["forms"]}
        self.stage_keys = {stage["key"] for stage in definition["stages"]}
        self.step_stage = {step["key"]: stage["key"] for _, step, stage in step_paths(definition)}

    def problem(self, path: str, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(path, message, severity))

    def check(self) -> None:
        definition = self.definition
        self.unique(
            "input", [(child("$.inputs", i), s) for i, s in enumerate(definition["inputs"])]
        )
        self.unique("form", [(child("$.forms", i), f) for i, f in enumerate(definition["forms"])])
        self.unique("stage", stage_paths(definition))
        self.unique("step", [(path, step) for path, step, _ in step_paths(definition)])
        for i, spec in enumerate(definition["inputs"]):
            self.field(spec, child("$.inputs", i))
        for i, form in enumerate(definition["forms"]):
            fields_path = child(child("$.forms", i), "fields")
            fields = [(child(fields_path, j), spec) for j, spec in enumerate(form["fields"])]
            self.unique("field", fields, scope=" in this form")
            for path, spec in fields:
                self.field(spec, path)
                if spec["type"] in INPUT_ONLY_FIELD_TYPES:
                    self.problem(
                        child(path, "type"),
                        f"A {spec['type']} field is for input variables only: forms may be "
                        "shown to outside participants, who are never shown who has an account.",
                    )
        self.trigger()
        for path, step, stage in step_paths(definition):
            self.step(step, stage, path)
        for path, stage in stage_paths(definition):
            self.targets(stage, path)
        self.visibility_groups()

    def unique(self, what: str, items: list[tuple[str, dict[str, Any]]], scope: str = "") -> None:
        seen: dict[str, str] = {}
        for path, item in items:
            key = item["key"]
            if key is None:
                continue
            if key in seen:
                self.problem(
                    child(path, "key"), f"Duplicate {what} key '{key}'{scope} (see {seen[key]})."
                )
            else:
                seen[key] = path

    def field(self, spec: dict[str, Any], path: str) -> None:
        kind, choices, default = spec["type"], spec["choices"], spec["default"]
        if not self.field_range(spec, path):
            return
        for i, choice in enumerate(choices):
            if not isinstance(choice, str):
                self.problem(child(child(path, "choices"), i), "A choice is a string.")
        if len(set(map(str, choices))) < len(choices):
            self.problem(child(path, "choices"), "Choices repeat.")
        if kind in (FieldType.CHOICE, FieldType.MULTI_CHOICE) and not choices:
            self.problem(child(path, "choices"), f"A {kind} field needs at least one choice.")
        if default is None or kind is None or not all(isinstance(c, str) for c in choices):
            return
        if isinstance(default, dict) or (
            isinstance(default, list) and kind != FieldType.MULTI_CHOICE
        ):
            self.problem(child(path, "default"), f"Not a valid default for a {kind} field.")
            return
        spec_def = FieldDef(
            key="value",
            label="value",
            type=kind,
            choices=tuple(choices),
            min_value=spec["min"],
            max_value=spec["max"],
        )
        try:
            clean_values([spec_def], {"value": default})
        except ValidationError as error:
            messages = " ".join(m for ms in error.message_dict.values() for m in ms)
            self.problem(
                child(path, "default"), f"Not a valid default for a {kind} field: {messages}"
            )

    def field_range(self, spec: dict[str, Any], path: str) -> bool:
        """Check `min` and `max`: numbers' only, whole for whole numbers, within what can
        be stored, min below max. False when the default cannot be checked against them."""
        kind, bounds = spec["type"], {"min": spec["min"], "max": spec["max"]}
        given = {name: value for name, value in bounds.items() if value is not None}
        if not given or kind is None:
            return True
        if kind not in (FieldType.NUMBER, FieldType.DECIMAL):
            for name in given:
                self.problem(child(path, name), "Only number and decimal fields have a range.")
            return True
        fine = True
        for name, value in given.items():
            if kind == FieldType.NUMBER and not float(value).is_integer():
                self.problem(child(path, name), "A whole-number field's range is whole numbers.")
                fine = False
            elif abs(value) > limits.NUMBER_LIMIT:
                self.problem(child(path, name), limits.NUMBER_MESSAGE)
                fine = False
        if fine and len(given) == 2 and given["min"] > given["max"]:
            self.problem(child(path, "max"), "The maximum is below the minimum.")
            fine = False
        return fine

    def trigger(self) -> None:
        trigger = self.definition["trigger"]
        if trigger.get("model") and record_model(self.definition) is None:
            known = [m._meta.label for m in apps.get_models()]
            self.problem(
                "$.trigger.model",
                f"No model '{trigger['model']}'.{did_you_mean(trigger['model'], known)}",
            )
        if trigger["type"] != TriggerType.RECORD:
            self.creatable()
            return
        if not trigger["model"]:
            self.problem("$.trigger.model", "A record trigger needs a model (app_label.Model).")
        for i, spec in enumerate(self.definition["inputs"]):
            if spec["required"] and spec["default"] is None:
                self.problem(
                    child(child("$.inputs", i), "default"),
                    f"Input '{spec['key']}' is required but has no default: record-triggered "
                    "runs start without anyone to give it.",
                )

    def creatable(self) -> None:
        model = record_model(self.definition)
        if model is None or not self.definition["trigger"].get("create"):
            return
        if not getattr(model, CREATE_FIELDS, None):
            self.problem(
                "$.trigger.create",
                f"{model._meta.label} does not say which fields a new record needs "
                f"({CREATE_FIELDS}): the Start page cannot create one.",
                "warning",
            )

    def step(self, step: dict[str, Any], stage: dict[str, Any], path: str) -> None:
        if step["type"] == StepKind.INTERACTIVE:
            if step["form"] is None:
                self.problem(child(path, "form"), "An interactive step needs a form.")
            elif step["form"] not in self.forms:
                hint = did_you_mean(step["form"], self.forms)
                self.problem(child(path, "form"), f"No form '{step['form']}'.{hint}")
            if step["assignee"] is None:
                self.problem(child(path, "assignee"), "An interactive step needs an assignee.")
            else:
                self.assignee(step["assignee"], child(path, "assignee"))
            if step["action"] is not None:
                self.problem(child(path, "action"), "Only background steps run an action.")
            if step["inputs"]:
                self.problem(child(path, "inputs"), "Only background steps have action inputs.")
        elif step["type"] == StepKind.BACKGROUND:
            if step["action"] is None:
                self.problem(child(path, "action"), "A background step needs an action.")
            else:
                self.action(step["action"], step["inputs"], path)
            if step["form"] is not None:
                self.problem(child(path, "form"), "A background step has no form.")
            if step["assignee"] is not None:
                self.problem(child(path, "assignee"), "A background step has no assignee.")
            if step["reassign"] != ReassignScope.TEAM:
                self.problem(
                    child(path, "reassign"), "A background step has no work item to reassign."
                )
        after = step["start"].get("after", []) if isinstance(step["start"], dict) else []
        for i, key in enumerate(after):
            where = child(child(child(path, "start"), "after"), i)
            if key == step["key"]:
                self.problem(where, "A step can't wait for itself.")
            elif key not in self.step_stage:
                hint = did_you_mean(key, [s["key"] for s in stage["steps"]])
                self.problem(where, f"No step '{key}' in this stage.{hint}")
            elif self.step_stage[key] != stage["key"]:
                self.problem(
                    where,
                    f"Step '{key}' is in stage '{self.step_stage[key]}': a step can only wait "
                    "for steps of its own stage.",
                )

    def assignee(self, assignee: dict[str, Any], path: str) -> None:
        if "expression" in assignee:
            self.typed_assignee(assignee["expression"], child(path, "expression"))
        if "user" in assignee:
            username = assignee["user"]
            user_model = get_user_model()
            user = user_model._default_manager.filter(
                **{user_model.USERNAME_FIELD: username}
            ).first()
            if user is None:
                self.problem(child(path, "user"), f"No user '{username}'.")
            elif not user.is_active:
                self.problem(child(path, "user"), f"User '{username}' is inactive.")
        elif "group" in assignee and not Group.objects.filter(name=assignee["group"]).exists():
            hint = did_you_mean(assignee["group"], Group.objects.values_list("name", flat=True))
            self.problem(child(path, "group"), f"No group '{assignee['group']}'.{hint}")

    def visibility_groups(self) -> None:
        """The teams that steps and form fields share their answers with exist (one query
        for all of them)."""
        named: list[tuple[str, str]] = [
            (child(path, "visibility_groups"), name)
            for path, step, _ in step_paths(self.definition)
            for name in step["visibility_groups"]
        ]
        for i, form in enumerate(self.definition["forms"]):
            for j, spec in enumerate(form["fields"]):
                path = child(child(child("$.forms", i), "fields"), j)
                where = child(path, "visibility_groups")
                named += [(where, name) for name in spec["visibility_groups"]]
        if not named:
            return
        found = Group.objects.filter(name__in={name for _, name in named})
        known = set(found.values_list("name", flat=True))
        for path, name in named:
            if name not in known:
                hint = did_you_mean(name, Group.objects.values_list("name", flat=True))
                self.problem(path, f"No group '{name}'.{hint}")

    def typed_assignee(self, expression: str, path: str) -> None:
        """An assignee read straight from an input should be a person input: then a
        start checks that it names somebody, rather than the step failing."""
        name = expression.strip().removeprefix("vars.")
        spec = next((i for i in self.definition["inputs"] if i["key"] == name), None)
        if expression.strip().startswith("vars.") and spec and spec["type"] != FieldType.PERSON:
            self.problem(
                path,
                f"Input '{name}' is {spec['type']}: make it a person input, so that starting a "
                "run checks that it names somebody (else the step fails when nobody has it).",
                "warning",
            )

    def action(self, name: str, inputs: dict[str, Any], path: str) -> None:
        try:
            action = get_action(name)
        except UnknownActionError:
            hint = did_you_mean(name, registered_actions())
            self.problem(child(path, "action"), f"No action '{name}' is registered.{hint}")
            return
        declared = ", ".join(action.inputs) or "none"
        for input_name, value in inputs.items():
            spec = action.inputs.get(input_name)
            where = child(child(path, "inputs"), input_name)
            if spec is None:
                self.problem(
                    where, f"Action '{name}' has no input '{input_name}'; its inputs: {declared}."
                )
            elif _wrong_literal(value, spec.type):
                expected = LITERAL_TYPES[spec.type][1]
                self.problem(where, f"Must be {expected}, not {describe(value)}.")
        for input_name, spec in action.inputs.items():
            if spec.required and input_name not in inputs:
                self.problem(
                    child(path, "inputs"),
                    f"Action '{name}' needs the input '{input_name}'.",
                )

    def targets(self, stage: dict[str, Any], path: str) -> None:
        decision_path = child(path, "decision")
        decision = stage["decision"]
        for i, outcome in enumerate(decision["outcomes"]):
            self.target(outcome["goto"], child(child(child(decision_path, "outcomes"), i), "goto"))
        self.target(decision["default"], child(decision_path, "default"))
        if stage["on_error"] is not None:
            if stage["on_error"] == stage["key"]:
                self.problem(child(path, "on_error"), "A stage can't be its own fault path.")
            elif stage["on_error"] not in self.stage_keys:
                hint = did_you_mean(stage["on_error"], self.stage_keys)
                self.problem(child(path, "on_error"), f"No stage '{stage['on_error']}'.{hint}")

    def target(self, key: str | None, path: str) -> None:
        if key is not None and key != END and key not in self.stage_keys:
            hint = did_you_mean(key, self.stage_keys)
            self.problem(path, f"No stage '{key}' (name a stage, or \"{END}\").{hint}")


def _wrong_literal(value: Any, input_type: str) -> bool:
    """Whether a value written in the file cannot be of the declared type (text may be
    a template that gives any type when the action runs)."""
    if value is None or isinstance(value, str) or input_type not in LITERAL_TYPES:
        return False
    types = LITERAL_TYPES[input_type][0]
    if isinstance(value, bool) and bool not in types:
        return True
    return not isinstance(value, types)
