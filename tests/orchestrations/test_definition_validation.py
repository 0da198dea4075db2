"""Every validation rule, each found at its JSON path; all problems are reported at once."""

# The cases below are a table, one rule per line.
# ruff: noqa: E501

from collections.abc import Callable
from typing import Any

import pytest

from orchestrations.definition import validate_definition
from tests.factories import make_user
from tests.orchestrations.definitions import make_people, rich_definition, small_definition

pytestmark = pytest.mark.django_db

Data = dict[str, Any]


@pytest.fixture
def people():
    return make_people()


def step_of(data: Data, stage: int = 0, step: int = 0) -> Data:
    return data["stages"][stage]["steps"][step]


def errors(data: Any) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in validate_definition(data) if p.severity == "error"]


def warnings(data: Any) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in validate_definition(data) if p.severity == "warning"]


def _set(path: list[Any], value: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        target = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return change


def _delete(path: list[Any]) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        target = data
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return change


def _add_stage(key: str, **options: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        step = {**step_of(data), "key": f"{key}_step"}
        data["stages"].append({"key": key, "name": key, "steps": [step], **options})

    return change


def _add_step(stage: int = 0, **step: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        base = {**step_of(data, stage), "key": "extra", "start": "stage_start"}
        data["stages"][stage]["steps"].append({**base, **step})

    return change


def _background(**step: Any) -> Callable[[Data], None]:
    return _add_step(type="background", form=None, assignee=None, **step)


def _inputs(**spec: Any) -> Callable[[Data], None]:
    return _set(["inputs"], [{"label": "Label", "type": "text", **spec}])


def _make_inactive_user_the_assignee(data: Data) -> None:
    make_user("ivan", is_active=False)
    step_of(data)["assignee"] = {"user": "ivan"}


def _wait_for_a_step_of_another_stage(data: Data) -> None:
    _add_stage("later")(data)
    step_of(data, 1)["start"] = {"after": ["write"]}


def _skip_a_stage(data: Data) -> None:
    _add_stage("second")(data)
    _add_stage("third")(data)
    data["stages"][0]["decision"] = {"default": "third"}


def _record_trigger_with_a_required_input(data: Data) -> None:
    data["trigger"] = {"type": "record", "model": "demo.Account"}
    data["inputs"] = [{"key": "csm", "label": "CSM", "type": "text", "required": True}]


STEP = ["stages", 0, "steps", 0]
S = "$.stages[0].steps[0]"
S1 = "$.stages[0].steps[1]"
F = "$.forms[0].fields[0]"
OUTCOME = "$.stages[0].decision.outcomes[0]"
EMAIL_INPUTS = {"subject": "s", "body": "b"}

# (id, change to the small definition, JSON path of the error, words in its message)
# fmt: off
SHAPE_CASES = [
    ("unknown top key", _set(["colour"], "red"), "$.colour", "allowed: format, key, name"),
    ("unknown step key", _set([*STEP, "colour"], 1), f"{S}.colour", "Unknown key 'colour'"),
    ("missing format", _delete(["format"]), "$.format", "Missing required key 'format'"),
    ("missing key", _delete(["key"]), "$.key", "Missing required key"),
    ("missing name", _delete(["name"]), "$.name", "Missing required key"),
    ("missing stages", _delete(["stages"]), "$.stages", "Missing required key"),
    ("missing stage key", _delete(["stages", 0, "key"]), "$.stages[0].key", "Missing"),
    ("missing stage name", _delete(["stages", 0, "name"]), "$.stages[0].name", "Missing"),
    ("missing step key", _delete([*STEP, "key"]), f"{S}.key", "Missing"),
    ("missing step name", _delete([*STEP, "name"]), f"{S}.name", "Missing"),
    ("missing step type", _delete([*STEP, "type"]), f"{S}.type", "Missing"),
    ("missing form key", _delete(["forms", 0, "key"]), "$.forms[0].key", "Missing"),
    ("missing form name", _delete(["forms", 0, "name"]), "$.forms[0].name", "Missing"),
    ("missing field label", _delete(["forms", 0, "fields", 0, "label"]), f"{F}.label", "Missing"),
    ("missing field type", _delete(["forms", 0, "fields", 0, "type"]), f"{F}.type", "Missing"),
    ("name not text", _set(["name"], 3), "$.name", "Must be a string, not a whole number"),
    ("flag not bool", _set(["allow_concurrent_runs"], "y"), "$.allow_concurrent_runs", "true"),
    ("visits as text", _set(["max_stage_visits"], "5"), "$.max_stage_visits", "number or null"),
    ("visits zero", _set(["max_stage_visits"], 0), "$.max_stage_visits", "Must be 1 to 10,000"),
    ("visits past any column", _set(["max_stage_visits"], 10**10), "$.max_stage_visits", "1 to 10,000"),
    ("stages not a list", _set(["stages"], {}), "$.stages", "Must be a list"),
    ("stage not an object", _set(["stages", 0], "only"), "$.stages[0]", "Must be an object"),
    ("attempts as text", _set([*STEP, "retry"], {"max_attempts": "3"}), f"{S}.retry.max_attempts", "whole number"),
    ("attempts zero", _set([*STEP, "retry"], {"max_attempts": 0}), f"{S}.retry.max_attempts", "1 to 100"),
    ("format 2", _set(["format"], 2), "$.format", "Unsupported format 2"),
    ("orchestration key", _set(["key"], "no spaces"), "$.key", "letters, digits, hyphens"),
    ("stage key pattern", _set(["stages", 0, "key"], "Only"), "$.stages[0].key", "not a valid key"),
    ("step key pattern", _set([*STEP, "key"], "1st"), f"{S}.key", "not a valid key"),
    ("form key pattern", _set(["forms", 0, "key"], "my-form"), "$.forms[0].key", "not a valid key"),
    ("stage key end", _add_stage("end"), "$.stages[1].key", "'end' is reserved"),
    ("duplicate stage", _add_stage("only"), "$.stages[1].key", "Duplicate stage key 'only' (see $.stages[0])"),
    ("duplicate step", _add_step(key="write"), f"{S1}.key", "Duplicate step key 'write'"),
    ("duplicate form", lambda d: d["forms"].append(d["forms"][0]), "$.forms[1].key", "Duplicate form key"),
    ("duplicate field", lambda d: d["forms"][0]["fields"].append(d["forms"][0]["fields"][0]), "$.forms[0].fields[1].key", "Duplicate field key 'notes' in this form"),
    ("duplicate input", lambda d: d.update(inputs=[{"key": "a", "label": "A", "type": "text"}] * 2), "$.inputs[1].key", "Duplicate input key"),
    ("field type", _set(["forms", 0, "fields", 0, "type"], "colour"), f"{F}.type", "'colour' is not one of: text, long_text"),
    ("choices needed", _set(["forms", 0, "fields", 0, "type"], "choice"), f"{F}.choices", "needs at least one choice"),
    ("multi choices needed", _inputs(key="a", type="multi_choice"), "$.inputs[0].choices", "needs at least one choice"),
    ("bad number default", _inputs(key="n", type="number", default="many"), "$.inputs[0].default", "Not a valid default for a number field"),
    ("bad choice default", _inputs(key="c", type="choice", choices=["a"], default="b"), "$.inputs[0].default", "choice field"),
    ("bad date default", _inputs(key="d", type="date", default="31/01/2030"), "$.inputs[0].default", "date field"),
    ("duration", _set([*STEP, "due_in"], "two days"), f"{S}.due_in", "'two days' is not a duration"),
    ("negative duration", _set([*STEP, "due_in"], "-P1D"), f"{S}.due_in", "positive"),
    ("start shape", _set([*STEP, "start"], "soon"), f"{S}.start", 'Use "stage_start"'),
    ("start two ways", _set([*STEP, "start"], {"after": ["x"], "condition": "True"}), f"{S}.start", "exactly one of: after, condition"),
    ("assignee two ways", _set([*STEP, "assignee"], {"user": "alice", "group": "Sales"}), f"{S}.assignee", "exactly one of: user, group, expression"),
    ("reassign unknown", _set([*STEP, "reassign"], "anyone"), f"{S}.reassign", "'anyone' is not one of: team, orchestration, nobody"),
    ("reassign type", _set([*STEP, "reassign"], False), f"{S}.reassign", "Must be a string, not true or false"),
]
REFERENCE_CASES = [
    ("form missing", _set([*STEP, "form"], "note"), f"{S}.form", "No form 'note'. Did you mean 'notes'?"),
    ("interactive needs form", _set([*STEP, "form"], None), f"{S}.form", "An interactive step needs a form"),
    ("interactive needs assignee", _set([*STEP, "assignee"], None), f"{S}.assignee", "needs an assignee"),
    ("interactive runs no action", _set([*STEP, "action"], "send_email"), f"{S}.action", "Only background steps"),
    ("background needs action", _set([*STEP, "type"], "background"), f"{S}.action", "A background step needs an action"),
    ("background has no form", _set([*STEP, "type"], "background"), f"{S}.form", "A background step has no form"),
    ("background has no assignee", _set([*STEP, "type"], "background"), f"{S}.assignee", "no assignee"),
    ("background reassigns nothing", _background(action="update_record", inputs={"fields": {}}, reassign="nobody"), f"{S1}.reassign", "no work item to reassign"),
    ("step type", _set([*STEP, "type"], "manual"), f"{S}.type", "'manual' is not one of: interactive, background"),
    ("user missing", _set([*STEP, "assignee"], {"user": "bob"}), f"{S}.assignee.user", "No user 'bob'"),
    ("user inactive", _make_inactive_user_the_assignee, f"{S}.assignee.user", "User 'ivan' is inactive"),
    ("group missing", _set([*STEP, "assignee"], {"group": "Sale"}), f"{S}.assignee.group", "No group 'Sale'. Did you mean 'Sales'?"),
    ("action unknown", _background(action="send_mail"), f"{S1}.action", "No action 'send_mail' is registered. Did you mean 'send_email'?"),
    ("action input unknown", _background(action="update_record", inputs={"fields": {}, "colour": 1}), f"{S1}.inputs.colour", "Action 'update_record' has no input 'colour'; its inputs: fields"),
    ("action input missing", _background(action="send_email", inputs={"to": "a@example.com"}), f"{S1}.inputs", "needs the input 'subject'"),
    ("action input type", _background(action="update_record", inputs={"fields": [1]}), f"{S1}.inputs.fields", "Must be an object, not a list"),
    ("after unknown step", _add_step(start={"after": ["wirte"]}), f"{S1}.start.after[0]", "No step 'wirte' in this stage. Did you mean 'write'?"),
    ("after itself", _add_step(start={"after": ["extra"]}), f"{S1}.start.after[0]", "can't wait for itself"),
    ("after empty", _add_step(start={"after": []}), f"{S1}.start.after", "at least one step"),
    ("after another stage", _wait_for_a_step_of_another_stage, "$.stages[1].steps[0].start.after[0]", "Step 'write' is in stage 'only'"),
    ("goto unknown", _set(["stages", 0, "decision"], {"outcomes": [{"when": "True", "goto": "x"}]}), f"{OUTCOME}.goto", "No stage 'x'"),
    ("goto missing", _set(["stages", 0, "decision"], {"outcomes": [{"when": "True"}]}), f"{OUTCOME}.goto", "Missing required key 'goto'"),
    ("default unknown", _set(["stages", 0, "decision"], {"default": "onyl"}), "$.stages[0].decision.default", "No stage 'onyl' (name a stage, or \"end\"). Did you mean 'only'?"),
    ("on_error unknown", _set(["stages", 0, "on_error"], "end"), "$.stages[0].on_error", "No stage 'end'"),
    ("on_error itself", _set(["stages", 0, "on_error"], "only"), "$.stages[0].on_error", "own fault path"),
    ("record trigger without model", _set(["trigger"], {"type": "record"}), "$.trigger.model", "needs a model"),
    ("trigger model unknown", _set(["trigger"], {"type": "record", "model": "demo.Acount"}), "$.trigger.model", "No model 'demo.Acount'. Did you mean 'demo.Account'?"),
    ("trigger on", _set(["trigger"], {"type": "record", "model": "demo.Account", "on": "deleted"}), "$.trigger.on", "'deleted' is not one of: created, updated, both"),
    ("trigger type", _set(["trigger"], {"type": "schedule"}), "$.trigger.type", "not one of: manual, record"),
    ("required input on record trigger", _record_trigger_with_a_required_input, "$.inputs[0].default", "required but has no default"),
]
EXPRESSION_CASES = [
    ("stage exit unknown name", _set(["stages", 0, "exit_condition"], "recrod.amount > 1"), "$.stages[0].exit_condition", "'recrod'"),
    ("stage exit syntax", _set(["stages", 0, "exit_condition"], "vars.x > > 1"), "$.stages[0].exit_condition", "invalid syntax at column 10"),
    ("start condition", _set([*STEP, "start"], {"condition": "steps.write.notse == 'x'"}), f"{S}.start.condition", "notse"),
    ("start condition empty", _set([*STEP, "start"], {"condition": " "}), f"{S}.start.condition", "Must not be empty"),
    ("step exit condition", _set([*STEP, "exit_condition"], "vars.missing"), f"{S}.exit_condition", "missing"),
    ("outcome when", _set(["stages", 0, "decision"], {"outcomes": [{"when": "steps.wrte", "goto": "end"}]}), f"{OUTCOME}.when", "wrte"),
    ("assignee expression", _set([*STEP, "assignee"], {"expression": "record.owner)"}), f"{S}.assignee.expression", "unmatched ')' at column 13"),
    ("email subject template", _set([*STEP, "email"], {"subject": "Hi {{ vars.nme }}"}), f"{S}.email.subject", "nme"),
    ("email body template", _set([*STEP, "email"], {"body": "Hi {{ steps.write.nots }}"}), f"{S}.email.body", "has no output 'nots' (did you mean 'notes'?) at column 19"),
    ("action input template", _background(action="send_email", inputs={"to": ["{{ run.started_by.emial }}"], **EMAIL_INPUTS}), f"{S1}.inputs.to", "emial"),
    ("manual trigger needs no model", _set(["trigger"], {"type": "manual", "condition": "x"}), None, None),
    ("label reads the record without a record model", _set(["label"], "About {{ record.name }}"), "$.label", "'record' is not available here (available: vars, run) at column 10: the orchestration has no record model"),
    ("label reads steps", _set(["label"], "{{ steps.write.notes }}"), "$.label", "the label is made when the run starts, before any step has run"),
    ("label reads an unknown variable", _set(["label"], "{{ vars.nme }}"), "$.label", "unknown variable 'nme'"),
    ("label with a record model", _set(["trigger"], {"type": "manual", "model": "demo.Account"}), None, None),
    ("range on a text field", _inputs(key="a", min=1), "$.inputs[0].min", "Only number and decimal fields have a range"),
    ("fractional range of a whole number", _inputs(key="a", type="number", max=2.5), "$.inputs[0].max", "whole numbers"),
    ("range upside down", _inputs(key="a", type="decimal", min=5, max=1), "$.inputs[0].max", "The maximum is below the minimum"),
    ("range past the storage limit", _inputs(key="a", type="number", max=10**15), "$.inputs[0].max", "at most 15 digits"),
    ("default outside the range", _inputs(key="a", type="number", min=1, default=0), "$.inputs[0].default", "greater than or equal to 1"),
    ("a person field in a form", _set(["forms", 0, "fields", 0, "type"], "person"), "$.forms[0].fields[0].type", "for input variables only"),
    ("manual trigger's record model", _set(["trigger"], {"type": "manual", "model": "demo.Acount"}), "$.trigger.model", "No model 'demo.Acount'. Did you mean 'demo.Account'?"),
]
GRAPH_CASES = [
    ("no stages", _set(["stages"], []), "$.stages", "at least one stage"),
    ("stage without steps", _add_stage("empty", steps=[]), "$.stages[1].steps", "at least one step"),
    ("unreachable stage", _skip_a_stage, "$.stages[1]", "Stage 'second' is unreachable: no decision or fault path leads to it, and stage 'only' before it always decides where to go"),
]
# fmt: on
CASES = SHAPE_CASES + REFERENCE_CASES + EXPRESSION_CASES + GRAPH_CASES


@pytest.mark.parametrize(
    ("change", "path", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_rule_reports_its_error_at_its_path(people, change, path, words):
    data = small_definition()
    assert errors(data) == []
    change(data)
    found = errors(data)
    if path is None:
        assert found == []
        return
    assert any(p == path and words in message for p, message in found), found


def test_the_small_and_rich_definitions_have_no_problems(people):
    assert validate_definition(small_definition()) == []
    assert validate_definition(rich_definition()) == []


def test_all_problems_are_reported_at_once(people):
    data = small_definition(colour="red")
    step_of(data)["form"] = "missing"
    step_of(data)["exit_condition"] = "recrod.x"
    data["stages"].append({"key": "empty", "name": "Empty"})
    assert [path for path, _ in errors(data)] == [
        "$.colour",
        "$.stages[0].steps[0].form",
        "$.stages[0].steps[0].exit_condition",
        "$.stages[1].steps",
    ]


def test_a_definition_must_be_an_object():
    assert errors([1, 2]) == [("$", "A definition is an object, not a list.")]


def test_steps_waiting_in_a_circle_are_named(people):
    data = small_definition()
    step_of(data)["start"] = {"after": ["packet"]}
    packet = {**step_of(data), "key": "packet", "start": {"after": ["call"]}}
    call = {**step_of(data), "key": "call", "start": {"after": ["write"]}}
    data["stages"][0]["steps"] += [packet, call]
    assert errors(data) == [
        (
            "$.stages[0].steps[0].start",
            "Steps wait for each other in a circle: write → packet → call → write; none can start.",
        )
    ]


def test_condition_errors_name_their_column(people):
    data = small_definition()
    data["stages"][0]["exit_condition"] = "vars.x == 1"
    [(path, message)] = errors(data)
    assert path == "$.stages[0].exit_condition"
    assert "at column 1" in message or "at column 6" in message, message


def test_record_conditions_know_the_trigger_models_fields(people):
    data = rich_definition()
    data["trigger"]["condition"] = "record.stage == 'closed_won' and record.colour == 'red'"
    [(path, message)] = errors(data)
    assert path == "$.trigger.condition"
    assert "colour" in message


def test_manual_runs_may_read_any_record_field(people):
    data = small_definition()
    data["stages"][0]["exit_condition"] = "record.anything.at_all == 1"
    assert errors(data) == []


def test_background_outputs_are_known_when_the_action_declares_them(people):
    data = rich_definition()
    data["stages"][1]["exit_condition"] = "steps.welcome_mail.sent_to.anything"
    assert errors(data) == []  # send_email declares sent_to (whose value may be anything)
    data["stages"][1]["exit_condition"] = "steps.flag.completed_at and vars.needs_repair"
    assert errors(data) == []  # set_variables declares no output, but sets needs_repair
    data["stages"][1]["exit_condition"] = "steps.welcome_mail.sent"
    assert [path for path, _ in errors(data)] == ["$.stages[1].exit_condition"]


def test_an_interactive_step_without_due_in_is_a_warning(people):
    data = small_definition()
    del step_of(data)["due_in"]
    assert errors(data) == []
    assert warnings(data) == [
        (
            "$.stages[0].steps[0].due_in",
            "No due_in: the work item is never overdue, so nobody is reminded.",
        )
    ]


def test_a_loop_without_max_stage_visits_is_a_warning(people):
    data = rich_definition()
    data["max_stage_visits"] = None
    assert errors(data) == []
    assert warnings(data) == [
        (
            "$.stages[1].decision.outcomes[0].goto",
            "Loops back to 'Welcome': make sure the loop can end (or set max_stage_visits).",
        ),
        (
            "$.stages[2].decision.default",
            "Loops back to 'Review': make sure the loop can end (or set max_stage_visits).",
        ),
    ]


def test_a_stage_after_one_that_always_decides_is_reachable_by_a_goto(people):
    data = rich_definition()  # repair follows review (default "end"), reached by on_error
    assert errors(data) == []
    data["stages"][0]["on_error"] = None
    assert [path for path, _ in errors(data)] == ["$.stages[2]"]


def test_a_label_may_read_the_record_when_runs_have_a_record_model(people):
    data = small_definition(
        label="About {{ record.name }}, {{ run.started_by.first_name }}",
        trigger={"type": "manual", "model": "demo.Account"},
    )
    assert validate_definition(data) == []
    data["label"] = "About {{ record.nme }}"
    assert errors(data) == [
        ("$.label", "In the label: record has no field 'nme' (did you mean 'name'?) at column 17.")
    ]


def test_creating_records_is_warned_about_where_it_cannot_happen(people):
    record = small_definition(trigger={"type": "record", "model": "demo.Account", "create": True})
    no_model = small_definition(trigger={"type": "manual", "create": True})
    no_fields = small_definition(
        trigger={"type": "manual", "model": "demo.Account", "create": True}
    )

    assert warnings(record) == [
        ("$.trigger.create", "Ignored: records that start runs exist already.")
    ]
    assert warnings(no_model) == [
        ("$.trigger.create", "Ignored: a manual trigger without a model has no record.")
    ]
    assert warnings(no_fields) == [
        (
            "$.trigger.create",
            "demo.Account does not say which fields a new record needs (handoff_create_fields): the Start page cannot create one.",
        )
    ]


def test_an_assignee_read_straight_from_a_text_input_is_warned_about(people):
    data = small_definition(inputs=[{"key": "owner", "label": "Owner", "type": "text"}])
    step_of(data)["assignee"] = {"expression": "vars.owner"}
    assert warnings(data) == [(
        "$.stages[0].steps[0].assignee.expression",
        "Input 'owner' is text: make it a person input, so that starting a run checks that it names somebody (else the step fails when nobody has it).",
    )]  # fmt: skip
    data["inputs"][0]["type"] = "person"
    assert warnings(data) == []
