"""Conditions, assignee expressions and `{{ }}` templates of a definition, checked
against the names a run will have: its record, variables, step outputs and itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from ..actions import UnknownActionError, get_action
from ..conditions import LEAF, OPEN, check, check_template, model_schema
from ..models.choices import StepKind, TriggerType
from .problems import Problem, child, stage_paths, step_paths

SET_VARIABLES = "set_variables"


def record_model(definition: dict[str, Any]) -> type[models.Model] | None:
    """The model of a run's record: a record trigger's, or the one a manual trigger
    names for the records people pick when they start a run; None without one (or for
    a model that is not installed)."""
    name = definition["trigger"].get("model")
    if not name:
        return None
    try:
        return apps.get_model(name)
    except (LookupError, ValueError):
        return None


def definition_scope(definition: dict[str, Any]) -> dict[str, Any]:
    """The names conditions may read: `record` (the record model's fields; open for
    manual runs without one, which code may start about any record), `vars`, `steps`,
    `run`."""
    user = model_schema(get_user_model(), depth=1)
    model = record_model(definition)
    forms = {form["key"]: form for form in definition["forms"]}
    variables = {spec["key"]: LEAF for spec in definition["inputs"] if spec["key"]}
    steps: dict[str, Any] = {}
    for _, step, _ in step_paths(definition):
        if step["key"] is None:
            continue
        outputs = _outputs(step, forms)
        if outputs is None:
            steps[step["key"]] = OPEN
        else:
            # A form field holds a plain value; an action's output may be an object
            # (http_request's `json`), so what lies below it is not checked.
            below = LEAF if step["type"] == StepKind.INTERACTIVE else OPEN
            steps[step["key"]] = {
                **dict.fromkeys(outputs, below),
                "completed_by": user,
                "completed_at": LEAF,
            }
        if step["action"] == SET_VARIABLES and isinstance(step["inputs"].get("values"), dict):
            variables.update(dict.fromkeys(step["inputs"]["values"], OPEN))
    run = dict.fromkeys(("id", "status", "started_at", "orchestration", "version"), LEAF)
    return {
        "record": model_schema(model) if model is not None else OPEN,
        "vars": variables,
        "steps": steps,
        "run": {**run, "started_by": user},
    }


# Why a name cannot be read in a run's label, said after the checker's own message.
LABEL_HINTS = {
    "record": "the orchestration has no record model (a manual trigger names one for the "
    "records people pick when they start a run)",
    "steps": "the label is made when the run starts, before any step has run",
}


def label_scope(definition: dict[str, Any]) -> dict[str, Any]:
    """What a run's label may read: `vars` and `run`, and `record` only when runs have
    a record model. Stricter than conditions, which may read any `record` of a manual
    run: every run shows its label, and most manual runs have no record at all."""
    scope = definition_scope(definition)
    names = ("record", "vars", "run") if record_model(definition) is not None else ("vars", "run")
    return {name: scope[name] for name in names}


def check_label(template: str, scope: dict[str, Any]) -> list[str]:
    """The problems of a label template, as sentences with their hint."""
    found = []
    for error in check_template(template, scope):
        message = str(error)
        for name, hint in LABEL_HINTS.items():
            if error.message.startswith(f"'{name}' is not available"):
                message = f"{message}: {hint}"
        found.append(message)
    return found


def _outputs(step: dict[str, Any], forms: dict[str, dict[str, Any]]) -> list[str] | None:
    """The output names a step is known to produce, or None if any may appear."""
    if step["type"] == StepKind.INTERACTIVE and step["form"] in forms:
        return [field["key"] for field in forms[step["form"]]["fields"] if field["key"]]
    if step["type"] == StepKind.BACKGROUND and step["action"]:
        try:
            declared = get_action(step["action"]).outputs
        except UnknownActionError:
            return None
        return list(declared) if declared is not None else None
    return None


def check_expressions(definition: dict[str, Any], problems: list[Problem]) -> None:
    scope = definition_scope(definition)
    for path, source, required in _conditions(definition):
        if source is None:
            continue
        if not source.strip():
            if required:
                problems.append(Problem(path, "Must not be empty."))
            continue
        for error in check(source, scope):
            problems.append(Problem(path, f"In '{source}': {error}."))
    for path, value in _templates(definition):
        for error in check_template(value, scope):
            problems.append(Problem(path, f"In the template: {error}."))
    for message in check_label(definition["label"], label_scope(definition)):
        problems.append(Problem("$.label", f"In the label: {message}."))


def _conditions(definition: dict[str, Any]) -> Iterator[tuple[str, str | None, bool]]:
    """(path, source, whether it must not be empty) of every condition and assignee
    expression."""
    if definition["trigger"]["type"] == TriggerType.RECORD:
        yield "$.trigger.condition", definition["trigger"]["condition"], False
    for path, stage in stage_paths(definition):
        yield child(path, "exit_condition"), stage["exit_condition"], False
        for i, outcome in enumerate(stage["decision"]["outcomes"]):
            outcome_path = child(child(child(path, "decision"), "outcomes"), i)
            yield child(outcome_path, "when"), outcome["when"], True
    for path, step, _ in step_paths(definition):
        if isinstance(step["start"], dict) and "condition" in step["start"]:
            yield child(child(path, "start"), "condition"), step["start"]["condition"], True
        yield child(path, "exit_condition"), step["exit_condition"], False
        if step["assignee"] and "expression" in step["assignee"]:
            expression = step["assignee"]["expression"]
            yield child(child(path, "assignee"), "expression"), expression, True


def _templates(definition: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for path, step, _ in step_paths(definition):
        for name in ("subject", "body"):
            yield child(child(path, "email"), name), step["email"][name]
        for name, value in step["inputs"].items():
            yield child(child(path, "inputs"), name), value
