"""Hostile definitions, each tried through every door: the Python functions, the
`orchestration_import` command and the builder's import page.

Each case has the definition as Python data (for `validate_definition`) and as JSON
text (for the command and the page), with what each door must say. Deep values are
built in loops and written out by hand: `json.dumps` itself recurses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape

from tests.orchestrations.definitions import small_definition

STEP = "$.stages[0].steps[0]"


@dataclass(frozen=True)
class Case:
    id: str
    data: Any  # what validate_definition is given
    text: str  # the same as a file
    path: str  # where validate_definition reports it
    message: str  # how its message starts
    said: str  # what the command says (JSON text may be refused sooner than data)
    page: str  # what the import page shows, as HTML

    @classmethod
    def refused_as_text(cls, id: str, data: Any, text: str, path: str, message: str,
                        said: str) -> Case:  # fmt: skip
        return cls(id, data, text, path, message, said, escape(said))

    @classmethod
    def past_a_limit(cls, id: str, data: Any, path: str, message: str) -> Case:
        """Refused by check_limits: the import page says so next to the box."""
        said = f"{path}: {message}"
        return cls(id, data, json.dumps(data), path, message, said, escape(said))

    @classmethod
    def invalid(cls, id: str, data: Any, path: str, message: str) -> Case:
        """Refused by validation: the import page lists it with the other problems."""
        page = f'<code class="problem-path">{escape(path)}</code> {escape(message)}'
        return cls(id, data, json.dumps(data), path, message, f"{path}: {message}", page)


def nested_lists(depth: int) -> list[Any]:
    outer: list[Any] = []
    inner = outer
    for _ in range(depth - 1):
        inner.append([])
        inner = inner[0]
    return outer


def nested_objects(depth: int) -> dict[str, Any]:
    outer: dict[str, Any] = {}
    inner = outer
    for _ in range(depth - 1):
        inner["a"] = {}
        inner = inner["a"]
    return outer


def background_step(key: str, **options: Any) -> dict[str, Any]:
    return {"key": key, "name": key.capitalize(), "type": "background", "action": "wait",
            "inputs": {"duration": "PT1M"}, **options}  # fmt: skip


def one_background_step(**options: Any) -> dict[str, Any]:
    data = small_definition()
    data["stages"][0]["steps"] = [background_step("flag", **options)]
    return data


def waiting_chain(length: int, *, circle: bool = False) -> dict[str, Any]:
    """One stage of `length` steps, each waiting for the one before it (and the first
    for the last, with `circle`)."""
    steps = [
        background_step(f"s{i}", start={"after": [f"s{i - 1}"]} if i else "stage_start")
        for i in range(length)
    ]
    if circle:
        steps[0]["start"] = {"after": [f"s{length - 1}"]}
    data = small_definition()
    data["stages"][0]["steps"] = steps
    return data


def _deep_inputs_case() -> Case:
    data = one_background_step(action="set_variables", inputs={"values": nested_objects(1000)})
    marker = '"values": {}'
    shallow = json.dumps(one_background_step(action="set_variables", inputs={"values": {}}))
    text = shallow.replace(marker, '"values": ' + '{"a": ' * 999 + "{}" + "}" * 999)
    # $, stages, a stage, steps, a step, inputs, values: the 33rd level is 26 "a"s down.
    return Case.refused_as_text(
        "inputs nested 1,000 deep", data, text, f"{STEP}.inputs.values" + ".a" * 26,
        "Nested too deeply: more than 32 levels", "The JSON is nested too deeply",
    )  # fmt: skip


def _stage_named(name: str) -> dict[str, Any]:
    data = small_definition()
    data["stages"][0]["name"] = name
    return data


def _with_step_key(name: str) -> dict[str, Any]:
    data = small_definition()
    data["stages"][0]["steps"][0][name] = "x"
    return data


CIRCLE = "Steps wait for each other in a circle: s0 → s1999 → s1998"

CASES = [
    Case.refused_as_text(
        "JSON nested 50,000 deep",
        nested_lists(50_000),
        "[" * 50_000 + "]" * 50_000,
        "$" + "[0]" * 32,
        "Nested too deeply: more than 32 levels",
        "The JSON is nested too deeply: more than 32 levels of objects and lists at line 1, "
        "column 33.",
    ),
    _deep_inputs_case(),
    Case.invalid(
        "a circle of 2,000 steps", waiting_chain(2000, circle=True), f"{STEP}.start", CIRCLE
    ),
    Case.past_a_limit(
        "NUL in a name",
        _stage_named("On\x00boarding"),
        "$.stages[0].name",
        "Contains a character that cannot be stored (U+0000)",
    ),
    Case.past_a_limit(
        "a lone surrogate in a name",
        _stage_named("\ud800"),
        "$.stages[0].name",
        "Contains a character that cannot be stored (U+D800)",
    ),
    Case.past_a_limit(
        "NUL in a key",
        _with_step_key("na\x00me"),
        f"{STEP}['na\\x00me']",
        "The key contains a character that cannot be stored (U+0000)",
    ),
    Case.past_a_limit(
        "a lone surrogate in an input's key",
        one_background_step(action="set_variables", inputs={"values": {"\udfff": 1}}),
        f"{STEP}.inputs.values['\\udfff']",
        "The key contains a character that cannot be stored (U+DFFF)",
    ),
]
