"""Live checking of conditions, expressions and templates as they are typed."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from builder import scopes
from orchestrations.models import Stage, Step
from tests.factories import VersionBuilder, field, make_group, make_user

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(db):
    """Record-triggered on auth.User; stage 1 (kickoff, packet after kickoff, extra),
    stage 2 (review), stage 3 (golive)."""
    b = VersionBuilder("onboarding", trigger_type="record", trigger_model="auth.User")
    b.input("tier", "choice", choices=["gold", "silver"])
    sales = make_group("Sales")
    kickoff_form = b.form("kickoff", [field("attendees", "number"), field("notes")])
    review_form = b.form("review", [field("decision", "choice", choices=["ok", "no"])])
    golive_form = b.form("golive", [field("live_on", "date")])
    one, two, three = b.stage("one"), b.stage("two"), b.stage("three")
    kickoff = b.step(one, "kickoff", form=kickoff_form, group=sales)
    b.step(one, "packet", form=kickoff_form, group=sales, after=[kickoff])
    b.step(one, "extra", form=kickoff_form, group=sales)
    b.step(two, "review", form=review_form, group=sales)
    b.step(three, "golive", form=golive_form, group=sales)
    version = b.version
    version.parts = {  # type: ignore[attr-defined]
        "stages": {s.key: s for s in version.stages.all()},
        "steps": {s.key: s for s in version.steps.all()},
    }
    return version


def check(as_designer, version, text, *, kind="condition", setting=scopes.STEP_CONDITION, **place):
    data = {"check_kind": kind, "check_setting": setting, "check_field": "text", "text": text}
    data |= {f"check_{name}": str(value.pk) for name, value in place.items()}
    return as_designer.post(reverse("builder:condition-check", args=[version.pk]), data, **HTMX)


def names(as_designer, version, **place):
    data = {"check_names": "1", "check_setting": scopes.STEP_CONDITION}
    data |= {f"check_{name}": str(value.pk) for name, value in place.items()}
    response = as_designer.post(reverse("builder:condition-check", args=[version.pk]), data, **HTMX)
    return response.content.decode()


def test_a_valid_condition_is_ok(as_designer, draft):
    review = draft.parts["steps"]["review"]

    response = check(as_designer, draft, "steps.kickoff.attendees > 2", step=review)

    assert response.status_code == 200
    assert "✓ ok" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_a_syntax_error_says_where_and_points_at_the_column(as_designer, draft):
    response = check(as_designer, draft, "record.email ==", step=draft.parts["steps"]["review"])

    html = response.content.decode()
    assert "Error at column 15:" in html
    assert (
        '<pre class="check-caret" aria-hidden="true">record.email ==\n' + " " * 14 + "^</pre>"
        in html
    )


def test_an_error_on_a_later_line_gives_line_and_column(as_designer, draft):
    response = check(
        as_designer,
        draft,
        "record.email and\nvars.tierr == 'gold'",
        step=draft.parts["steps"]["review"],
    )

    html = response.content.decode()
    assert "Error at line 2, column 6:" in html
    assert "unknown variable &#x27;tierr&#x27; (did you mean &#x27;tier&#x27;?)" in html.lower()


def test_an_unknown_name_suggests_the_near_one(as_designer, draft):
    response = check(as_designer, draft, "steps.kickof.notes", step=draft.parts["steps"]["review"])

    html = response.content.decode()
    assert "unknown step &#x27;kickof&#x27; (did you mean &#x27;kickoff&#x27;?)" in html.lower()
    assert "column 7" in html


def test_a_record_field_is_checked_against_the_trigger_model(as_designer, draft):
    response = check(as_designer, draft, "record.emial", step=draft.parts["steps"]["review"])

    assert "did you mean &#x27;email&#x27;?" in response.content.decode()


def test_a_step_of_a_later_stage_is_a_warning_not_an_error(as_designer, draft):
    response = check(
        as_designer, draft, "steps.golive.live_on", step=draft.parts["steps"]["review"]
    )

    html = response.content.decode()
    assert 'class="check-warning"' in html
    assert "later stage" in html
    assert "check-error" not in html


def test_an_assignee_expression_warns_about_a_step_it_does_not_wait_for(as_designer, draft):
    steps = draft.parts["steps"]

    waited = check(
        as_designer, draft, "steps.kickoff.completed_by", kind="expression",
        setting=scopes.STEP_START, step=steps["packet"],
    )  # fmt: skip
    not_waited = check(
        as_designer, draft, "steps.extra.completed_by", kind="expression",
        setting=scopes.STEP_START, step=steps["packet"],
    )  # fmt: skip

    assert "✓ ok" in waited.content.decode()
    assert "does not wait for it" in not_waited.content.decode()


def test_the_ticked_steps_count_before_they_are_saved(as_designer, draft):
    steps = draft.parts["steps"]
    data = {
        "check_kind": "expression",
        "check_setting": scopes.STEP_START,
        "check_step": str(steps["packet"].pk),
        "check_field": "text",
        "text": "steps.extra.completed_by",
        "start_when": "after",
        "start_after": [str(steps["extra"].pk)],
    }

    response = as_designer.post(reverse("builder:condition-check", args=[draft.pk]), data, **HTMX)

    assert "✓ ok" in response.content.decode()


def test_a_template_is_checked_placeholder_by_placeholder(as_designer, draft):
    response = check(
        as_designer, draft, "Hello {{ record.first_name }}, {{ record.nam }}!", kind="template",
        setting=scopes.STEP_START, step=draft.parts["steps"]["review"],
    )  # fmt: skip

    html = response.content.decode()
    assert "Error at column 42:" in html
    assert "no field &#x27;nam&#x27;" in html


def test_a_trigger_condition_reads_only_the_record(as_designer, draft):
    ok = check(as_designer, draft, 'record.is_active and changed("email")', setting=scopes.TRIGGER)
    warned = check(as_designer, draft, "vars.tier == 'gold'", setting=scopes.TRIGGER)

    assert "✓ ok" in ok.content.decode()
    assert "before a run exists" in warned.content.decode()


def test_the_trigger_check_follows_the_model_chosen_before_saving(as_designer, draft):
    data = {
        "check_kind": "condition",
        "check_setting": scopes.TRIGGER,
        "check_field": "trigger_condition",
        "trigger_condition": "record.name == 'x'",
        "trigger_type": "record",
        "trigger_model": "auth.Group",
    }

    response = as_designer.post(reverse("builder:condition-check", args=[draft.pk]), data, **HTMX)

    assert "✓ ok" in response.content.decode()


def test_an_empty_text_says_nothing(as_designer, draft):
    response = check(as_designer, draft, "  ", step=draft.parts["steps"]["review"])

    assert response.content.decode().strip() == ""


def test_names_for_a_step_in_stage_two_include_stage_one_outputs_not_stage_three(
    as_designer, draft
):
    html = names(as_designer, draft, step=draft.parts["steps"]["review"])

    assert "steps.kickoff.attendees" in html
    assert "steps.packet.notes" in html
    assert "steps.golive.live_on" not in html
    assert "steps.review." not in html  # not its own outputs


def test_names_list_record_fields_with_types_input_variables_and_functions(as_designer, draft):
    html = names(as_designer, draft, step=draft.parts["steps"]["review"])

    assert "The record: user (auth.User)" in html
    assert 'record.email</code></button> <span class="muted">email</span>' in html
    assert "record.password" not in html
    assert "vars.tier" in html
    assert "days_since(d)" in html


def test_names_for_a_stage_include_its_own_steps(as_designer, draft):
    html = names(as_designer, draft, stage=draft.parts["stages"]["two"])

    assert "steps.review.decision" in html
    assert "steps.golive" not in html


def test_the_check_of_an_active_version_still_answers(as_designer, draft):
    draft.activate()
    draft.save()

    response = check(
        as_designer, draft, "steps.kickoff.attendees > 2", step=draft.parts["steps"]["review"]
    )

    assert "✓ ok" in response.content.decode()


def test_a_user_without_the_permission_gets_403(draft):
    outsider = Client()
    outsider.force_login(make_user("olly"))

    assert check(outsider, draft, "record.email").status_code == 403


def test_a_check_costs_the_same_queries_however_big_the_version(as_designer, draft):
    review = draft.parts["steps"]["review"]
    with CaptureQueriesContext(connection) as small:
        check(as_designer, draft, "steps.kickoff.attendees > 2", step=review)
    form = draft.forms.get(key="review")
    for i in range(5):
        stage = Stage.objects.create(
            version=draft, key=f"more{i}", name=f"More {i}", position=9 + i
        )
        for j in range(4):
            Step.objects.create(
                version=draft, stage=stage, key=f"s{i}_{j}", name=f"S{i}{j}", form=form,
                assignee_type="expression", assignee_expression="record.username",
            )  # fmt: skip

    with CaptureQueriesContext(connection) as big:
        check(as_designer, draft, "steps.kickoff.attendees > 2", step=review)

    assert len(big) == len(small) <= 14
