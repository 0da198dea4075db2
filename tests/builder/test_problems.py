"""The validation panel: every problem of a version in plain words, errors first,
each linked to the card (or editor) it concerns; ready to activate when clean."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from builder.problems import SEP, problems_report
from orchestrations.definition import Problem
from orchestrations.models import Version
from tests.factories import VersionBuilder, field, make_group, make_user

HTMX = {"HTTP_HX_REQUEST": "true"}
DAY = timedelta(days=1)


@pytest.fixture
def team(db):
    return make_group("Ops")


def panel(client, version: Version) -> str:
    response = client.get(reverse("builder:version-problems", args=[version.pk]), **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def step_link(step) -> str:
    url = reverse("builder:step-edit", args=[step.pk])
    return f'href="{url}" class="problem-where" data-card="step-{step.pk}" hx-get="{url}"'


def stage_link(stage) -> str:
    url = reverse("builder:stage-edit", args=[stage.pk])
    return f'href="{url}" class="problem-where" data-card="stage-{stage.pk}" hx-get="{url}"'


def test_a_clean_draft_is_ready_to_activate(as_designer, team):
    b = VersionBuilder("clean")
    form = b.form("f", [field("ok", "yes_no")])
    b.step(b.stage("only"), "work", form=form, group=team, due_in=DAY)
    html = panel(as_designer, b.version)
    assert "No problems: ready to activate." in html
    assert f'href="{reverse("builder:version-activate", args=[b.version.pk])}"' in html
    assert "<html" not in html


def test_an_active_version_without_problems_offers_no_activation(as_designer, team):
    b = VersionBuilder("clean")
    form = b.form("f", [field("ok", "yes_no")])
    b.step(b.stage("only"), "work", form=form, group=team, due_in=DAY)
    b.activate()
    html = panel(as_designer, b.version)
    assert "No problems." in html
    assert "activate" not in html.lower()


def test_a_version_without_stages_says_so_and_points_at_add_stage(as_designer):
    version = VersionBuilder("empty").version
    html = panel(as_designer, version)
    assert "1 error blocks activation" in html
    assert "A definition needs at least one stage." in html
    assert f'href="{reverse("builder:version", args=[version.pk])}#add-stage"' in html
    assert "Activate" not in html


def test_every_kind_of_problem_is_listed_with_a_link_to_its_card(as_designer, team):
    b = VersionBuilder("broken")
    form = b.form("f", [field("ok", "yes_no")])
    first = b.stage("first", name="First")
    no_form = b.step(first, "no_form", group=team, due_in=DAY)
    no_one = b.step(first, "no_one", form=form, due_in=DAY)
    unknown = b.step(first, "unknown", action="teleport")
    bad = b.step(first, "bad", form=form, group=team, due_in=DAY, exit_condition="record.x >")
    ping = b.step(first, "ping", form=form, group=team, due_in=DAY)
    pong = b.step(first, "pong", form=form, group=team, due_in=DAY, after=[ping])
    ping.start_when = "after"
    ping.save()
    ping.start_after.set([pong])
    empty = b.stage("empty", name="Empty", default_ends_run=True)
    lost = b.stage("lost", name="Lost")
    lazy = b.step(lost, "lazy", form=form, group=team)  # no due date
    b.outcome(empty, "true", first, label="Again")  # a loop, and max_stage_visits is unset
    elsewhere = VersionBuilder("elsewhere").stage("gone")
    b.outcome(first, "true", elsewhere)  # a target that is not in this version

    html = panel(as_designer, b.version)
    report = problems_report(b.version)
    errors, warnings = len(report.errors), len(report.warnings)
    assert f"{errors} errors block activation · {warnings} warnings" in html

    expected = [
        (step_link(no_form), "An interactive step needs a form."),
        (step_link(no_one), "An interactive step needs an assignee."),
        (step_link(unknown), "No action &#x27;teleport&#x27; is registered."),
        (step_link(bad), "In &#x27;record.x &gt;&#x27;"),
        (step_link(ping), "Steps wait for each other in a circle: ping → pong → ping"),
        (stage_link(empty), "A stage needs at least one step."),
        (stage_link(first), "No stage &#x27;gone&#x27;"),
        (stage_link(lost), "Stage &#x27;lost&#x27; is unreachable"),
        (step_link(lazy), "No due date: the work item is never overdue"),
        (stage_link(empty), "Loops back to &#x27;First&#x27;: make sure the loop can end"),
    ]
    items = html.split('<li class="problem ')[1:]
    for link, message in expected:
        assert any(link in item and message in item for item in items), (link, message)
    severities = [item.split('"', 1)[0] for item in items]
    assert severities == sorted(severities, key=lambda s: s != "problem-error")  # errors first
    assert "Activate" not in html


def test_the_panel_names_where_each_problem_is_in_words(as_designer, team):
    b = VersionBuilder("words")
    b.step(b.stage("welcome", name="Welcome"), "kickoff", name="Kickoff call", group=team)
    html = panel(as_designer, b.version)
    assert f"Stage “Welcome”{SEP}step “Kickoff call”{SEP}form</a>" in html
    assert f"Stage “Welcome”{SEP}step “Kickoff call”{SEP}due date</a>" in html


def test_warnings_alone_do_not_block_activation(as_designer, team):
    b = VersionBuilder("warned")
    form = b.form("f", [field("ok", "yes_no")])
    b.step(b.stage("only"), "work", form=form, group=team)
    html = panel(as_designer, b.version)
    assert "1 warning" in html
    assert "warnings don't block activation" in html
    assert reverse("builder:version-activate", args=[b.version.pk]) in html


def test_problems_of_forms_inputs_and_the_trigger_link_to_their_editors(as_designer, team):
    b = VersionBuilder("elsewhere", trigger_type="record", trigger_model="demo.Nothing")
    form = b.form("f", [field("pick", "choice")])
    variable = b.input("tier", "choice", label="Tier")
    b.step(b.stage("only"), "work", form=form, group=team, due_in=DAY)
    report = problems_report(b.version)
    places = {p.where: p.url for p in report.problems}
    assert places["Trigger"] == reverse("builder:trigger-edit", args=[b.version.pk])
    form_place = f"Form “F”{SEP}field “Pick”{SEP}choices"
    assert places[form_place] == reverse("builder:form-edit", args=[form.pk])
    assert places[f"Input “Tier”{SEP}choices"] == reverse("builder:input-edit", args=[variable.pk])


def test_a_problem_of_the_run_label_links_to_the_trigger_page(as_designer, team):
    b = VersionBuilder("labelled", label_template="{{ record.name }}")
    b.step(b.stage("only"), "work", form=b.form("f", []), group=team, due_in=DAY)

    report = problems_report(b.version)

    assert [(p.where, p.url) for p in report.problems] == [
        ("Run label", reverse("builder:trigger-edit", args=[b.version.pk]))
    ]
    assert "the orchestration has no record model" in report.problems[0].message


def test_an_unknown_path_is_placed_on_the_whole_definition(db):
    from builder.problems import Places

    version = VersionBuilder("odd").version
    placed = Places(version).place(Problem("$.max_stage_visits", "Too many."))
    assert placed.where == "The definition"
    assert placed.url is None


def test_without_htmx_the_problems_are_shown_on_the_canvas_page(as_designer):
    version = VersionBuilder("empty").version
    response = as_designer.get(reverse("builder:version-problems", args=[version.pk]))
    html = response.content.decode()
    assert "<html" in html
    assert "A definition needs at least one stage." in html
    assert 'id="board"' in html


def test_the_canvas_loads_the_panel_lazily_and_refreshes_it_after_every_change(as_designer):
    version = VersionBuilder("lazy").version
    html = as_designer.get(reverse("builder:version", args=[version.pk])).content.decode()
    assert f'hx-get="{reverse("builder:version-problems", args=[version.pk])}"' in html
    assert 'hx-trigger="load, definition-changed from:body"' in html
    assert "A definition needs at least one stage." not in html


def test_the_panel_is_designers_only(client, db):
    version = VersionBuilder("secret").version
    client.force_login(make_user("sam"))
    assert client.get(reverse("builder:version-problems", args=[version.pk])).status_code == 403
