"""The stage editor: name, key, exit condition, the decision and the fault path."""

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orchestrations.models import Stage, Step
from tests.factories import VersionBuilder, field, make_group, make_user

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(db):
    """Three stages: intake, review (check → decision), payout."""
    b = VersionBuilder("loans")
    sales = make_group("Sales")
    form = b.form("review", [field("decision", "choice", choices=["ok", "more", "no"])])
    intake, review, payout = b.stage("intake"), b.stage("review"), b.stage("payout")
    b.step(intake, "apply", form=form, group=sales)
    b.step(review, "check", form=form, group=sales)
    b.step(payout, "pay", action="set_variables", action_inputs={"values": {"paid": True}})
    b.outcome(review, "steps.check.decision == 'more'", intake, label="More info")
    b.outcome(review, "steps.check.decision == 'no'", None)
    return b.version


def stage(draft, key):
    return Stage.objects.get(version=draft, key=key)


def url(stage):
    return reverse("builder:stage-edit", args=[stage.pk])


def post_data(stage, outcomes=None, **changes):
    """What the editor posts for `stage` as it is (outcomes as (label, condition, target))."""
    if outcomes is None:
        outcomes = [(o.label, o.condition, str(o.target_id or "end")) for o in stage.outcomes.all()]
    data = {
        "name": stage.name,
        "key": stage.key,
        "exit_condition": stage.exit_condition,
        "default": "end" if stage.default_ends_run else str(stage.default_target_id or ""),
        "fault": str(stage.fault_target_id or ""),
        "outcomes-TOTAL_FORMS": str(len(outcomes)),
        "outcomes-INITIAL_FORMS": str(len(outcomes)),
    }
    for i, (label, condition, target) in enumerate(outcomes):
        data |= {
            f"outcomes-{i}-label": label,
            f"outcomes-{i}-condition": condition,
            f"outcomes-{i}-target": target,
        }
    return data | changes


def test_htmx_gets_the_stage_editor_with_its_outcomes_in_order(as_designer, draft):
    review = stage(draft, "review")

    response = as_designer.get(url(review), **HTMX)

    html = response.content.decode()
    assert "<html" not in html
    assert f'id="stage-editor-{review.pk}"' in html
    assert html.index("steps.check.decision == &#x27;more&#x27;") < html.index(
        "steps.check.decision == &#x27;no&#x27;"
    )
    assert "+ Add outcome" in html
    assert "Go to the next stage (Payout)" in html


def test_without_htmx_the_stage_editor_is_a_page(as_designer, draft):
    response = as_designer.get(url(stage(draft, "review")))

    assert "<html" in response.content.decode()
    assert "version-tabs" in response.content.decode()


def test_saving_a_stage_stores_its_settings_decision_and_fault_path(as_designer, draft):
    review, intake, payout = stage(draft, "review"), stage(draft, "intake"), stage(draft, "payout")

    response = as_designer.post(
        url(review),
        post_data(
            review,
            outcomes=[
                ("Declined", "steps.check.decision == 'no'", "end"),
                ("Back", "steps.check.decision == 'more'", str(intake.pk)),
            ],
            name="Underwriting",
            exit_condition="steps.check.decision == 'no'",
            default=str(payout.pk),
            fault=str(intake.pk),
        ),
        **HTMX,
    )

    assert response.status_code == 200
    review.refresh_from_db()
    assert review.name == "Underwriting"
    assert review.exit_condition == "steps.check.decision == 'no'"
    assert review.default_target == payout
    assert not review.default_ends_run
    assert review.fault_target == intake
    outcomes = list(review.outcomes.all())
    assert [(o.label, o.target) for o in outcomes] == [("Declined", None), ("Back", intake)]


def test_a_saved_stage_answers_the_column_out_of_band_and_definition_changed(as_designer, draft):
    review = stage(draft, "review")

    response = as_designer.post(url(review), post_data(review, name="Underwriting"), **HTMX)

    html = response.content.decode()
    assert "Saved" in html
    assert f'id="stage-{review.pk}"' in html
    assert 'hx-swap-oob="true"' in html
    assert "definition-changed" in json.loads(response["HX-Trigger"])


def test_renaming_a_stage_shows_every_column_again_as_they_name_it(as_designer, draft):
    review, intake = stage(draft, "review"), stage(draft, "intake")

    response = as_designer.post(url(review), post_data(review, name="Underwriting"), **HTMX)

    html = response.content.decode()
    assert f'id="stage-{intake.pk}"' in html
    assert "next stage, Underwriting" in html  # intake's way out names it


def test_the_default_can_end_the_run(as_designer, draft):
    intake = stage(draft, "intake")

    as_designer.post(url(intake), post_data(intake, default="end"), **HTMX)

    intake.refresh_from_db()
    assert intake.default_ends_run
    assert intake.default_target is None


def test_add_outcome_shows_a_new_row_and_keeps_what_was_typed_without_saving(as_designer, draft):
    review = stage(draft, "review")

    response = as_designer.post(
        url(review), post_data(review, name="Typed name", row_action="add"), **HTMX
    )

    html = response.content.decode()
    assert 'value="Typed name"' in html
    assert 'name="outcomes-2-condition"' in html
    assert "HX-Trigger" not in response
    review.refresh_from_db()
    assert review.name == "Review"
    assert review.outcomes.count() == 2


