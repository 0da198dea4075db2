"""Hostile or odd definitions are refused with a clear message at their JSON path, never
a traceback: deep nesting, sizes past the limits, characters no database can store,
long chains of steps. Through the functions and the `orchestration_import` command here;
through the builder's import page in tests/builder/test_export_import.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orchestrations.definition import (
    DefinitionError,
    export_definition,
    import_definition,
    validate_definition,
)
from orchestrations.definition.free_form import ordered_inputs, sorted_keys
from orchestrations.definition.limits import (
    MAX_DEPTH,
    MAX_PROBLEMS,
    DefinitionTextError,
    check_limits,
    load_definition_text,
)
from orchestrations.models import Orchestration, Step
from tests.orchestrations.definitions import make_people, rich_definition, small_definition
from tests.orchestrations.hostile import (
    CASES,
    STEP,
    Case,
    nested_lists,
    one_background_step,
    waiting_chain,
)

ROOT = Path(__file__).resolve().parents[2]


def errors(data: object) -> list[str]:
    return [str(p) for p in validate_definition(data) if p.is_error]


# Every hostile case, through the functions and the command


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_validation_reports_each_hostile_case_at_its_path(case: Case) -> None:
    found = [p for p in validate_definition(case.data) if p.is_error]

    assert [p.path for p in found] == [case.path]
    assert found[0].message.startswith(case.message)


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_import_refuses_each_hostile_case_and_writes_nothing(case: Case) -> None:
    with pytest.raises(DefinitionError) as refused:
        import_definition(case.data)

    assert f"{case.path}: {case.message}" in str(refused.value)
    assert not Orchestration.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_import_command_refuses_each_hostile_case_without_a_traceback(
    case: Case, tmp_path: Path
) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(case.text, encoding="utf-8")
    err = StringIO()

    with pytest.raises(CommandError) as refused:
        call_command("orchestration_import", str(path), stderr=err)

    assert case.said in f"{refused.value}\n{err.getvalue()}"
    assert not Orchestration.objects.exists()


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b" " * (2 * 1024 * 1024 + 1), "is 2.0 MB: at most 2 MB."),
        (b'{"name": "\xe9"}', "is not UTF-8 text."),
        (b"\xef\xbb\xbf" + b"[" * 40, "nested too deeply: more than 32 levels"),
    ],
    ids=["over 2 MB", "not UTF-8", "nested too deeply after a byte order mark"],
)
def test_the_import_command_says_why_a_file_cannot_be_read(
    tmp_path: Path, body: bytes, said: str
) -> None:
    path = tmp_path / "odd.json"
    path.write_bytes(body)

    with pytest.raises(CommandError, match=said):
        call_command("orchestration_import", str(path))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[" * 50_000 + "]" * 50_000, "nested too deeply: more than 32 levels"),
        (json.dumps(small_definition(name="\ud800")), "$.name: Contains a character that"),
    ],
    ids=["nested 50,000 deep", "a lone surrogate"],
)
def test_the_import_command_run_from_the_shell_exits_non_zero_without_a_traceback(
    tmp_path: Path, text: str, said: str
) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(text, encoding="utf-8")
    # A database of its own: the file is refused before anything is read or written.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "HANDOFF_DATA_DIR":
           str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}  # fmt: skip

    done = subprocess.run(
        [sys.executable, "manage.py", "orchestration_import", str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert said in done.stderr


# Reading JSON text


def test_json_nested_past_the_limit_is_refused_where_it_passes_it() -> None:
    text = '{\n  "stages": ' + "[" * 40 + "]" * 40 + "\n}"

    with pytest.raises(DefinitionTextError) as refused:
        load_definition_text(text)

    # The object is the first level, so the 32nd bracket opens the 33rd.
    assert (refused.value.line, refused.value.column) == (2, 13 + 31)
    assert "nested too deeply: more than 32 levels" in str(refused.value)


def test_json_nested_to_the_limit_is_read() -> None:
    assert load_definition_text("[" * MAX_DEPTH + "]" * MAX_DEPTH) == nested_lists(MAX_DEPTH)


def test_brackets_inside_strings_are_not_nesting() -> None:
    text = json.dumps({"a": "[" * 100 + '\\"{' * 50})

    assert load_definition_text(text) == json.loads(text)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("{" + " " * (2 * 1024 * 1024) + "}", "The JSON is 2.0 MB: at most 2 MB."),
        ("1" * 5000, "This JSON has a number too long to read."),
        ('{"a": 1,}', "This is not valid JSON: Expecting property name enclosed in double"),
    ],
    ids=["too large", "a number too long", "not JSON"],
)
def test_text_that_cannot_be_read_says_why(text: str, said: str) -> None:
    with pytest.raises(DefinitionTextError, match=said.replace(".", r"\.")):
        load_definition_text(text)


# Each limit, at the path where it is passed


def _set(path: list[str | int], value: object) -> dict:
    data = small_definition()
    target: Any = data
    for name in path[:-1]:
        target = target[name]
    target[path[-1]] = value
    return data


def _with_a_number_key() -> dict[Any, Any]:
    data: dict[Any, Any] = small_definition()
    data[3] = "x"
    return data


LIMITS = [
    ("a text too long", _set(["description"], "x" * 10_001), "$.description",
     "The text is too long: 10,001 characters, at most 10,000."),
    ("a key too long", _set(["k" * 10_001], 1), "$['kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk…']",
     "The key is too long"),
    ("a list too long", _set(["forms", 0, "fields", 0, "choices"], ["c"] * 2001),
     "$.forms[0].fields[0].choices", "Too many items: 2,001, at most 2,000."),
    ("too many stages", _set(["stages"], small_definition()["stages"] * 201), "$.stages",
     "Too many stages: 201, at most 200."),
    ("too many steps", _set(["stages"], [{**stage, "key": f"s{i}"} for i, stage in
     enumerate(waiting_chain(1000)["stages"] * 2 + small_definition()["stages"])]), "$.stages",
     "Too many steps: 2,001 in all, at most 2,000."),
    ("too large", _set(["stages", 0, "steps"], [{"k": "x" * 9_000}] * 2000),
     "$.stages[0].steps[221].k", "The definition is too large: more than 2,000,000 characters"),
    ("a whole number too large", _set(["max_stage_visits"], 2**53), "$.max_stage_visits",
     "Whole numbers go up to 9,007,199,254,740,991"),
    ("not a finite number", _set(["inputs"], [{"key": "n", "default": float("nan")}]),
     "$.inputs[0].default", "Not a number JSON can hold (nan)."),
    ("infinity", _set(["inputs"], [float("inf")]), "$.inputs[0]", "Not a number JSON can hold"),
    ("not a JSON value", _set(["inputs"], {1, 2}), "$.inputs", "Not a JSON value"),
    ("a key that is not text", _with_a_number_key(), "$",
     "Object keys are text, not int."),
]  # fmt: skip


@pytest.mark.parametrize(("data", "path", "message"), [c[1:] for c in LIMITS],
                         ids=[c[0] for c in LIMITS])  # fmt: skip
def test_each_limit_is_reported_where_it_is_passed(data: object, path: str, message: str) -> None:
    found = [p for p in validate_definition(data) if p.is_error]

    assert [p.path for p in found] == [path]
    assert found[0].message.startswith(message)


def test_a_file_full_of_problems_gets_the_first_few_and_a_note() -> None:
    data = small_definition(description=["\x00"] * 500)

    problems: list = []
    check_limits(data, problems)

    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[0].path == "$.description[0]"
    assert str(problems[-1]) == "$: More problems like these are not listed: fix these first."


@pytest.mark.django_db
def test_what_the_limits_allow_is_validated_as_usual() -> None:
    data = small_definition(description="🚀 " * 3000)  # not a lone surrogate: one character
    data["stages"][0]["steps"][0]["instructions"] = "x" * 10_000

    assert errors(data) == ["$.stages[0].steps[0].assignee.group: No group 'Sales'."]


# Long chains of steps: no recursion, and fast


def test_a_chain_of_2000_steps_validates_in_well_under_a_second() -> None:
    data = waiting_chain(2000)

    started = time.perf_counter()
    problems = validate_definition(data)
    took = time.perf_counter() - started

    assert [p for p in problems if p.is_error] == []
    assert took < 1.0


def test_a_circle_of_2000_steps_is_reported_once_by_its_ends_in_well_under_a_second() -> None:
    data = waiting_chain(2000, circle=True)

    started = time.perf_counter()
    found = errors(data)
    took = time.perf_counter() - started

    assert found == [
        f"{STEP}.start: Steps wait for each other in a circle: s0 → s1999 → s1998 → s1997 → "
        "s1996 → … → s2 → s1 → s0 (2,000 steps); none can start."
    ]
    assert took < 1.0


def test_a_short_circle_is_reported_in_full() -> None:
    data = waiting_chain(3, circle=True)

    assert errors(data) == [
        f"{STEP}.start: Steps wait for each other in a circle: s0 → s2 → s1 → s0; none can start."
    ]


# One key order in exports, whatever the database


def test_inputs_are_ordered_as_the_action_declares_them_then_unknown_ones_sorted() -> None:
    inputs = {"zeta": 1, "body": "b", "alpha": 2, "to": ["x"], "subject": "s"}

    ordered = ordered_inputs("send_email", inputs)

    assert list(ordered) == ["to", "subject", "body", "alpha", "zeta"]
    assert list(ordered_inputs("not_registered", {"b": 1, "a": 2})) == ["a", "b"]


def test_objects_inside_values_have_their_keys_sorted_at_every_depth() -> None:
    value = {"b": [{"d": 1, "c": {"f": 2, "e": 3}}], "a": None}

    result = sorted_keys(value)

    assert json.dumps(result) == '{"a": null, "b": [{"c": {"e": 3, "f": 2}, "d": 1}]}'
    deep = sorted_keys(nested_lists(10_000))  # no recursion
    depth = 1
    while deep:
        deep, depth = deep[0], depth + 1
    assert depth == 10_000


@pytest.mark.django_db
def test_exported_inputs_are_in_canonical_order_whatever_order_the_database_keeps() -> None:
    data = one_background_step(
        action="http_request",
        inputs={"headers": {"X-b": "2", "X-a": "1"}, "url": "https://example.com", "method": "POST",
                "json": {"z": {"y": 1, "x": [{"q": 1, "p": 2}]}, "a": 0}},
    )  # fmt: skip
    version = import_definition(data)
    # What PostgreSQL's jsonb hands back: keys shortest first, not as written.
    as_jsonb_keeps_them = {
        "url": "https://example.com",
        "json": {"a": 0, "z": {"x": [{"p": 2, "q": 1}], "y": 1}},
        "method": "POST",
        "headers": {"X-a": "1", "X-b": "2"},
    }
    Step.objects.filter(version=version).update(action_inputs=as_jsonb_keeps_them)

    inputs = export_definition(version)["stages"][0]["steps"][0]["inputs"]

    assert json.dumps(inputs) == (
        '{"url": "https://example.com", "method": "POST", "json": {"a": 0, "z": {"x": [{"p": 2, '
        '"q": 1}], "y": 1}}, "headers": {"X-a": "1", "X-b": "2"}}'
    )


@pytest.mark.django_db
def test_import_then_export_is_byte_for_byte_the_canonical_form() -> None:
    make_people()
    data = rich_definition()
    values = data["stages"][2]["steps"][0]["inputs"]["values"]
    assert list(values) == ["needs_repair", "by"]  # written unsorted

    exported = export_definition(import_definition(data))
    again = export_definition(import_definition(exported))

    assert json.dumps(again) == json.dumps(exported)
    assert list(exported["stages"][2]["steps"][0]["inputs"]["values"]) == ["by", "needs_repair"]
