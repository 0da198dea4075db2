"""The names a condition may read at one place of a version, and checking a text there.

The definition validator checks every expression against one scope for the whole
version (`definition_scope`): a name that exists nowhere is an error. At a given place
fewer names have a value: a step in stage 2 can read what stage 1 produced, not what
stage 3 will; a trigger condition runs before there is a run. So the live check in the
editors reports errors against the whole version (exactly what activation will say)
and *warnings* for names that exist but have no value yet where they are used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from orchestrations.actions import get_action
from orchestrations.conditions import FUNCTIONS, ConditionError, Scope, check, check_template
from orchestrations.conditions.access import HIDDEN_FIELDS
from orchestrations.definition import export_definition
from orchestrations.definition.expressions import (
    LABEL_HINTS,
    SET_VARIABLES,
    definition_scope,
    label_scope,
    record_model,
)
from orchestrations.definition.sharing import shown_to_participants, unshared_reads
from orchestrations.models import Stage, Step, Version
from orchestrations.models.choices import FieldType, StepKind

# Where a text is used, which decides what has a value there.
TRIGGER = "trigger"  # the trigger's start condition: only the record
STAGE = "stage"  # a stage's exit condition and decision: its own and earlier stages' steps
STEP_CONDITION = "step-condition"  # a step's start/exit condition, re-checked as steps finish
STEP_START = "step-start"  # assignee, email, action inputs: computed once, when the step starts
LABEL = "label"  # the run's label: its record, variables and itself, no steps
SETTINGS = (TRIGGER, STAGE, STEP_CONDITION, STEP_START, LABEL)

CONDITION, EXPRESSION, TEMPLATE = "condition", "expression", "template"
KINDS = (CONDITION, EXPRESSION, TEMPLATE)

FIELD_TYPES = dict(FieldType.choices)
RUN_NAMES = {
    "run.id": "whole number",
    "run.status": "text",
    "run.started_at": "date and time",
    "run.started_by": "user",
    "run.orchestration": "orchestration",
    "run.version": "version",
}
NOT_YET_RUN = "it reads None here until it has run (unless a decision loops back)"


@dataclass(frozen=True)
class Name:
    name: str
    type: str = ""


@dataclass
class NameGroup:
    title: str
    names: list[Name] = field(default_factory=list)
    note: str = ""


@dataclass
class Place:
    """What a text may read at one place: `full` is the whole version's scope (errors),
    `scope` what has a value here (warnings), `groups` the names to show the admin."""

    full: Scope
    scope: Scope
    groups: list[NameGroup]
    unavailable: dict[str, str]  # step key or namespace → why it has no value here
    functions: dict[str, tuple[str, ...]]  # name → (how it is called, what it gives)
    definition: dict[str, Any] = field(default_factory=dict)  # the version, exported


@dataclass(frozen=True)
class Finding:
    """One problem of a checked text, positioned (1-based) in it."""

    message: str
    source: str
    position: int | None
    severity: str = "error"

    @property
    def line(self) -> int:
        return self.source[: (self.position or 1) - 1].count("\n") + 1

    @property
    def column(self) -> int:
        before = self.source[: (self.position or 1) - 1]
        return len(before) - (before.rfind("\n") + 1) + 1

    @property
    def location(self) -> str:
        if self.position is None:
            return ""
        if "\n" in self.source:
            return f"line {self.line}, column {self.column}"
        return f"column {self.column}"

    @property
    def line_text(self) -> str:
        return self.source.split("\n")[self.line - 1] if self.position else ""

    @property
    def caret(self) -> str:
        """Spaces then `^`, to print under `line_text` in a monospaced font."""
        return " " * (self.column - 1) + "^" if self.position else ""


def place_for(
    version: Version,
    *,
    setting: str,
    stage: Stage | None = None,
    step: Step | None = None,
    after: Iterable[str] | None = None,
    trigger: dict[str, str] | None = None,
) -> Place:
    """The names a text at `setting` of `stage`/`step` may read. `after` overrides the
    step keys the step waits for, `trigger` the trigger's type and model (the editors
    send what is chosen, saved or not)."""
    definition = export_definition(version)
    if trigger:
        definition["trigger"] = {**definition["trigger"], **trigger}
    full = definition_scope(definition)
    stage_key = step.stage.key if step is not None else (stage.key if stage else None)
    visible, unavailable = _visible_steps(definition, setting, stage_key, step, after)
    scope = dict(full)
    scope["steps"] = {k: v for k, v in full["steps"].items() if k in visible}
    if setting == TRIGGER:
        scope = {"record": full["record"]}
        why = "the trigger checks its condition before a run exists: only record can be read"
        unavailable.update(dict.fromkeys(("vars", "steps", "run"), why))
    if setting == LABEL:
        # Names outside the label's scope are errors there, not warnings.
        full = scope = label_scope(definition)
        unavailable.update({name: hint for name, hint in LABEL_HINTS.items() if name not in scope})
    functions = {
        name: tuple(help.split(": ", 1)) if ": " in help else (f"{name}()", help)
        for name, help in FUNCTIONS.items()
    }
    groups = _groups(definition, scope, visible)
    return Place(full, scope, groups, unavailable, functions, definition)


def full_scope(version: Version) -> Scope:
    """Every name the version's expressions may read anywhere (what activation checks)."""
    return definition_scope(export_definition(version))