def test_outcomes_move_up_and_are_removed_before_saving(as_designer, draft):
    review = stage(draft, "review")

    moved = as_designer.post(url(review), post_data(review, row_action="up-1"), **HTMX)
    removed = as_designer.post(url(review), post_data(review, row_action="remove-0"), **HTMX)

    moved_html = moved.content.decode()
    assert moved_html.index("decision == &#x27;no&#x27;") < moved_html.index(
        "decision == &#x27;more&#x27;"
    )
    assert "decision == &#x27;more&#x27;" not in removed.content.decode()
    assert review.outcomes.count() == 2


def test_invalid_outcomes_and_keys_show_errors_next_to_fields_and_keep_values(as_designer, draft):
    review = stage(draft, "review")

    response = as_designer.post(
        url(review),
        post_data(
            review,
            outcomes=[("Typed", "", "end"), ("", "steps.chek.decision == 1", "end")],
            key="end",
        ),
        **HTMX,
    )

    html = response.content.decode()
    assert "“end” is reserved: a decision that goes to “end” ends the run." in html
    assert "Write when this outcome is taken." in html
    assert "unknown step &#x27;chek&#x27; (did you mean &#x27;check&#x27;?)" in html.lower()
    assert 'value="Typed"' in html
    assert f'id="stage{review.pk}_outcomes-1-condition-error"' in html
    review.refresh_from_db()
    assert review.key == "review"
    assert review.outcomes.count() == 2


@pytest.mark.parametrize("htmx", [True, False])
def test_the_key_end_is_refused_next_to_the_key_field_with_what_to_do(as_designer, draft, htmx):
    payout = stage(draft, "payout")

    response = as_designer.post(url(payout), post_data(payout, key="end"), **(HTMX if htmx else {}))

    html = response.content.decode()
    assert response.status_code == 200
    error = f'<small class="field-error" id="stage{payout.pk}_key-error">'
    assert (
        error + "“end” is reserved: a decision that goes to “end” ends the run. "
        "Choose another key, e.g. end_stage.</small>"
    ) in html
    assert f'aria-describedby="stage{payout.pk}_key_helptext stage{payout.pk}_key-error"' in html
    assert 'aria-invalid="true"' in html
    payout.refresh_from_db()
    assert payout.key == "payout"


def test_stage_keys_are_unique_in_the_version(as_designer, draft):
    review = stage(draft, "review")

    response = as_designer.post(url(review), post_data(review, key="intake"), **HTMX)

    assert "already used by the stage" in response.content.decode()


def test_a_user_without_the_permission_gets_403(draft):
    outsider = Client()
    outsider.force_login(make_user("olly"))
    review = stage(draft, "review")

    assert outsider.get(url(review)).status_code == 403
    assert outsider.post(url(review), post_data(review, name="x")).status_code == 403


def test_an_active_version_opens_read_only_and_refuses_saves(as_designer, draft):
    draft.activate()
    draft.save()
    review = stage(draft, "review")

    page = as_designer.get(url(review), **HTMX)
    refused = as_designer.post(url(review), post_data(review, name="Changed"), **HTMX)
    row_action = as_designer.post(url(review), post_data(review, row_action="add"), **HTMX)

    assert '<fieldset class="editor-body" disabled>' in page.content.decode()
    assert "Save stage" not in page.content.decode()
    assert refused.status_code == 409
    assert row_action.status_code == 409
    review.refresh_from_db()
    assert review.name == "Review"


def test_saving_a_stage_costs_the_same_queries_however_many_stages_and_steps(as_designer, draft):
    review = stage(draft, "review")
    with CaptureQueriesContext(connection) as small:
        as_designer.post(url(review), post_data(review, name="Underwriting"), **HTMX)
    sales = make_group("Sales")
    for i in range(6):
        more = Stage.objects.create(
            version=draft, key=f"more{i}", name=f"More {i}", position=10 + i
        )
        for j in range(5):
            Step.objects.create(
                version=draft, stage=more, key=f"s{i}_{j}", name=f"S{i}{j}",
                assignee_type="group", assignee_group=sales,
            )  # fmt: skip

    with CaptureQueriesContext(connection) as big:
        as_designer.post(url(review), post_data(review, name="Underwriting"), **HTMX)

    assert len(big) == len(small)


def focused(html: str) -> str:
    """The opening tag of the one element the answer focuses (autofocus)."""
    assert html.count(" autofocus") == 1, html.count(" autofocus")
    start = html.rindex("<", 0, html.index(" autofocus"))
    return html[start : html.index(">", start) + 1]


def test_the_outcome_buttons_leave_the_keyboard_focus_on_the_row_they_changed(as_designer, draft):
    review = stage(draft, "review")  # two outcomes

    def after(action: str, **data: Any) -> str:
        return focused(
            as_designer.post(
                url(review), post_data(review, row_action=action, **data), **HTMX
            ).content.decode()
        )

    # Outcome 2 moved up is now first, where "up" is disabled: its "down" has the focus.
    assert 'aria-label="Move outcome 1 down"' in after("up-1")
    assert 'aria-label="Move outcome 2 up"' in after("down-0")
    assert 'aria-label="Remove outcome 1"' in after("remove-0")
    assert 'aria-label="Remove outcome 1"' in after("remove-1")
    assert 'name="outcomes-2-condition"' in after("add")
    assert 'value="add"' in after("remove-0", outcomes=[("Only", "True", "end")])
