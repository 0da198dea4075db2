"""Definition files: export → import → export is exact, imports map onto the models,
a broken file writes nothing, and the management commands read and write files."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from orchestrations.definition import (
    DefinitionError,
    export_definition,
    import_definition,
    validate_definition,
)
from orchestrations.definition import importer as importer_module
from orchestrations.engine.definition import version_definition
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
from orchestrations.versions import version_activate
from tests.orchestrations.definitions import make_people, rich_definition, small_definition

pytestmark = pytest.mark.django_db

MODELS = [Orchestration, Version, InputVariable, Form, FormField, Stage, Step, DecisionOutcome]


@pytest.fixture
def people():
    return make_people()


def row_counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}


def test_the_rich_definition_is_valid(people):
    assert validate_definition(rich_definition()) == []


def test_export_import_export_of_a_rich_definition_is_identical(people):
    data = rich_definition()
    version = import_definition(data)
    exported = export_definition(version)
    assert exported == data
    assert export_definition(import_definition(exported)) == data


def test_export_writes_every_key_in_canonical_order(people):
    exported = export_definition(import_definition(small_definition()))
    assert list(exported) == [
        "format", "key", "name", "description", "label", "trigger", "allow_concurrent_runs",
        "max_stage_visits", "inputs", "forms", "stages",
    ]  # fmt: skip
    stage = exported["stages"][0]
    assert list(stage) == ["key", "name", "exit_condition", "steps", "decision", "on_error"]
    assert list(stage["steps"][0]) == [
        "key", "name", "type", "instructions", "start", "exit_condition", "form", "assignee",
        "reassign", "due_in", "email", "visibility", "visibility_groups", "action", "inputs",
        "retry",
    ]  # fmt: skip
    assert list(exported["forms"][0]["fields"][0]) == [
        "key", "label", "type", "required", "choices", "help", "default", "min", "max",
        "visibility", "visibility_groups",
    ]  # fmt: skip
    assert json.loads(json.dumps(exported)) == exported


def test_omitted_optional_keys_take_their_defaults(people):
    exported = export_definition(import_definition(small_definition()))
    assert exported["description"] == ""
    assert exported["label"] == ""
    assert exported["trigger"] == {"type": "manual"}
    assert exported["allow_concurrent_runs"] is False
    assert exported["max_stage_visits"] is None
    assert exported["inputs"] == []
    assert exported["forms"][0]["fields"][0] == {
        "key": "notes", "label": "Notes", "type": "text", "required": False,
        "choices": [], "help": "", "default": None, "min": None, "max": None,
        "visibility": None, "visibility_groups": [],
    }  # fmt: skip
    stage = exported["stages"][0]
    assert stage["exit_condition"] == ""
    assert stage["decision"] == {"outcomes": [], "default": None}
    assert stage["on_error"] is None
    assert stage["steps"][0] == {
        "key": "write",
        "name": "Write notes",
        "type": "interactive",
        "instructions": "",
        "start": "stage_start",
        "exit_condition": "",
        "form": "notes",
        "assignee": {"group": "Sales"},
        "reassign": "team",
        "due_in": "P1DT00H00M00S",
        "email": {"subject": "", "body": ""},
        "visibility": "members",
        "visibility_groups": [],
        "action": None,
        "inputs": {},
        "retry": {"max_attempts": 3, "backoff_seconds": 30},
    }


def test_import_maps_the_file_onto_the_models(people):
    alice, sales = people
    version = import_definition(rich_definition(), user=alice)

    assert (version.number, version.status, version.created_by) == (1, "draft", alice)
    assert (version.trigger_type, version.trigger_model, version.trigger_on) == (
        "record",
        "demo.Account",
        "both",
    )
    assert (version.allow_concurrent_runs, version.max_stage_visits) == (True, 5)
    assert [i.key for i in version.inputs.all()] == ["csm", "tier", "seats"]
    welcome, review, repair = version.stages.all()
    kickoff, packet, mail = welcome.steps.order_by("position")
    assert (kickoff.kind, kickoff.assignee_type) == ("interactive", "user")
    assert kickoff.form == version.forms.get(key="kickoff")
    assert (kickoff.assignee_user, kickoff.due_in) == (alice, timedelta(days=2))
    assert (packet.start_when, list(packet.start_after.all()), packet.assignee_group) == (
        "after",
        [kickoff],
        sales,
    )
    assert (mail.kind, mail.action, mail.start_when) == ("background", "send_email", "condition")
    assert (mail.retry_max_attempts, mail.retry_backoff_seconds) == (5, 60)
    assert (welcome.fault_target, welcome.default_target) == (repair, None)
    assert (review.default_ends_run, review.default_target) == (True, None)
    assert (repair.default_ends_run, repair.default_target) == (False, review)
    needs_info, rejected = review.outcomes.all()
    assert (needs_info.label, needs_info.target) == ("Needs info", welcome)
    assert rejected.target is None  # "end"
    assert review.steps.get().assignee_expression == "record.owner"


def test_the_engine_reads_an_imported_version(people):
    definition = version_definition(import_definition(rich_definition()))
    assert [s.key for s in definition.stages] == ["welcome", "review", "repair"]
    assert definition.stage_by_key["review"].default_target == "end"
    assert definition.stage_by_key["welcome"].fault_target == "repair"
    assert definition.step_by_key["packet"].start_after == ("kickoff",)


def test_a_new_key_creates_the_orchestration_and_a_known_key_adds_the_next_draft(people):
    first = import_definition(small_definition(description="Notes for everyone"))
    orchestration = first.orchestration
    assert (orchestration.key, orchestration.name) == ("small", "Small")
    assert orchestration.description == "Notes for everyone"

    second = import_definition(small_definition(name="Renamed", description="Changed"))
    assert second.orchestration == orchestration
    assert (second.number, second.status) == (2, "draft")
    orchestration.refresh_from_db()
    assert (orchestration.name, orchestration.description) == ("Small", "Notes for everyone")
    assert Orchestration.objects.count() == 1


def test_import_into_a_given_orchestration_ignores_the_file_key(people):
    target = import_definition(small_definition()).orchestration
    version = import_definition(rich_definition(), orchestration=target)
    assert (version.orchestration, version.number) == (target, 2)
    assert not Orchestration.objects.filter(key="customer_onboarding").exists()


def test_a_file_with_errors_imports_nothing(people):
    import_definition(small_definition())
    before = row_counts()
    data = rich_definition()
    data["stages"][1]["steps"][0]["form"] = "nope"
    data["stages"][1]["decision"]["outcomes"][0]["goto"] = "nowhere"

    with pytest.raises(DefinitionError) as raised:
        import_definition(data)

    paths = {p.path for p in raised.value.problems}
    assert paths == {"$.stages[1].steps[0].form", "$.stages[1].decision.outcomes[0].goto"}
    assert "$.stages[1].steps[0].form: No form 'nope'." in str(raised.value)
    assert row_counts() == before


def test_a_failure_while_writing_leaves_nothing_half_imported(people, monkeypatch):
    before = row_counts()

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer_module._Writer, "decision", explode)
    with pytest.raises(RuntimeError):
        import_definition(rich_definition())
    assert row_counts() == before


# management commands


def test_export_command_prints_the_active_version_else_the_latest(people):
    v1 = import_definition(small_definition())
    import_definition(small_definition(description="second"))
    out = StringIO()
    call_command("orchestration_export", "small", stdout=out)
    assert json.loads(out.getvalue())["description"] == "second"  # no active one: the latest

    version_activate(v1)
    out = StringIO()
    call_command("orchestration_export", "small", stdout=out)
    assert out.getvalue() == json.dumps(export_definition(v1), indent=2) + "\n"


def test_export_command_writes_a_chosen_version_to_a_file(people, tmp_path):
    import_definition(small_definition(description="first"))
    import_definition(small_definition(description="second"))
    target = tmp_path / "small.json"
    call_command("orchestration_export", "small", "--version", "1", "--output", str(target))
    assert json.loads(target.read_text())["description"] == "first"


def test_export_command_refuses_unknown_keys_and_versions(people):
    with pytest.raises(CommandError, match="No orchestration with the key 'nope'"):
        call_command("orchestration_export", "nope")
    import_definition(small_definition())
    with pytest.raises(CommandError, match="has no version 7"):
        call_command("orchestration_export", "small", "--version", "7")


def test_import_command_imports_and_activates_a_file(people, tmp_path):
    path = tmp_path / "rich.json"
    path.write_text(json.dumps(rich_definition()))
    out = StringIO()
    call_command("orchestration_import", str(path), "--activate", stdout=out, stderr=StringIO())
    version = Version.objects.get(orchestration__key="customer_onboarding")
    assert version.status == "active"
    assert "Imported Customer onboarding v1 (active)." in out.getvalue()
    assert export_definition(version) == rich_definition()


def test_import_command_prints_every_problem_with_its_path_and_imports_nothing(people, tmp_path):
    data = small_definition()
    data["stages"][0]["steps"][0]["assignee"] = {"user": "nobody"}
    data["stages"][0]["colour"] = "red"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    err = StringIO()
    with pytest.raises(CommandError, match=r"2 errors in .*broken\.json; nothing was imported"):
        call_command("orchestration_import", str(path), "--activate", stderr=err)
    assert "$.stages[0].steps[0].assignee.user: No user 'nobody'." in err.getvalue()
    assert "$.stages[0].colour: Unknown key 'colour'" in err.getvalue()
    assert not Orchestration.objects.exists()


def test_import_command_reports_files_that_are_not_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(CommandError, match="is not valid JSON"):
        call_command("orchestration_import", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("orchestration_import", str(tmp_path / "missing.json"))


def test_import_command_refuses_a_label_that_reads_the_record_without_a_record_model(
    people, tmp_path
):
    path = tmp_path / "label.json"
    path.write_text(json.dumps(small_definition(label="Notes about {{ record.name }}")))
    err = StringIO()
    with pytest.raises(CommandError, match=r"1 error in .*label\.json; nothing was imported"):
        call_command("orchestration_import", str(path), stderr=err)
    assert "$.label: In the label: 'record' is not available here" in err.getvalue()
    assert "the orchestration has no record model" in err.getvalue()
    assert not Orchestration.objects.exists()

    path.write_text(json.dumps(small_definition(
        label="Notes about {{ record.name }}",
        trigger={"type": "manual", "model": "demo.Account", "create": False},
    )))  # fmt: skip
    call_command("orchestration_import", str(path), stdout=StringIO())
    version = Version.objects.get()
    assert (version.label_template, version.trigger_model) == (
        "Notes about {{ record.name }}", "demo.Account"
    )  # fmt: skip