def check_text(text: str, kind: str, place: Place) -> list[Finding]:
    """Errors against the whole version, else warnings for names without a value here."""
    checker = check_template if kind == TEMPLATE else check
    errors = checker(text, place.full)
    if errors:
        return [Finding(_reworded(e, place), e.source, e.position) for e in errors]
    return [
        Finding(_reworded(e, place), e.source, e.position, "warning")
        for e in checker(text, place.scope)
    ]


def sharing_findings(text: str, place: Place, step_key: str) -> list[Finding]:
    """Warnings for an email text of the step `step_key` that participants may read and
    that reads answers not shared with them (blank in their email)."""
    step = next(
        (s for stage in place.definition.get("stages", []) for s in stage["steps"]
         if s["key"] == step_key),
        None,
    )  # fmt: skip
    if step is None or not shown_to_participants(step):
        return []
    return [
        Finding(message, text, None, "warning")
        for message in unshared_reads(place.definition, text)
    ]


def _sentence(message: str) -> str:
    """The message as a sentence; one that starts with a name (`record.x has no …`)
    keeps the name as written."""
    starts_with_name = re.match(r"(record|vars|steps|run)\b|['\w]+\.", message)
    first = message[:1] if starts_with_name else message[:1].upper()
    return first + message[1:] + ("" if message.endswith((".", "?", ")")) else ".")


def _reworded(error: ConditionError, place: Place) -> str:
    step = re.match(r"unknown step '([^']+)'", error.message)
    if step and step.group(1) in place.unavailable:
        return _sentence(place.unavailable[step.group(1)])
    root = re.match(r"'(\w+)' is not available here", error.message)
    if root and root.group(1) in place.unavailable:
        return _sentence(f"'{root.group(1)}' has no value here: {place.unavailable[root.group(1)]}")
    return _sentence(error.message)


def _visible_steps(
    definition: dict[str, Any],
    setting: str,
    stage_key: str | None,
    step: Step | None,
    after: Iterable[str] | None,
) -> tuple[set[str], dict[str, str]]:
    """The step keys with outputs at this place, and why each other one has none."""
    visible: set[str] = set()
    unavailable: dict[str, str] = {}
    reached = False
    for stage in definition["stages"]:
        keys = [s["key"] for s in stage["steps"]]
        if stage["key"] == stage_key:
            reached = True
            here = _same_stage(stage, setting, step, after)
            visible.update(here)
            for key in keys:
                if key not in here:
                    unavailable[key] = _why_not(key, step, setting)
        elif not reached and setting != TRIGGER:
            visible.update(keys)
        else:
            for key in keys:
                unavailable[key] = f"step '{key}' is in the later stage '{stage['name']}': " + (
                    NOT_YET_RUN
                )
    return visible, unavailable


def _same_stage(
    stage: dict[str, Any], setting: str, step: Step | None, after: Iterable[str] | None
) -> set[str]:
    keys = {s["key"] for s in stage["steps"]}
    if setting == STAGE:
        return keys
    own = step.key if step is not None else None
    if setting == STEP_CONDITION:
        return keys - {own}
    waits = {
        s["key"]: list(s["start"].get("after", [])) if isinstance(s["start"], dict) else []
        for s in stage["steps"]
    }
    if after is not None and own is not None:
        waits[own] = list(after)
    found: set[str] = set()
    todo = list(waits.get(own or "", []))
    while todo:
        key = todo.pop()
        if key in found or key == own or key not in keys:
            continue
        found.add(key)
        todo.extend(waits.get(key, []))
    return found


