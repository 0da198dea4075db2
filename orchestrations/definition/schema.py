"""The shape of a definition file (format 1).

For every object of the file: its keys in canonical order, their JSON types and
defaults. `normalize` checks a file against this shape, reports each mismatch at
its JSON path, and returns the file in canonical form (every key present, in
order, defaults filled in, free-form objects in the order of free_form.py), which
is what the importer writes and the exporter produces.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.dateparse import parse_duration
from django.utils.duration import duration_iso_string

from ..models.choices import FieldType, ReassignScope, StepKind, TriggerOn, TriggerType, Visibility
from .free_form import ordered_inputs, sorted_keys
from .problems import Problem, child

FORMAT = 1
END = "end"  # a decision target that ends the run
STAGE_START = "stage_start"
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
MAX_STAGE_VISITS = 10_000  # far above any real loop, far below the column's limit

NULL = type(None)
ANY = (object,)
TYPE_NAMES = {str: "a string", bool: "true or false", int: "a whole number", list: "a list"}
TYPE_NAMES |= {float: "a number"}
TYPE_NAMES |= {dict: "an object", NULL: "null", object: "anything"}


@dataclass(frozen=True)
class Key:
    types: tuple[type, ...]
    default: Any = None
    required: bool = False
    max_length: int | None = None


def text(default: str = "", max_length: int | None = None) -> Key:
    return Key((str,), default, max_length=max_length)


def required_text(max_length: int = 200) -> Key:
    return Key((str,), required=True, max_length=max_length)


TOP = {
    "format": Key((int,), required=True),
    "key": required_text(64),
    "name": required_text(),
    "description": text(),
    "label": text(max_length=300),
    "trigger": Key((dict,), {"type": TriggerType.MANUAL.value}),
    "allow_concurrent_runs": Key((bool,), False),
    "max_stage_visits": Key((int, NULL), None),
    "inputs": Key((list,), []),
    "forms": Key((list,), []),
    "stages": Key((list,), [], required=True),
}
TRIGGER = {
    "type": Key((str,), TriggerType.MANUAL.value),
    "model": text(max_length=100),
    "on": Key((str,), TriggerOn.CREATED.value),
    "condition": text(),
    "create": Key((bool,), False),
}
RECORD_ONLY = ("on", "condition")  # trigger keys that mean nothing for a manual trigger
FIELD = {
    "key": required_text(64),
    "label": required_text(),
    "type": required_text(16),
    "required": Key((bool,), False),
    "choices": Key((list,), []),
    "help": text(max_length=500),
    "default": Key(ANY, None),
    "min": Key((int, float, NULL), None),
    "max": Key((int, float, NULL), None),
}
# A form field may say who sees its answer (null: as the step that shows the form).
FORM_FIELD = FIELD | {
    "visibility": Key((str, NULL), None),
    "visibility_groups": Key((list,), []),
}
FORM = {"key": required_text(64), "name": required_text(), "fields": Key((list,), [])}
EMPTY_DECISION: dict[str, Any] = {"outcomes": [], "default": None}
STAGE = {
    "key": required_text(64),
    "name": required_text(),
    "exit_condition": text(),
    "steps": Key((list,), []),
    "decision": Key((dict, NULL), EMPTY_DECISION),
    "on_error": Key((str, NULL), None),
}
DECISION = {"outcomes": Key((list,), []), "default": Key((str, NULL), None)}
OUTCOME = {"label": text(max_length=200), "when": Key((str,), required=True)}
OUTCOME |= {"goto": required_text(64)}
STEP = {
    "key": required_text(64),
    "name": required_text(),
    "type": required_text(16),
    "instructions": text(),
    "start": Key((str, dict), STAGE_START),
    "exit_condition": text(),
    "form": Key((str, NULL), None),
    "assignee": Key((dict, NULL), None),
    "reassign": Key((str,), ReassignScope.TEAM.value),
    "due_in": Key((str, NULL), None),
    "email": Key((dict,), {"subject": "", "body": ""}),
    "visibility": Key((str,), Visibility.MEMBERS.value),
    "visibility_groups": Key((list,), []),
    "action": Key((str, NULL), None, max_length=100),
    "inputs": Key((dict,), {}),
    "retry": Key((dict,), {"max_attempts": 3, "backoff_seconds": 30}),
}
START = {"after": Key((list,), None), "condition": Key((str,), None)}
ASSIGNEE = {
    "user": Key((str,), None, max_length=150),
    "group": Key((str,), None, max_length=150),
    "expression": Key((str,), None, max_length=500),
}
EMAIL = {"subject": text(max_length=300), "body": text()}
RETRY = {"max_attempts": Key((int,), 3), "backoff_seconds": Key((int,), 30)}


def describe(value: Any) -> str:
    for kind in (NULL, bool, int, float, str, list, dict):
        if isinstance(value, kind):
            return TYPE_NAMES[kind]
    return type(value).__name__


def _has_type(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in types and object not in types:
        return False
    return isinstance(value, types)


def normalize(data: Any, problems: list[Problem]) -> dict[str, Any] | None:
    """The canonical form of `data`, appending every shape problem to `problems`.
    Values of the wrong type are replaced by their default (None for most required
    keys), so
    later checks see a complete structure; None when `data` is not an object."""
    if not isinstance(data, dict):
        problems.append(Problem("$", f"A definition is an object, not {describe(data)}."))
        return None
    return Shape(problems).definition(data)


class Shape:
    def __init__(self, problems: list[Problem]):
        self.problems = problems

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def definition(self, data: dict[str, Any]) -> dict[str, Any]:
        top = self.object(data, "$", TOP)
        if top["format"] is not None and top["format"] != FORMAT:
            self.problem("$.format", f"Unsupported format {top['format']}; use {FORMAT}.")
        if isinstance(top["key"], str) and not SLUG_RE.match(top["key"]):
            self.problem("$.key", "Use letters, digits, hyphens and underscores only.")
        visits = top["max_stage_visits"]
        if visits is not None and not 1 <= visits <= MAX_STAGE_VISITS:
            self.problem("$.max_stage_visits", f"Must be 1 to {MAX_STAGE_VISITS:,}, or null.")
        top["trigger"] = self.trigger(top["trigger"], data.get("trigger"))
        top["inputs"] = self.items(top["inputs"], "$.inputs", self.field)
        top["forms"] = self.items(top["forms"], "$.forms", self.form)
        top["stages"] = self.items(top["stages"], "$.stages", self.stage)
        return top

    def object(
        self, value: Any, path: str, keys: dict[str, Key], *, quiet: bool = False
    ) -> dict[str, Any]:
        """Check an object's keys; `quiet` skips "missing key" problems (for an item
        already reported as not being an object)."""
        if not isinstance(value, dict):
            self.problem(path, f"Must be an object, not {describe(value)}.")
            value, quiet = {}, True
        allowed = ", ".join(keys)
        for name in value:
            if name not in keys:
                self.problem(child(path, name), f"Unknown key '{name}'; allowed: {allowed}.")
        result: dict[str, Any] = {}
        for name, key in keys.items():
            if name not in value:
                if key.required and not quiet:
                    self.problem(child(path, name), f"Missing required key '{name}'.")
                result[name] = copy.deepcopy(key.default)
                continue
            given = value[name]
            if not _has_type(given, key.types):
                expected = " or ".join(TYPE_NAMES[t] for t in key.types)
                self.problem(child(path, name), f"Must be {expected}, not {describe(given)}.")
                result[name] = copy.deepcopy(key.default)
                continue
            if key.max_length and isinstance(given, str) and len(given) > key.max_length:
                self.problem(child(path, name), f"At most {key.max_length} characters.")
            result[name] = given
        return result

    def items(
        self, values: list[Any], path: str, normalize_item: Callable[[Any, str], dict[str, Any]]
    ) -> list[dict[str, Any]]:
        return [normalize_item(value, child(path, i)) for i, value in enumerate(values)]

    def key(self, obj: dict[str, Any], path: str, name: str = "key") -> None:
        value = obj[name]
        if isinstance(value, str) and not KEY_RE.match(value):
            self.problem(
                child(path, name),
                f"'{value}' is not a valid key: use lower-case letters, digits and "
                "underscores, starting with a letter.",
            )

    def choice(self, obj: dict[str, Any], path: str, name: str, allowed: list[str]) -> None:
        if obj[name] is not None and obj[name] not in allowed:
            self.problem(child(path, name), f"'{obj[name]}' is not one of: {', '.join(allowed)}.")
            obj[name] = None

    def trigger(self, trigger: dict[str, Any], given: Any) -> dict[str, Any]:
        """The trigger in canonical form: a record trigger with its model, `on` and
        condition; a manual one alone, or with the model of the record a person picks
        (or creates) when starting a run."""
        trigger = self.object(trigger, "$.trigger", TRIGGER)
        self.choice(trigger, "$.trigger", "type", TriggerType.values)
        self.choice(trigger, "$.trigger", "on", TriggerOn.values)
        given = given if isinstance(given, dict) else {}
        if trigger["type"] == TriggerType.RECORD:
            if "create" in given:
                self.ignored("create", "records that start runs exist already")
            return {name: trigger[name] for name in ("type", "model", "on", "condition")}
        for name in RECORD_ONLY:
            if name in given:
                self.ignored(name, "the trigger is manual")
        if not trigger["model"]:
            if "create" in given:
                self.ignored("create", "a manual trigger without a model has no record")
            return {"type": TriggerType.MANUAL.value}
        return {"type": TriggerType.MANUAL.value, "model": trigger["model"]} | {
            "create": trigger["create"]
        }

    def ignored(self, name: str, why: str) -> None:
        self.problems.append(Problem(child("$.trigger", name), f"Ignored: {why}.", "warning"))

    def field(self, value: Any, path: str, keys: dict[str, Key] = FIELD) -> dict[str, Any]:
        spec = self.object(value, path, keys)
        spec["default"] = sorted_keys(spec["default"])
        self.key(spec, path)
        self.choice(spec, path, "type", FieldType.values)
        return spec

    def form_field(self, value: Any, path: str) -> dict[str, Any]:
        spec = self.field(value, path, FORM_FIELD)
        self.visibility(spec, path)
        return spec

    def form(self, value: Any, path: str) -> dict[str, Any]:
        form = self.object(value, path, FORM)
        self.key(form, path)
        form["fields"] = self.items(form["fields"], child(path, "fields"), self.form_field)
        return form

    def visibility(self, obj: dict[str, Any], path: str) -> None:
        """`visibility` and its teams, in canonical form: the teams' names sorted, and
        none unless the visibility is "groups" (a field's null follows its step)."""
        self.choice(obj, path, "visibility", Visibility.values)
        groups_path = child(path, "visibility_groups")
        names = []
        for i, name in enumerate(obj["visibility_groups"]):
            if isinstance(name, str):
                names.append(name)
            else:
                self.problem(child(groups_path, i), "Must be a team's name.")
        if len(set(names)) < len(names):
            self.problem(groups_path, "Teams repeat.")
        if obj["visibility"] == Visibility.GROUPS:
            if not names:
                self.problem(groups_path, 'Name at least one team for "groups".')
            obj["visibility_groups"] = sorted(set(names))
            return
        if names:
            self.problems.append(
                Problem(groups_path, 'Ignored: the visibility is not "groups".', "warning")
            )
        obj["visibility_groups"] = []

    def stage(self, value: Any, path: str) -> dict[str, Any]:
        stage = self.object(value, path, STAGE)
        self.key(stage, path)
        if stage["key"] == END:
            self.problem(child(path, "key"), f"'{END}' is reserved: it means the end of the run.")
        stage["steps"] = self.items(stage["steps"], child(path, "steps"), self.step)
        decision_path = child(path, "decision")
        decision = self.object(
            stage["decision"] or copy.deepcopy(EMPTY_DECISION), decision_path, DECISION
        )
        outcomes_path = child(decision_path, "outcomes")
        decision["outcomes"] = self.items(
            decision["outcomes"], outcomes_path, lambda v, p: self.object(v, p, OUTCOME)
        )
        stage["decision"] = decision
        return stage

    def step(self, value: Any, path: str) -> dict[str, Any]:
        step = self.object(value, path, STEP)
        self.key(step, path)
        self.choice(step, path, "type", StepKind.values)
        step["start"] = self.start(step["start"], child(path, "start"))
        if step["assignee"] is not None:
            step["assignee"] = self.one_of(step["assignee"], child(path, "assignee"), ASSIGNEE)
        self.choice(step, path, "reassign", ReassignScope.values)
        step["reassign"] = step["reassign"] or ReassignScope.TEAM.value
        step["due_in"] = self.duration(step["due_in"], child(path, "due_in"))
        step["email"] = self.object(step["email"], child(path, "email"), EMAIL)
        self.visibility(step, path)
        if step["visibility"] is None:  # not one of the choices (reported): the default
            step["visibility"] = STEP["visibility"].default
        step["inputs"] = ordered_inputs(step["action"], step["inputs"])
        retry = step["retry"] = self.object(step["retry"], child(path, "retry"), RETRY)
        for name, low, high in (("max_attempts", 1, 100), ("backoff_seconds", 0, 86400)):
            if not low <= retry[name] <= high:
                self.problem(child(child(path, "retry"), name), f"Must be {low} to {high}.")
                retry[name] = RETRY[name].default
        return step

    def start(self, start: Any, path: str) -> Any:
        if isinstance(start, str):
            if start != STAGE_START:
                self.problem(
                    path, f'Use "{STAGE_START}", {{"after": [step keys]}} or {{"condition": "…"}}.'
                )
            return STAGE_START
        chosen = self.one_of(start, path, START)
        if chosen is None:
            return STAGE_START
        after = chosen.get("after")
        if after is not None:
            for i, key in enumerate(after):
                if not isinstance(key, str):
                    self.problem(child(child(path, "after"), i), "Must be a step key.")
            chosen["after"] = [key for key in after if isinstance(key, str)]
            if not after:
                self.problem(child(path, "after"), "Name at least one step to wait for.")
        return chosen

    def one_of(self, value: dict[str, Any], path: str, keys: dict[str, Key]) -> dict | None:
        """An object with exactly one of `keys`: that key alone, or None."""
        checked = self.object(value, path, keys)
        given = [name for name in keys if checked[name] is not None]
        if len(given) != 1:
            self.problem(path, f"Give exactly one of: {', '.join(keys)}.")
            return None
        return {given[0]: checked[given[0]]}

    def duration(self, value: str | None, path: str) -> str | None:
        if value is None:
            return None
        parsed = parse_duration(value)
        if parsed is None:
            self.problem(path, f"'{value}' is not a duration: use ISO 8601, e.g. P2D or PT4H.")
            return None
        if parsed.total_seconds() <= 0:
            self.problem(path, "Must be a positive duration.")
            return None
        return duration_iso_string(parsed)
