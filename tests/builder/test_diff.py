"""The diff of two versions: pure functions over two definitions (no database), and the
page that shows them side by side."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.urls import reverse

from builder.diff import ADDED, CHANGED, REMOVED, Change, diff_definitions, moved_keys
from orchestrations.definition import import_definition
from orchestrations.models import Stage, Step
from orchestrations.versions import version_activate, version_new_draft
from tests.factories import make_group, make_user


def step(key: str, **options: Any) -> dict[str, Any]:
    return {
        "key": key,
        "name": key.replace("_", " ").capitalize(),
        "type": "interactive",
        "instructions": "",
        "start": "stage_start",
        "exit_condition": "",
        "form": "notes",
        "assignee": {"group": "Sales"},
        "reassign": "team",
        "due_in": "P1DT00H00M00S",
        "email": {"subject": "", "body": ""},
        "action": None,
        "inputs": {},
        "retry": {"max_attempts": 3, "backoff_seconds": 30},
        **options,
    }


def stage(key: str, steps: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    return {
        "key": key,
        "name": key.capitalize(),
        "exit_condition": "",
        "steps": steps,
        "decision": {"outcomes": [], "default": None},
        "on_error": None,
        **options,
    }


def field(key: str, type: str = "text", **options: Any) -> dict[str, Any]:
    return {"key": key, "label": key.capitalize(), "type": type, "required": False,
            "choices": [], "help": "", "default": None, **options}  # fmt: skip


def definition() -> dict[str, Any]:
    """Three stages as an export writes them: Welcome (kickoff, then packet), Setup, Live."""
    return {
        "format": 1,
        "key": "onboarding",
        "name": "Onboarding",
        "description": "",
        "trigger": {"type": "manual"},
        "allow_concurrent_runs": False,
        "max_stage_visits": None,
        "inputs": [field("tier", "choice", choices=["gold", "silver"])],
        "forms": [
            {"key": "notes", "name": "Notes", "fields": [field("notes"), field("seats", "number")]}
        ],
        "stages": [
            stage("welcome", [step("kickoff"), step("packet", start={"after": ["kickoff"]})]),
            stage("setup", [step("configure")]),
            stage("live", [step("sign_off")]),
        ],
    }


def find(items: list[Any], key: str) -> Any:
    return next(item for item in items if item.key == key)


def test_identical_definitions_have_no_differences() -> None:
    diff = diff_definitions(definition(), definition())
    assert diff.is_identical
    assert diff.summary() == []


def test_a_stage_added_and_one_removed_are_reported_with_their_steps() -> None:
    old, new = definition(), definition()
    del new["stages"][2]
    new["stages"].append(stage("training", [step("course")]))

    diff = diff_definitions(old, new)

    assert [(s.key, s.status) for s in diff.stages] == [("training", ADDED), ("live", REMOVED)]
    assert find(diff.stages, "training").summary == "1 step: Course"
    assert [(s.key, s.status, s.where) for s in diff.steps] == [
        ("course", ADDED, "Training"),
        ("sign_off", REMOVED, "Live"),
    ]
    assert diff.summary() == [
        "1 stage added",
        "1 stage removed",
        "1 step added",
        "1 step removed",
    ]


def test_a_changed_stage_lists_each_setting_old_and_new() -> None:
    old, new = definition(), definition()
    setup = new["stages"][1]
    setup["name"] = "Set-up"
    setup["exit_condition"] = "record.ready"
    setup["decision"] = {
        "outcomes": [{"label": "Redo", "when": "not record.ready", "goto": "welcome"}],
        "default": "end",
    }
    setup["on_error"] = "live"

    (item,) = diff_definitions(old, new).stages

    assert (item.key, item.name, item.status) == ("setup", "Set-up", CHANGED)
    assert [(c.label, c.old_text, c.new_text) for c in item.changes] == [
        ("Name", "Setup", "Set-up"),
        ("Exits when", "(empty)", "record.ready"),
        ("Decision", "no outcomes", "1. Redo: when not record.ready → welcome"),
        ("Otherwise", "the next stage", "end the run"),
        ("Fault path", "—", "live"),
    ]


def test_a_moved_stage_is_the_only_one_reported_moved() -> None:
    old, new = definition(), definition()
    new["stages"] = [new["stages"][2], new["stages"][0], new["stages"][1]]

    (item,) = diff_definitions(old, new).stages

    assert item.key == "live"
    assert item.only_moved
    assert item.changes == [Change("Position", 3, 1)]


def test_inserting_a_stage_moves_no_other_stage() -> None:
    old, new = definition(), definition()
    new["stages"].insert(0, stage("intro", [step("hello")]))

    diff = diff_definitions(old, new)

    assert [(s.key, s.status) for s in diff.stages] == [("intro", ADDED)]


def test_a_changed_step_lists_each_changed_setting_old_and_new() -> None:
    old, new = definition(), definition()
    kickoff = new["stages"][0]["steps"][0]
    kickoff.update(
        name="Kickoff call",
        assignee={"user": "alice"},
        due_in="P2DT04H00M00S",
        start={"condition": "record.amount > 10"},
        email={"subject": "Call {{ record.name }}", "body": ""},
    )

    (item,) = diff_definitions(old, new).steps

    assert (item.key, item.status, item.where) == ("kickoff", CHANGED, "Welcome")
    assert [(c.label, c.old_text, c.new_text) for c in item.changes] == [
        ("Name", "Kickoff", "Kickoff call"),
        ("Starts", "when the stage starts", "when record.amount > 10"),
        ("Assignee", "team queue Sales", "user alice"),
        ("Due in", "1 day", "2 days 4 hours"),
        ("Email subject", "(empty)", "Call {{ record.name }}"),
    ]


def test_who_may_reassign_is_a_step_setting_and_a_file_without_it_means_team() -> None:
    old, new = definition(), definition()
    del old["stages"][0]["steps"][0]["reassign"]  # written before the setting existed
    new["stages"][0]["steps"][0]["reassign"] = "nobody"
    new["stages"][0]["steps"][1]["reassign"] = "team"

    (item,) = diff_definitions(old, new).steps

    assert item.key == "kickoff"
    assert [(c.label, c.old_text, c.new_text) for c in item.changes] == [
        ("Who may reassign", "team", "nobody")
    ]


def test_action_inputs_are_compared_one_by_one() -> None:
    old, new = definition(), definition()
    inputs = {"to": ["a@example.com"], "subject": "Hi"}
    background = step("notify", type="background", form=None, assignee=None, due_in=None,
                      action="send_email", inputs=inputs)  # fmt: skip
    old["stages"][1]["steps"].append(copy.deepcopy(background))
    background["inputs"] = {"to": ["b@example.com"], "body": "Welcome"}
    new["stages"][1]["steps"].append(background)

    (item,) = diff_definitions(old, new).steps

    assert [(c.label, c.old_text, c.new_text) for c in item.changes] == [
        ("Input “to”", "a@example.com", "b@example.com"),
        ("Input “subject”", "Hi", "—"),
        ("Input “body”", "—", "Welcome"),
    ]


def test_a_step_moved_to_another_stage_says_from_where_to_where() -> None:
    old, new = definition(), definition()
    configure = new["stages"][1]["steps"].pop()
    new["stages"][2]["steps"].insert(0, configure)

    (item,) = diff_definitions(old, new).steps

    assert (item.key, item.where) == ("configure", "Live")
    assert item.changes == [Change("Stage", "Setup", "Live")]
    assert item.only_moved


def test_steps_reordered_within_a_stage_report_the_one_that_moved() -> None:
    old, new = definition(), definition()
    welcome = new["stages"][0]
    welcome["steps"] = [welcome["steps"][1], welcome["steps"][0]]

    (item,) = diff_definitions(old, new).steps

    assert (item.key, item.changes) == ("packet", [Change("Position", 2, 1)])
    assert item.only_moved


def test_forms_and_their_fields_added_removed_and_changed() -> None:
    old, new = definition(), definition()
    notes = new["forms"][0]
    notes["name"] = "Meeting notes"
    notes["fields"][0]["required"] = True
    notes["fields"][1] = field("budget", "decimal")
    new["forms"].append({"key": "review", "name": "Review", "fields": [field("ok", "yes_no")]})

    forms = diff_definitions(old, new).forms

    assert [(f.key, f.status) for f in forms] == [("notes", CHANGED), ("review", ADDED)]
    changed = forms[0]
    assert changed.changes == [Change("Name", "Notes", "Meeting notes")]
    assert [(f.key, f.status) for f in changed.items] == [
        ("notes", CHANGED),
        ("budget", ADDED),
        ("seats", REMOVED),
    ]
    assert changed.items[0].changes == [Change("Required", False, True)]
    assert changed.items[0].where == "Meeting notes"
    assert forms[1].summary == "Ok"


def test_trigger_and_inputs_changes() -> None:
    old, new = definition(), definition()
    new["trigger"] = {"type": "record", "model": "demo.Account", "on": "both", "condition": ""}
    new["inputs"][0]["choices"] = ["gold", "silver", "bronze"]
    new["inputs"].append(field("seats", "number", required=True))

    diff = diff_definitions(old, new)

    assert [(c.label, c.old_text, c.new_text) for c in diff.settings] == [
        ("Trigger", "started by hand", "a record is saved"),
        ("Record model", "—", "demo.Account"),
        ("Starts on", "—", "both"),
        ("Start condition", "—", "(empty)"),
    ]
    assert [(i.key, i.status) for i in diff.inputs] == [("tier", CHANGED), ("seats", ADDED)]
    assert diff.inputs[0].changes == [
        Change("Choices", ["gold", "silver"], ["gold", "silver", "bronze"])
    ]
    assert diff.inputs[1].summary == "number, required"


def test_the_run_label_the_record_model_and_a_range_are_compared() -> None:
    old, new = definition(), definition()
    new["label"] = "Onboarding {{ record.name }}"
    new["trigger"] = {"type": "manual", "model": "demo.Account", "create": True}
    new["forms"][0]["fields"][1]["min"] = 1

    diff = diff_definitions(old, new)

    assert [(c.label, c.old_text, c.new_text) for c in diff.settings] == [
        ("Run label", "(empty)", "Onboarding {{ record.name }}"),
        ("Record model", "—", "demo.Account"),
        ("New records on start", "no", "yes"),
    ]
    assert diff.forms[0].items[0].changes == [Change("Smallest value", None, 1)]


def test_moved_keys_are_the_fewest_that_explain_the_new_order() -> None:
    assert moved_keys(["a", "b", "c", "d"], ["a", "b", "c", "d"]) == set()
    assert moved_keys(["a", "b", "c", "d"], ["d", "a", "b", "c"]) == {"d"}
    assert moved_keys(["a", "b", "c"], ["x", "a", "c"]) == set()
    assert len(moved_keys(["a", "b"], ["b", "a"])) == 1


# --- The page ------------------------------------------------------------------------------


@pytest.fixture
def versions(designer):
    """v1 active and v2, a draft where the stage Setup is renamed and a step added."""
    make_group("Sales")
    v1 = version_activate(import_definition(definition()), by=designer)
    v2 = version_new_draft(v1, by=designer)
    setup = v2.stages.get(key="setup")
    setup.name = "Set-up <b>now</b>"
    setup.save()
    return v1, v2


def test_the_diff_page_compares_the_active_version_with_the_draft_by_default(
    client, designer, versions
) -> None:
    v1, _ = versions
    client.force_login(designer)

    response = client.get(reverse("builder:version-diff", args=[v1.orchestration_id]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "v1 <small>(active)</small> → v2 <small>(draft)</small>" in html
    assert "1 stage changed" in html
    assert "<del>Setup</del>" in html
    assert "<ins>Set-up &lt;b&gt;now&lt;/b&gt;</ins>" in html


def test_choosing_versions_with_htmx_swaps_in_only_the_comparison(
    client, designer, versions
) -> None:
    v1, v2 = versions
    client.force_login(designer)

    response = client.get(
        reverse("builder:version-diff", args=[v1.orchestration_id]),
        {"a": v2.pk, "b": v1.pk},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section class="diff" id="diff"')
    assert "<html" not in html
    assert "v2 <small>(draft)</small> → v1 <small>(active)</small>" in html
    assert "<del>Set-up &lt;b&gt;now&lt;/b&gt;</del>" in html


def test_the_diff_page_costs_the_same_queries_for_bigger_versions(
    client, designer, versions, django_assert_max_num_queries
) -> None:
    v1, v2 = versions
    client.force_login(designer)
    url = reverse("builder:version-diff", args=[v1.orchestration_id])
    with django_assert_max_num_queries(40) as small:
        client.get(url)
    for n in range(5):
        stage = Stage.objects.create(
            version=v2, key=f"extra_{n}", name=f"Extra {n}", position=9 + n
        )
        for m in range(3):
            Step.objects.create(version=v2, stage=stage, key=f"s_{n}_{m}", name="S", position=m)

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)

    assert "5 stages added, 15 steps added" in response.content.decode().replace(
        "1 stage changed, ", ""
    )


def test_the_diff_page_says_when_two_versions_are_identical(client, designer) -> None:
    make_group("Sales")
    v1 = version_activate(import_definition(definition()), by=designer)
    v2 = version_new_draft(v1, by=designer)
    client.force_login(designer)

    response = client.get(
        reverse("builder:version-diff", args=[v1.orchestration_id]), {"a": v1.pk, "b": v2.pk}
    )

    assert "v1 and v2 are identical" in response.content.decode()


def test_the_diff_page_refuses_a_version_of_another_orchestration(
    client, designer, versions
) -> None:
    v1, _ = versions
    other = import_definition({**definition(), "key": "other"})
    client.force_login(designer)

    response = client.get(
        reverse("builder:version-diff", args=[v1.orchestration_id]), {"a": v1.pk, "b": other.pk}
    )

    assert response.status_code == 404


def test_the_diff_page_is_forbidden_without_the_permission(client, versions) -> None:
    v1, _ = versions
    client.force_login(make_user("olga"))

    response = client.get(reverse("builder:version-diff", args=[v1.orchestration_id]))

    assert response.status_code == 403