def _why_not(key: str, step: Step | None, setting: str) -> str:
    if step is not None and key == step.key:
        return f"'{key}' is this step: its outputs exist only once it has completed"
    return (
        f"step '{key}' is in this stage but this step does not wait for it: it may not "
        "have completed yet (then it reads None). Make this step start after it to be sure"
    )


def _groups(definition: dict[str, Any], scope: Scope, visible: set[str]) -> list[NameGroup]:
    groups = []
    if "record" in scope:
        groups.append(_record_group(definition))
    if "vars" in scope:
        groups.append(_vars_group(definition))
    if "steps" in scope:
        groups.append(_steps_group(definition, visible))
    if "run" in scope:
        groups.append(NameGroup("The run", [Name(n, t) for n, t in RUN_NAMES.items()]))
    return groups


def _record_group(definition: dict[str, Any]) -> NameGroup:
    model = record_model(definition)
    if model is None:
        return NameGroup(
            "The record",
            note="This orchestration starts manually without a record model: a run started "
            "from code may be about any record, so names under record are not checked.",
        )
    opts = model._meta
    names = [
        Name(f"record.{f.name}", _model_field_type(f))
        for f in opts.concrete_fields
        if f.name not in HIDDEN_FIELDS and not f.name.startswith("_")
    ]
    return NameGroup(f"The record: {opts.verbose_name} ({opts.label})", names)


def _model_field_type(model_field: models.Field) -> str:
    related = model_field.related_model
    if model_field.is_relation and isinstance(related, type):
        return f"{related._meta.verbose_name} (read its fields: .name, …)"
    kind = {
        "CharField": "text",
        "TextField": "text",
        "SlugField": "text",
        "EmailField": "email",
        "URLField": "URL",
        "BooleanField": "yes/no",
        "DateField": "date",
        "DateTimeField": "date and time",
        "DecimalField": "decimal",
        "FloatField": "number",
        "DurationField": "duration",
        "JSONField": "JSON",
    }.get(type(model_field).__name__) or {"CharField": "text"}.get(
        model_field.get_internal_type(), ""
    )
    if not kind:
        internal = model_field.get_internal_type()
        kind = "whole number" if "Integer" in internal or "AutoField" in internal else "value"
    if model_field.choices:
        values = [str(value) for value, _ in model_field.flatchoices][:6]
        kind += f": {', '.join(values)}"
    return kind


def _vars_group(definition: dict[str, Any]) -> NameGroup:
    names = [
        Name(f"vars.{spec['key']}", FIELD_TYPES.get(spec["type"], spec["type"]).lower())
        for spec in definition["inputs"]
    ]
    for stage in definition["stages"]:
        for step in stage["steps"]:
            values = step["inputs"].get("values") if step["action"] == SET_VARIABLES else None
            if isinstance(values, dict):
                names += [Name(f"vars.{n}", f"set by step '{step['key']}'") for n in values]
    note = "" if names else "No input variables: add them on the Trigger & inputs tab."
    return NameGroup("Input variables", names, note)


def _steps_group(definition: dict[str, Any], visible: set[str]) -> NameGroup:
    forms = {form["key"]: form for form in definition["forms"]}
    names: list[Name] = []
    for stage in definition["stages"]:
        for step in stage["steps"]:
            if step["key"] in visible:
                names += _step_names(step, forms)
    note = "" if names else "No step has run yet at this point."
    return NameGroup("Outputs of steps that come before", names, note)


def _step_names(step: dict[str, Any], forms: dict[str, Any]) -> list[Name]:
    prefix = f"steps.{step['key']}"
    form = forms.get(step["form"] or "")
    if step["type"] == StepKind.INTERACTIVE and form is not None:
        outputs = [
            Name(f"{prefix}.{spec['key']}", FIELD_TYPES.get(spec["type"], "").lower())
            for spec in form["fields"]
        ]
    else:
        outputs = [Name(f"{prefix}.…", "whatever the step produces")]
        try:
            declared = get_action(step["action"] or "").outputs
        except LookupError:
            declared = None
        if declared is not None:
            outputs = [Name(f"{prefix}.{name}", "action output") for name in declared]
    return [
        *outputs,
        Name(f"{prefix}.completed_by", "user"),
        Name(f"{prefix}.completed_at", "date and time"),
    ]
