"""What changed between two definitions, as `export_definition` writes them.

Pure functions over two JSON-ready dicts (no database): the orchestration's settings
and trigger, input variables, forms and their fields, stages and steps — each added,
removed or changed, with every changed setting as old → new. Order matters only
relative to what both versions share: inserting a stage does not "move" the stages
after it; moving one does (the longest common subsequence of keys stays in place).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.dateparse import parse_duration

from orchestrations.definition.schema import END

from .durations import duration_words

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
MOVE_LABELS = ("Position", "Stage")


@dataclass(frozen=True)
class Change:
    """One setting that differs: `label` reads like a form label."""

    label: str
    old: Any
    new: Any

    @property
    def old_text(self) -> str:
        return display(self.old)

    @property
    def new_text(self) -> str:
        return display(self.new)

    @property
    def is_move(self) -> bool:
        return self.label in MOVE_LABELS


@dataclass
class ItemDiff:
    """A stage, step, form, field or input that was added, removed or changed."""

    kind: str
    key: str
    name: str
    status: str
    changes: list[Change] = field(default_factory=list)
    where: str = ""  # a step's stage, a field's form
    summary: str = ""  # what an added or removed item is
    items: list[ItemDiff] = field(default_factory=list)  # a form's fields

    @property
    def moved(self) -> bool:
        return any(change.is_move for change in self.changes)

    @property
    def only_moved(self) -> bool:
        return bool(self.changes) and all(c.is_move for c in self.changes) and not self.items


@dataclass
class DefinitionDiff:
    settings: list[Change]
    inputs: list[ItemDiff]
    forms: list[ItemDiff]
    stages: list[ItemDiff]
    steps: list[ItemDiff]

    @property
    def is_identical(self) -> bool:
        return not (self.settings or self.inputs or self.forms or self.stages or self.steps)

    def summary(self) -> list[str]:
        """ "2 steps added", "1 stage changed", … in the order of the page."""
        lines = ["settings changed"] if self.settings else []
        for noun, items in (
            ("input", self.inputs),
            ("form", self.forms),
            ("stage", self.stages),
            ("step", self.steps),
        ):
            for status in (ADDED, REMOVED, CHANGED):
                n = sum(1 for item in items if item.status == status)
                if n:
                    lines.append(f"{n} {noun}{'' if n == 1 else 's'} {status}")
        return lines


def diff_definitions(a: dict[str, Any], b: dict[str, Any]) -> DefinitionDiff:
    """What changed from definition `a` to definition `b`."""
    return DefinitionDiff(
        settings=_settings(a, b),
        inputs=_keyed("input", a.get("inputs", []), b.get("inputs", []), _field_changes),
        forms=_forms(a.get("forms", []), b.get("forms", [])),
        stages=_keyed("stage", a.get("stages", []), b.get("stages", []), _stage_changes),
        steps=_steps(a.get("stages", []), b.get("stages", [])),
    )


def display(value: Any) -> str:
    """A setting's value as a person reads it."""
    if value is None:
        return "—"
    if value is True or value is False:
        return "yes" if value else "no"
    if value == "":
        return "(empty)"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value) if value else "(none)"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def moved_keys(old: list[str], new: list[str]) -> set[str]:
    """Keys in both lists whose relative order changed: the fewest that must move
    to turn one order into the other (everything off a longest common subsequence)."""
    common = set(old) & set(new)
    xs = [k for k in old if k in common]
    ys = [k for k in new if k in common]
    lengths = [[0] * (len(ys) + 1) for _ in range(len(xs) + 1)]
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            lengths[i + 1][j + 1] = (
                lengths[i][j] + 1 if x == y else max(lengths[i][j + 1], lengths[i + 1][j])
            )
    kept: set[str] = set()
    i, j = len(xs), len(ys)
    while i and j:
        if xs[i - 1] == ys[j - 1]:
            kept.add(xs[i - 1])
            i, j = i - 1, j - 1
        elif lengths[i - 1][j] >= lengths[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return common - kept


# --- The orchestration -------------------------------------------------------------------

SETTINGS = (
    ("Key", lambda d: d.get("key")),
    ("Name", lambda d: d.get("name")),
    ("Description", lambda d: d.get("description", "")),
    ("Run label", lambda d: d.get("label", "")),
    ("Trigger", lambda d: _trigger_text(d.get("trigger") or {})),
    ("Record model", lambda d: (d.get("trigger") or {}).get("model")),
    ("New records on start", lambda d: (d.get("trigger") or {}).get("create", False)),
    ("Starts on", lambda d: (d.get("trigger") or {}).get("on")),
    ("Start condition", lambda d: (d.get("trigger") or {}).get("condition")),
    ("More than one open run per record", lambda d: d.get("allow_concurrent_runs", False)),
    ("Most visits of one stage", lambda d: d.get("max_stage_visits")),
)


def _trigger_text(trigger: dict[str, Any]) -> str:
    return "a record is saved" if trigger.get("type") == "record" else "started by hand"


def _settings(a: dict[str, Any], b: dict[str, Any]) -> list[Change]:
    return _compare(SETTINGS, a, b)


def _compare(
    readers: Iterable[tuple[str, Callable[[dict[str, Any]], Any]]],
    a: dict[str, Any],
    b: dict[str, Any],
) -> list[Change]:
    changes = []
    for label, read in readers:
        old, new = read(a), read(b)
        if old != new:
            changes.append(Change(label, old, new))
    return changes


# --- Keyed lists: inputs, fields, forms, stages -------------------------------------------


def _keyed(
    kind: str,
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    changes_of: Callable[[dict[str, Any], dict[str, Any]], list[Change]],
    where: str = "",
) -> list[ItemDiff]:
    old_by_key = {item["key"]: item for item in old}
    new_by_key = {item["key"]: item for item in new}
    old_keys, new_keys = list(old_by_key), list(new_by_key)
    moved = moved_keys(old_keys, new_keys)
    diffs = []
    for position, key in enumerate(new_keys):
        item = new_by_key[key]
        if key not in old_by_key:
            diffs.append(_added(kind, item, where))
            continue
        changes = changes_of(old_by_key[key], item)
        if key in moved:
            changes.append(Change("Position", old_keys.index(key) + 1, position + 1))
        if changes:
            diffs.append(ItemDiff(kind, key, _name(item), CHANGED, changes, where=where))
    diffs += [_removed(kind, old_by_key[k], where) for k in old_keys if k not in new_by_key]
    return diffs


def _name(item: dict[str, Any]) -> str:
    return str(item.get("name") or item.get("label") or item["key"])


def _added(kind: str, item: dict[str, Any], where: str = "") -> ItemDiff:
    return ItemDiff(
        kind, item["key"], _name(item), ADDED, where=where, summary=_summary(kind, item)
    )


def _removed(kind: str, item: dict[str, Any], where: str = "") -> ItemDiff:
    summary = _summary(kind, item)
    return ItemDiff(kind, item["key"], _name(item), REMOVED, where=where, summary=summary)


def _summary(kind: str, item: dict[str, Any]) -> str:
    if kind == "step":
        return step_summary(item)
    if kind == "stage":
        steps = item.get("steps", [])
        names = ", ".join(_name(step) for step in steps)
        return f"{len(steps)} step{'' if len(steps) == 1 else 's'}" + (
            f": {names}" if names else ""
        )
    if kind == "form":
        fields = item.get("fields", [])
        return ", ".join(_name(f) for f in fields) or "no fields"
    required = ", required" if item.get("required") else ""
    return f"{item.get('type', '')}{required}"


def visibility_text(item: dict[str, Any], *, follows: str | None = None) -> str | None:
    """Who sees the answers, in words ("the teams Sales, Support"); a form field without
    a visibility of its own: `follows`."""
    visibility = item.get("visibility")
    if visibility is None:
        return follows
    if visibility == "groups":
        teams = ", ".join(item.get("visibility_groups") or []) or "—"
        return f"only the teams {teams}"
    return {"participants": "members and participants", "members": "members"}.get(
        visibility, visibility
    )


FIELD_SETTINGS = (
    ("Label", lambda f: f.get("label")),
    ("Type", lambda f: f.get("type")),
    ("Required", lambda f: f.get("required", False)),
    ("Choices", lambda f: f.get("choices", [])),
    ("Help", lambda f: f.get("help", "")),
    ("Default", lambda f: f.get("default")),
    ("Smallest value", lambda f: f.get("min")),
    ("Largest value", lambda f: f.get("max")),
    ("Who sees the answer", lambda f: visibility_text(f, follows="as its step")),
)


def _field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    return _compare(FIELD_SETTINGS, old, new)


def _forms(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[ItemDiff]:
    old_by_key = {form["key"]: form for form in old}
    diffs = []
    for form in new:
        before = old_by_key.get(form["key"])
        if before is None:
            diffs.append(_added("form", form))
            continue
        changes = _compare((("Name", lambda f: f.get("name")),), before, form)
        fields = _keyed(
            "field", before.get("fields", []), form.get("fields", []), _field_changes, _name(form)
        )
        if changes or fields:
            diffs.append(ItemDiff("form", form["key"], _name(form), CHANGED, changes, items=fields))
    new_keys = {form["key"] for form in new}
    diffs += [_removed("form", form) for form in old if form["key"] not in new_keys]
    return diffs


# --- Stages -------------------------------------------------------------------------------


def _target_text(target: Any) -> str:
    if target is None:
        return "the next stage"
    return "end the run" if target == END else str(target)


def outcome_text(outcome: dict[str, Any]) -> str:
    label = f"{outcome.get('label')}: " if outcome.get("label") else ""
    return f"{label}when {outcome.get('when', '')} → {_target_text(outcome.get('goto'))}"


def _outcomes_text(outcomes: list[dict[str, Any]]) -> str:
    return "\n".join(f"{n}. {outcome_text(o)}" for n, o in enumerate(outcomes, 1)) or "no outcomes"


STAGE_SETTINGS = (
    ("Name", lambda s: s.get("name")),
    ("Exits when", lambda s: s.get("exit_condition", "")),
    ("Decision", lambda s: _outcomes_text((s.get("decision") or {}).get("outcomes", []))),
    ("Otherwise", lambda s: _target_text((s.get("decision") or {}).get("default"))),
    ("Fault path", lambda s: s.get("on_error")),
)


def _stage_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    return _compare(STAGE_SETTINGS, old, new)


# --- Steps --------------------------------------------------------------------------------


def start_text(start: Any) -> str:
    if isinstance(start, dict) and "after" in start:
        return "after " + ", ".join(start["after"])
    if isinstance(start, dict) and "condition" in start:
        return f"when {start['condition']}"
    return "when the stage starts"


def assignee_text(assignee: Any) -> str | None:
    if not isinstance(assignee, dict) or not assignee:
        return None
    kind, value = next(iter(assignee.items()))
    words = {"user": "user", "group": "team queue", "expression": "expression"}
    return f"{words.get(kind, kind)} {value}"


def duration_text(value: Any) -> str | None:
    parsed = parse_duration(value) if isinstance(value, str) else None
    if parsed is None:
        return value
    return duration_words(parsed) or "0 minutes"


STEP_SETTINGS: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...] = (
    ("Name", lambda s: s.get("name")),
    ("Type", lambda s: s.get("type")),
    ("Instructions", lambda s: s.get("instructions", "")),
    ("Starts", lambda s: start_text(s.get("start"))),
    ("Completes when", lambda s: s.get("exit_condition", "")),
    ("Form", lambda s: s.get("form")),
    ("Assignee", lambda s: assignee_text(s.get("assignee"))),
    # Files written before the setting existed mean the default.
    ("Who may reassign", lambda s: s.get("reassign", "team")),
    ("Due in", lambda s: duration_text(s.get("due_in"))),
    ("Email subject", lambda s: (s.get("email") or {}).get("subject", "")),
    ("Email body", lambda s: (s.get("email") or {}).get("body", "")),
    ("Who sees its answers", lambda s: visibility_text(s, follows="members")),
    ("Action", lambda s: s.get("action")),
    ("Attempts", lambda s: (s.get("retry") or {}).get("max_attempts")),
    ("Backoff (seconds)", lambda s: (s.get("retry") or {}).get("backoff_seconds")),
)


def step_summary(step: dict[str, Any]) -> str:
    if step.get("type") == "background":
        what = f"background, action {step.get('action') or '—'}"
    else:
        assignee = assignee_text(step.get("assignee")) or "no assignee"
        what = f"interactive, form {step.get('form') or '—'}, {assignee}"
    return f"{what}; starts {start_text(step.get('start'))}"


def _step_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = _compare(STEP_SETTINGS, old, new)
    old_inputs, new_inputs = old.get("inputs") or {}, new.get("inputs") or {}
    for name in [*old_inputs, *(k for k in new_inputs if k not in old_inputs)]:
        if old_inputs.get(name) != new_inputs.get(name):
            changes.append(Change(f"Input “{name}”", old_inputs.get(name), new_inputs.get(name)))
    return changes


def _steps(old_stages: list[dict[str, Any]], new_stages: list[dict[str, Any]]) -> list[ItemDiff]:
    def index(stages: list[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
        return {step["key"]: (step, stage) for stage in stages for step in stage.get("steps", [])}

    old, new = index(old_stages), index(new_stages)
    diffs: list[ItemDiff] = []
    for stage in new_stages:
        new_order = [s["key"] for s in stage.get("steps", [])]
        before = next((s for s in old_stages if s["key"] == stage["key"]), {})
        stayed = [k for k in new_order if k in old and old[k][1] is before]
        moved = moved_keys([s["key"] for s in before.get("steps", [])], stayed)
        for position, key in enumerate(new_order):
            step = new[key][0]
            if key not in old:
                diffs.append(_added("step", step, _name(stage)))
                continue
            old_step, old_stage = old[key]
            changes = _step_changes(old_step, step)
            if old_stage is not before:
                changes.append(Change("Stage", _name(old_stage), _name(stage)))
            elif key in moved:
                old_position = [s["key"] for s in before["steps"]].index(key) + 1
                changes.append(Change("Position", old_position, position + 1))
            if changes:
                diffs.append(ItemDiff("step", key, _name(step), CHANGED, changes, _name(stage)))
    for key, (step, stage) in old.items():
        if key not in new:
            diffs.append(_removed("step", step, _name(stage)))
    return diffs
