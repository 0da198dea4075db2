"""The read-only diagram: stages left to right with their steps, arrows for the flow,
decisions, loops and fault paths; for a run, each step coloured (and marked) by its
status. Names are escaped; an active version's diagram costs no queries."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from builder.diagram import build_diagram, run_diagram, step_rows, version_diagram
from demo.people import create_people
from demo.processes import PROCESS_KEYS, install_processes, read_definition
from orchestrations.engine import run_cancel, run_start, work_item_complete
from orchestrations.engine.definition import version_definition
from orchestrations.models import Run, Version, WorkItem
from tests.factories import VersionBuilder, field, make_user

pytestmark = pytest.mark.django_db


def render(template: str, **context: object) -> str:
    return Template("{% load diagram %}" + template).render(Context(context))


def names_in(html: str) -> str:
    """The text of the SVG's <text> elements, joined."""
    return " ".join(re.findall(r"<text[^>]*>([^<]*)", html))


@pytest.fixture
def demo() -> dict[str, Version]:
    users = create_people()
    return install_processes(by=users["designer"])


@pytest.fixture
def alice():
    return make_user("alice")


def two_stages(alice, **stage_options: object) -> Version:
    """Welcome (kickoff by Alice, then a background welcome mail) → Setup (configure)."""
    b = VersionBuilder("onboarding")
    notes = b.form("notes", [field("notes")])
    welcome = b.stage("welcome", **stage_options)
    setup = b.stage("setup")
    kickoff = b.step(welcome, "kickoff", name="Kickoff call", form=notes, user=alice)
    b.step(welcome, "welcome_mail", name="Welcome mail", action="send_email", after=[kickoff],
           action_inputs={"to": ["a@example.com"], "subject": "Hi", "body": "Welcome"})  # fmt: skip
    b.step(setup, "configure", name="Configure", form=notes, user=alice)
    return b.activate()


@pytest.mark.parametrize("key", PROCESS_KEYS)
def test_the_diagram_of_each_demo_process_shows_every_stage_and_step(demo, key) -> None:
    html = render("{% version_diagram version %}", version=demo[key])

    data = read_definition(key)
    text = names_in(html)
    outline = html[html.index('class="diagram-outline"') :]
    for stage in data["stages"]:
        assert stage["name"] in text
        assert f"<strong>{stage['name']}</strong>" in outline
        for step in stage["steps"]:
            # long names wrap over two lines in the picture; the list has them whole
            assert step["name"].split()[0] in text
            assert f"{step['name']} — " in outline
    assert '<svg role="img" aria-labelledby="v{0}-title v{0}-desc"'.format(demo[key].pk) in html
    assert f'<title id="v{demo[key].pk}-title">Diagram of {data["name"]}, version 1</title>' in html
    assert f"{len(data['stages'])} stages from left to right" in html


def test_a_decision_that_loops_back_is_a_labelled_arrow_above_the_stages(demo) -> None:
    diagram = version_diagram(demo["loan_origination"])
    html = render("{% version_diagram version %}", version=demo["loan_origination"])

    loops = [edge for edge in diagram.edges if edge.kind == "loop"]
    assert [edge.label[0].text for edge in loops] == [
        "↺ Documents missing: back to the applicant",
        "↺ More information needed",
    ]
    assert all(edge.label[0].y < 0 for edge in loops)  # above the stages (at y = 0)
    assert html.count('class="edge edge-loop"') == 2
    assert "If More information needed (when steps.underwriting.decision" in html
    assert "go to Application (loops back)" in html
    assert "2 loops back." in html
    declined = next(
        edge for edge in diagram.edges if edge.label and edge.label[0].text == "Declined"
    )
    assert declined.kind == "decision"
    assert declined.label[0].y > diagram.stages[0].h  # below the stages, to the End
    assert diagram.end is not None


def test_a_fault_path_is_dashed(alice) -> None:
    b = VersionBuilder("repairs")
    form = b.form("notes", [field("notes")])
    work, repair = b.stage("work"), b.stage("repair")
    work.fault_target = repair
    work.save()
    b.step(work, "do", form=form, user=alice)
    b.step(repair, "fix", form=form, user=alice)
    version = b.activate()

    html = render("{% version_diagram version %}", version=version)

    assert re.search(r'class="edge edge-fault"[^>]*stroke-dasharray="6 4"', html)
    assert "⚠ on error" in html
    assert "If a step fails: go to Repair" in html


def test_steps_that_wait_for_others_sit_below_them_with_an_arrow(alice) -> None:
    version = two_stages(alice)

    diagram = version_diagram(version)
    html = render("{% version_diagram version %}", version=version)

    welcome = version_definition(version).stages[0]
    assert [[s.key for s in row] for row in step_rows(welcome)] == [["kickoff"], ["welcome_mail"]]
    kickoff, mail = diagram.stages[0].steps
    assert mail.y > kickoff.y + kickoff.h
    assert [e.title for e in diagram.edges if e.kind == "after"] == [
        "Welcome mail starts after Kickoff call"
    ]
    # interactive and background steps differ in shape, icon and words
    assert 'class="step step-interactive"' in html
    assert 'class="step step-background"' in html
    assert "Automatic · send_email" in html
    assert "Welcome mail — automatic, starts after Kickoff call" in html


def test_steps_that_wait_for_each_other_in_a_circle_still_draw(alice) -> None:
    b = VersionBuilder("circle")
    form = b.form("notes", [field("notes")])
    only = b.stage("only")
    first = b.step(only, "first", form=form, user=alice)
    second = b.step(only, "second", form=form, user=alice, after=[first])
    first.start_when = "after"
    first.save()
    first.start_after.set([second])

    diagram = version_diagram(b.version)

    assert sorted(step.key for step in diagram.stages[0].steps) == ["first", "second"]


