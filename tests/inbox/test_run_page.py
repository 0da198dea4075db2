"""The run page: who sees it, what it shows, comments, and its cost."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from demo.models import Account
from inbox import run_context
from orchestrations.engine import (
    run_cancel,
    run_start,
    run_suspend,
    work_item_claim,
    work_item_complete,
)
from orchestrations.engine.definition import version_definition
from orchestrations.models import Comment, Delegation, RunEvent, StageRun, WorkItem
from tests.factories import VersionBuilder, field, make_user
from tests.inbox.conftest import item_of

KICKOFF = {
    "kickoff_date": "2026-03-02",
    "primary_contact": "Alice Abernathy",
    "contact_email": "alice@marshford.example",
}
PACKET = {"packet_url": "https://drive.example/p", "sections": ["Plan"], "sent_to_customer": "no"}
HTMX = {"HX-Request": "true"}


def page_of(run) -> str:
    return reverse("inbox:run-detail", args=[run.pk])


def html_of(response) -> str:
    return response.content.decode().strip()


def packet_in_queue(run, people) -> WorkItem:
    work_item_complete(item_of(run, "kickoff"), by=people.ava, data=KICKOFF)
    return item_of(run, "welcome_packet")


# Who sees it ---------------------------------------------------------------------------


def test_the_starter_sees_the_run(client, people, onboarding):
    other = Account.objects.create(name="Ava's other account", owner=people.ava)
    run = run_start(onboarding, record=other, started_by=people.ivan)
    client.force_login(people.ivan)
    assert client.get(page_of(run)).status_code == 200


def test_the_record_owner_sees_a_run_she_did_not_start(client, people, onboarding, account):
    run = run_start(onboarding, record=account)  # started by a trigger, not by Ava
    client.force_login(people.ava)
    assert client.get(page_of(run)).status_code == 200


def test_a_participant_sees_the_run_once_one_of_its_items_reaches_her(client, people, run):
    client.force_login(people.carla)
    assert client.get(page_of(run)).status_code == 404
    packet_in_queue(run, people)
    assert client.get(page_of(run)).status_code == 200


def test_support_staff_see_every_run(client, people, run):
    client.force_login(people.sue)
    assert client.get(page_of(run)).status_code == 200


def test_an_outsider_gets_404_for_the_page_and_the_comment_post(client, people, run):
    client.force_login(people.olga)
    assert client.get(page_of(run)).status_code == 404
    comment_url = reverse("inbox:run-comment", args=[run.pk])
    assert client.post(comment_url, {"body": "hi"}).status_code == 404
    assert client.post(comment_url, {"body": "hi"}, headers=HTMX).status_code == 404
    assert not Comment.objects.exists()


def test_a_signed_out_visitor_is_sent_to_login_and_comes_back(client, people, run):
    response = client.get(page_of(run))
    assert response["Location"] == f"{reverse('login')}?next={page_of(run)}"
    response = client.post(
        reverse("login"), {"username": "ava", "password": "pw", "next": page_of(run)}
    )
    assert response["Location"] == page_of(run)


# What it shows -------------------------------------------------------------------------


def test_the_header_shows_the_process_record_status_starter_and_version(client, people, run):
    client.force_login(people.ava)
    html = html_of(client.get(page_of(run)))
    assert f"Customer onboarding #{run.pk}" in html
    assert "Marshford Capital" in html
    assert 'status-in_progress">In progress</span>' in html
    assert "by Ava Sterling" in html
    assert "<dt>Version</dt>\n        <dd>1</dd>" in html


def test_every_step_shows_status_assignee_completer_and_a_link_only_to_visible_items(
    client, people, run
):
    packet = packet_in_queue(run, people)
    work_item_claim(packet, by=people.carla)
    client.force_login(people.carla)
    html = html_of(client.get(page_of(run)))
    kickoff_row = re.search(
        r'<tr id="step-run-\d+">\s*<th[^>]*>\s*Kickoff call.*?</tr>', html, re.S
    )
    assert kickoff_row is not None
    assert "Completed</span>" in kickoff_row.group()
    assert "Ava Sterling" in kickoff_row.group()
    kickoff_url = reverse("inbox:work-item", args=[item_of(run, "kickoff").pk])
    assert kickoff_url not in html  # Carla may not open Ava's item
    packet_url = reverse("inbox:work-item", args=[packet.pk])
    assert f'<a href="{packet_url}">Prepare the welcome packet</a>' in html
    assert "Carla Mendes (Customer Success)" in html
    assert "Claimed" in html


def test_open_items_show_who_has_them_and_whether_they_are_overdue(client, people, run):
    item = item_of(run, "kickoff")
    WorkItem.objects.filter(pk=item.pk).update(due_at=timezone.now() - dt.timedelta(days=3))
    client.force_login(people.ava)
    html = html_of(client.get(page_of(run)))
    assert re.search(r"Now with <strong>Ava Sterling</strong>", html)
    assert '<span class="overdue">Overdue by 3\xa0days</span>' in html


def test_a_completer_on_behalf_of_someone_is_shown(client, people, run):
    today = timezone.localdate()
    Delegation.objects.create(user=people.ava, delegate=people.chris, starts_on=today,
                              ends_on=today)  # fmt: skip
    work_item_complete(item_of(run, "kickoff"), by=people.chris, data=KICKOFF)
    client.force_login(people.ava)
    html = html_of(client.get(page_of(run)))
    assert "Chris Okafor <small>on behalf of Ava Sterling</small>" in html


def test_the_stage_path_and_a_loop_with_every_visit(client, people):
    b = VersionBuilder("looping", max_stage_visits=5)
    write, review = b.stage("write", name="Write"), b.stage("review", name="Review")
    b.step(write, "draft", form=b.form("d", [field("text")]), user=people.ava)
    decision = b.form("r", [field("decision", "choice", choices=["ok", "again"])])
    b.step(review, "check", form=decision, user=people.ava)
    b.outcome(review, "steps.check.decision == 'again'", write, label="Rework")
    b.activate()
    run = run_start(b.orchestration, started_by=people.ava)
    work_item_complete(item_of(run, "draft"), by=people.ava, data={"text": "v1"})
    work_item_complete(item_of(run, "check"), by=people.ava, data={"decision": "again"})
    client.force_login(people.ava)
    html = html_of(client.get(page_of(run)))
    assert re.search('stage-current" aria-current="step">.*?Write <span aria-hidden="true">'
                     "\u00d72</span>", html, re.S)  # fmt: skip
    assert re.search(r'stage-done">.*?Review', html, re.S)
    assert 'Write <small class="wi-muted">(visit 2)</small>' in html
    assert "next: Write — Rework" in html


def test_the_stage_path_of_a_canceled_run_shows_where_it_stopped(people, run):
    run_cancel(run, by=people.sue)
    run.refresh_from_db()
    definition = version_definition(run.version)
    path = run_context.stage_path(run, definition, run_context.stage_runs_of(run))
    assert [(p.name, p.state, p.state_label) for p in path] == [
        ("Welcome", "stopped", "Canceled"),
        ("Setup", "skipped", "Skipped"),
        ("Go-Live", "skipped", "Skipped"),
    ]


def test_a_suspended_run_says_so(client, people, run):
    run_suspend(run, by=people.sue)
    client.force_login(people.ava)
    html = html_of(client.get(page_of(run)))
    assert "This run is suspended" in html
    assert "stage-current" in html
    assert "Suspended</span>" in html


def test_a_run_stopped_on_an_error_shows_the_error(client, people):
    gone = make_user("gone")
    b = VersionBuilder("broken")
    b.step(b.stage("s"), "t", form=b.form("f", [field("x")]), user=gone)
    b.activate()
    gone.is_active = False  # after activation, which checks it
    gone.save()
    run = run_start(b.orchestration, started_by=people.ava)
    run.refresh_from_db()
    client.force_login(people.ava)
    html = html_of(client.get(page_of(run)))
    assert "Stopped on an error." in html
    assert run.error_message
    assert html.count("no longer an active user") >= 2  # in the header and on the step's row


def test_background_steps_are_labelled_with_their_action(client, people):
    b = VersionBuilder("background")
    stage = b.stage("s")
    b.step(stage, "t", form=b.form("f", [field("x")]), user=people.ava)
    b.step(stage, "provision", action="set_variables", action_inputs={"values": {"a": 1}})
    b.activate()
    run = run_start(b.orchestration, started_by=people.ava)
    client.force_login(people.ava)
    html = html_of(client.get(page_of(run)))
    assert "Background: set_variables" in html
    assert "Automatic" in html


def test_the_timeline_lists_events_newest_first_with_who_did_what(client, people, run):
    packet_in_queue(run, people)
    client.force_login(people.ava)
    html = html_of(client.get(page_of(run)))
    timeline = html[html.index('id="timeline-run-') :]
    assert timeline.index("Started on version 1.") > timeline.index("Completed by Ava Sterling.")
    assert "Open → Completed" in timeline
    assert "Prepare the welcome packet" in timeline


def test_a_long_timeline_shows_the_latest_events_and_a_link_to_all(client, people, run):
    RunEvent.objects.bulk_create(
        RunEvent(run=run, kind="note", message=f"Event {i}") for i in range(205)
    )
    total = RunEvent.objects.filter(run=run).count()
    client.force_login(people.ava)
    html = html_of(client.get(page_of(run)))
    assert html.count('class="timeline-entry') == run_context.TIMELINE_LIMIT
    assert f"Show all {total}</a>" in html
    html = html_of(client.get(page_of(run) + "?all=1"))
    assert html.count('class="timeline-entry') == total
    assert "Show all" not in html


# Comments ------------------------------------------------------------------------------


def test_a_comment_on_the_run_page_is_added_and_shown(client, people, run):
    client.force_login(people.ava)
    url = reverse("inbox:run-comment", args=[run.pk])
    response = client.post(url, {"body": "Where are we?"})
    assert response["Location"] == page_of(run) + "#comments"
    comment = Comment.objects.get()
    assert (comment.run, comment.work_item, comment.author) == (run, None, people.ava)
    html = html_of(client.get(page_of(run)))
    assert html.count("Where are we?") == 2  # in the comments and on the timeline


def test_a_comment_with_htmx_answers_only_the_fragment(client, people, run):
    client.force_login(people.ava)
    url = reverse("inbox:run-comment", args=[run.pk])
    html = html_of(client.post(url, {"body": "Quick"}, headers=HTMX))
    assert html.startswith(f'<section id="comments-run-{run.pk}"')
    assert "Quick" in html
    assert "<html" not in html


def test_a_comment_with_htmx_tells_the_timeline_to_reload_itself_and_an_error_does_not(
    client, people, run
):
    client.force_login(people.ava)
    page = html_of(client.get(reverse("inbox:run-detail", args=[run.pk])))
    assert re.search(rf'id="timeline-run-{run.pk}"[^>]*hx-trigger="comment-added from:body"', page)
    url = reverse("inbox:run-comment", args=[run.pk])
    added = client.post(url, {"body": "Quick"}, headers=HTMX)
    assert "comment-added" in added.headers["HX-Trigger"]
    refused = client.post(url, {"body": ""}, headers=HTMX)
    assert "HX-Trigger" not in refused.headers
    page = html_of(client.get(reverse("inbox:run-detail", args=[run.pk])))
    timeline = page.split(f'id="timeline-run-{run.pk}"')[1]
    assert "Quick" in timeline


def test_an_empty_comment_on_the_run_page_shows_the_error_next_to_the_field(client, people, run):
    client.force_login(people.ava)
    response = client.post(reverse("inbox:run-comment", args=[run.pk]), {"body": ""})
    assert response.status_code == 200
    assert re.search(r'id="comment_body_error">Write something', html_of(response))
    assert "Stages and steps" in html_of(response)  # the whole page again


def test_the_comment_post_needs_the_csrf_token(people, run):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.ava)
    url = reverse("inbox:run-comment", args=[run.pk])
    assert client.post(url, {"body": "x"}).status_code == 403
    assert client.post(url, {"body": "x"}, headers=HTMX).status_code == 403
    assert not Comment.objects.exists()


# Cost ----------------------------------------------------------------------------------


def grow(run, people, n: int) -> None:
    for i in range(n):
        Comment.objects.create(run=run, author=people.carla, body=f"Note {i}")
    RunEvent.objects.bulk_create(
        RunEvent(run=run, kind="note", actor=people.carla, on_behalf_of=people.ava,
                 message=f"Event {i}")
        for i in range(n * 5)
    )  # fmt: skip


@pytest.mark.parametrize("extra", [2, 60])
def test_the_page_costs_the_same_queries_with_few_or_many_events_and_comments(
    client, people, run, django_assert_max_num_queries, extra
):
    packet = packet_in_queue(run, people)
    work_item_complete(packet, by=people.carla, data=PACKET)
    grow(run, people, extra)
    client.force_login(people.carla)
    client.get(page_of(run))  # warm the definition cache
    # 20: with whether Carla is a member (what she may see depends on it).
    with django_assert_max_num_queries(20):
        response = client.get(page_of(run))
    assert f"Note {extra - 1}" in html_of(response)


def test_the_page_costs_the_same_queries_with_few_or_many_steps_and_visits(
    client, people, django_assert_max_num_queries
):
    counts = []
    for steps in (2, 10):
        b = VersionBuilder(f"wide_{steps}", max_stage_visits=20)
        form = b.form("f", [field("again", "choice", choices=["yes", "no"])])
        stage = b.stage("s")
        for i in range(steps):
            b.step(stage, f"s{i}", form=form, user=people.ava)
        b.outcome(stage, "steps.s0.again == 'yes'", stage, label="Again")
        b.step(b.stage("wrap_up"), "last", form=form, user=people.ava)
        b.activate()
        run = run_start(b.orchestration, started_by=people.ava)
        for visit in range(3):
            for item in WorkItem.objects.filter(run=run, status="open"):
                work_item_complete(
                    item, by=people.ava, data={"again": "yes" if visit < 2 else "no"}
                )
        assert StageRun.objects.filter(run=run).count() == 4
        client.force_login(people.ava)
        client.get(page_of(run))
        with django_assert_max_num_queries(20) as captured:
            assert client.get(page_of(run)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