def test_names_written_by_admins_are_escaped(alice) -> None:
    b = VersionBuilder("escaping")
    form = b.form("notes", [field("notes")])
    first = b.stage("first", name="<script>alert('stage')</script>")
    second = b.stage("second")
    b.step(first, "evil", name="<img src=x onerror=alert(1)>", form=form, user=alice)
    b.step(second, "fine", form=form, user=alice)
    b.outcome(first, "vars.x == 1", first, label="<b>again</b>")
    version = b.activate()

    html = render("{% version_diagram version %}", version=version)

    assert "<script>" not in html
    assert "<img src=x" not in html
    assert "<b>again" not in html
    assert "&lt;script&gt;alert(&#x27;stage&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "↺ &lt;b&gt;again&lt;/b&gt;" in html


def test_a_run_colours_each_step_by_its_latest_status_and_highlights_the_current_stage(
    alice,
) -> None:
    version = two_stages(alice)
    run = run_start(version, started_by=alice)
    item = WorkItem.objects.get(run=run)
    work_item_complete(item, by=alice, data={"notes": "done"})

    html = render("{% run_diagram run %}", run=Run.objects.select_related("version").get(pk=run.pk))

    steps = dict(re.findall(r'data-step="(\w+)">.*?class="step-status"[^>]*>([^<]*)<', html, re.S))
    assert re.findall(r'class="step step-\w+ step-status-(\w+)"', html) == [
        "completed",
        "in_progress",
        "not_started",
    ]
    assert steps == {
        "kickoff": "✓ Completed",
        "welcome_mail": "▶ In progress",
        "configure": "○ Not started",
    }
    welcome = html[html.index('class="stage stage-current"') :][:400]
    assert "Welcome" in welcome
    assert "▶ Current stage" in html
    assert "<mark>current stage</mark>" in html
    for word in ("Not started", "In progress", "Completed", "Error", "Discontinued", "Canceled"):
        assert f"</span> {word}</li>" in html  # the legend, with a marker for each status


def test_a_canceled_run_has_no_current_stage(alice) -> None:
    version = two_stages(alice)
    run = run_cancel(run_start(version, started_by=alice))

    diagram = run_diagram(run)

    assert not any(stage.current for stage in diagram.stages)
    statuses = [(step.status, step.marker) for stage in diagram.stages for step in stage.steps]
    assert statuses == [("canceled", "✕"), ("canceled", "✕"), ("not_started", "○")]


def test_an_active_version_costs_no_queries_and_a_run_one(alice, django_assert_num_queries) -> None:
    small = two_stages(alice)
    b = VersionBuilder("bigger")
    form = b.form("notes", [field("notes")])
    for n in range(6):
        stage = b.stage(f"stage_{n}")
        for m in range(5):
            b.step(stage, f"step_{n}_{m}", form=form, user=alice)
    bigger = b.activate()
    runs = {}
    for version in (small, bigger):
        version_diagram(version)  # the engine's snapshot is loaded once per process
        runs[version.pk] = run_start(version, started_by=alice)

    for version in (small, bigger):
        version = Version.objects.select_related("orchestration").get(pk=version.pk)
        with django_assert_num_queries(0):
            version_diagram(version)
        run = Run.objects.select_related("version").get(pk=runs[version.pk].pk)
        with django_assert_num_queries(1):
            render("{% run_diagram run %}", run=run)


def test_a_draft_costs_the_same_queries_whatever_its_size(
    alice, django_assert_max_num_queries
) -> None:
    b = VersionBuilder("drafty")
    form = b.form("notes", [field("notes")])
    stage = b.stage("first")
    b.step(stage, "one", form=form, user=alice)
    draft = Version.objects.select_related("orchestration").get(pk=b.version.pk)
    with django_assert_max_num_queries(20) as small:
        version_diagram(draft)
    for n in range(5):
        stage = b.stage(f"more_{n}")
        for m in range(4):
            b.step(stage, f"step_{n}_{m}", form=form, user=alice)

    with django_assert_max_num_queries(len(small.captured_queries)):
        diagram = version_diagram(draft)

    assert len(diagram.stages) == 6


def test_a_version_without_stages_says_how_to_start() -> None:
    b = VersionBuilder("empty")

    html = render("{% version_diagram version %}", version=b.version)

    assert "No stages yet" in html
    assert "<svg" not in html


def test_the_tags_draw_nothing_without_a_version_or_run() -> None:
    assert render("{% version_diagram None %}{% run_diagram None %}").strip() == ""


def test_build_diagram_lays_stages_out_left_to_right(alice) -> None:
    version = two_stages(alice)

    diagram = build_diagram(version_definition(version), uid="x", title="T")

    first, second = diagram.stages
    assert first.x + first.w < second.x
    assert first.h == second.h
    assert diagram.width > second.x + second.w
    assert diagram.end is not None
    assert diagram.end.x > second.x + second.w


# --- The page ------------------------------------------------------------------------------


def test_the_diagram_page_shows_the_version_with_its_tabs(client, designer, alice) -> None:
    version = two_stages(alice)
    client.force_login(designer)

    response = client.get(reverse("builder:version-diagram", args=[version.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-current="page">Diagram</a>' in html
    assert '<svg role="img"' in html
    assert "<summary>The same as a list</summary>" in html
    assert "css/diagram.css" in html


def test_the_diagram_page_is_forbidden_without_the_permission(client, alice) -> None:
    version = two_stages(alice)
    client.force_login(make_user("olga"))

    response = client.get(reverse("builder:version-diagram", args=[version.pk]))

    assert response.status_code == 403
