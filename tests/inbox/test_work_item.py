"""The work-item page: what it shows, to whom, and at what cost."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from demo.models import Account
from inbox import run_context
from orchestrations.engine import (
    run_cancel,
    run_start,
    work_item_claim,
    work_item_complete,
    work_item_save_draft,
)
from orchestrations.events import record_event
from orchestrations.models import Comment, Delegation, RunEvent, WorkItem
from tests.factories import VersionBuilder, field
from tests.inbox.conftest import item_of

KICKOFF = {
    "kickoff_date": "2026-03-02",
    "primary_contact": "Alice Abernathy",
    "contact_email": "alice@marshford.example",
    "notes": "Prefers calls on Tuesdays.\nNo Fridays.",
}
PACKET = {
    "packet_url": "https://drive.example/marshford",
    "sections": ["Letter", "Calendar"],
    "sent_to_customer": "yes",
}


def page_of(item: WorkItem) -> str:
    return reverse("inbox:work-item", args=[item.pk])


def html_of(response) -> str:
    return response.content.decode()


def kickoff_done(run, people) -> WorkItem:
    """Ava completes the kickoff: the packet waits in the Customer Success queue."""
    work_item_complete(item_of(run, "kickoff"), by=people.ava, data=KICKOFF)
    return item_of(run, "welcome_packet")


def test_ava_sees_the_kickoff_with_its_form_and_the_runs_context(client, people, run):
    item = item_of(run, "kickoff")
    client.force_login(people.ava)
    response = client.get(page_of(item))
    html = html_of(response)
    assert response.status_code == 200
    assert "<h1>Kickoff call</h1>" in html
    assert 'for="id_kickoff_date"' in html
    assert 'name="primary_contact"' in html
    assert "Marshford Capital" in html
    assert "Customer_onboarding" not in html  # names, not keys
    assert reverse("inbox:run-detail", args=[run.pk]) in html
    assert "version 1" in html
    assert ">Submit</button>" in html
    assert "Save draft" in html


def test_admin_authored_instructions_are_escaped(client, people, run):
    client.force_login(people.ava)
    html = html_of(client.get(page_of(item_of(run, "kickoff"))))
    assert "Hold the &lt;b&gt;kickoff&lt;/b&gt; call within three days." in html
    assert "<b>kickoff</b>" not in html


def test_instructions_keep_their_line_breaks_and_fields_start_at_their_defaults(client, people):
    b = VersionBuilder("line_breaks")
    form = b.form(
        "f",
        [
            field("region", "choice", choices=["EU", "US"], default="US"),
            field("urgent", "yes_no", default=True),
            field("notes", help_text="<i>Admin help</i>"),
        ],
    )
    b.step(b.stage("s"), "t", form=form, user=people.ava, instructions="First line\nSecond <line>")
    b.activate()
    run = run_start(b.orchestration)
    client.force_login(people.ava)
    html = html_of(client.get(page_of(WorkItem.objects.get(run=run))))
    assert "First line<br>Second &lt;line&gt;" in html
    assert '<option value="US" selected>' in html
    assert re.search(r'value="yes"[^>]*checked', html)
    assert "&lt;i&gt;Admin help&lt;/i&gt;" in html


def test_an_outsider_gets_404_for_the_page(client, people, run):
    client.force_login(people.olga)
    assert client.get(page_of(item_of(run, "kickoff"))).status_code == 404


def test_a_team_member_cannot_open_another_persons_item(client, people, run):
    client.force_login(people.carla)
    assert client.get(page_of(item_of(run, "kickoff"))).status_code == 404


def test_a_signed_out_visitor_is_sent_to_login_and_comes_back_to_the_item(client, people, run):
    """Email links land on the work-item page, before and after signing in."""
    url = page_of(item_of(run, "kickoff"))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"
    response = client.post(reverse("login"), {"username": "ava", "password": "pw", "next": url})
    assert response.status_code == 302
    assert response["Location"] == url
    assert client.get(url).status_code == 200


def test_an_overdue_item_says_by_how_much(client, people, run):
    item = item_of(run, "kickoff")
    WorkItem.objects.filter(pk=item.pk).update(
        due_at=timezone.now() - dt.timedelta(days=2, hours=1)
    )
    client.force_login(people.ava)
    html = html_of(client.get(page_of(item)))
    assert re.search(r'class="overdue">\(Overdue by 2\xa0days\)', html)


def test_an_item_not_yet_due_says_when(client, people, run):
    client.force_login(people.ava)
    html = html_of(client.get(page_of(item_of(run, "kickoff"))))
    assert "Due in 2\xa0days" in html or "Due in 3\xa0days" in html
    assert "Overdue" not in html


def test_a_saved_draft_fills_the_form(client, people, run):
    item = item_of(run, "kickoff")
    WorkItem.objects.filter(pk=item.pk).update(
        draft_data={"primary_contact": "Draft Dora", "notes": "half-written"}
    )
    client.force_login(people.ava)
    html = html_of(client.get(page_of(item)))
    assert 'value="Draft Dora"' in html
    assert ">\nhalf-written</textarea>" in html
    assert "Your saved draft is filled in." in html


def test_earlier_outputs_show_labels_people_and_readable_values(client, people, run):
    packet = kickoff_done(run, people)
    client.force_login(people.carla)
    html = html_of(client.get(page_of(packet)))
    assert "Kickoff date</dt>" in html
    assert "March 2, 2026" in html
    assert '<a href="mailto:alice@marshford.example"' in html
    assert "Prefers calls on Tuesdays.<br>No Fridays." in html
    assert "Ava Sterling" in html

    # after the packet, Ivan sees lists joined, Yes/No and links
    work_item_claim(packet, by=people.carla)
    work_item_complete(packet, by=people.carla, data=PACKET)
    client.force_login(people.ivan)
    html = html_of(client.get(page_of(item_of(run, "configuration"))))
    assert "Letter, Calendar" in html
    assert "<dd>Yes</dd>" in html
    assert '<a href="https://drive.example/marshford" rel="noopener noreferrer">' in html
    assert "Carla Mendes" in html


def test_the_stage_path_marks_done_current_and_upcoming_stages(client, people, run):
    kickoff_done(run, people)
    packet = item_of(run, "welcome_packet")
    work_item_complete(packet, by=people.carla, data=PACKET)
    client.force_login(people.ivan)
    html = html_of(client.get(page_of(item_of(run, "configuration"))))
    assert re.search(r'stage-done">\s*<span class="stage-marker"[^>]*></span>\s*'
                     r'<span class="stage-name">Welcome', html)  # fmt: skip
    assert re.search(r'stage-current" aria-current="step">.*?Setup', html, re.S)
    assert re.search(r'stage-upcoming">.*?Go-Live', html, re.S)


def test_a_loop_shows_the_visits_of_a_stage(client, people):
    b = VersionBuilder("looping", max_stage_visits=5)
    write = b.stage("write", name="Write")
    review = b.stage("review", name="Review")
    b.step(write, "draft", form=b.form("d", [field("text")]), user=people.ava)
    decision = b.form("r", [field("decision", "choice", choices=["ok", "again"])])
    b.step(review, "check", form=decision, user=people.ava)
    b.outcome(review, "steps.check.decision == 'again'", write, label="Rework")
    b.activate()
    run = run_start(b.orchestration)
    work_item_complete(item_of(run, "draft"), by=people.ava, data={"text": "v1"})
    work_item_complete(item_of(run, "check"), by=people.ava, data={"decision": "again"})
    client.force_login(people.ava)
    html = html_of(client.get(page_of(item_of(run, "draft"))))
    assert re.search('Write <span aria-hidden="true">\u00d72</span>', html)
    assert "(2 visits)" in html
    assert "(visit 1)" not in html  # the first draft's outputs are shown as plain "Draft"
    assert "<dd>v1</dd>" in html


def test_a_step_sent_back_round_a_loop_starts_from_the_last_rounds_answers(client, people):
    b = VersionBuilder("looping", max_stage_visits=5)
    apply, review = b.stage("apply", name="Apply"), b.stage("review", name="Review")
    answers = [field("employer", required=True), field("salaried", "yes_no", required=True),
               field("answers", "long_text")]  # fmt: skip
    b.step(apply, "application", form=b.form("a", answers), user=people.ava)
    decision = b.form("r", [field("decision", "choice", choices=["ok", "more"])])
    b.step(review, "check", form=decision, user=people.carla)
    b.outcome(review, "steps.check.decision == 'more'", apply, label="More information")
    b.activate()
    run = run_start(b.orchestration)
    first = {"employer": "Bayview Hospital", "salaried": "no"}
    work_item_complete(item_of(run, "application"), by=people.ava, data=first)
    work_item_complete(item_of(run, "check"), by=people.carla, data={"decision": "more"})
    client.force_login(people.ava)
    again = item_of(run, "application")
    assert again.is_open
    html = html_of(client.get(page_of(again)))
    assert "This step came back for another round: the form holds the answers you submitted" in html
    assert 'value="Bayview Hospital"' in html
    assert re.search(r'value="no"[^>]*checked', html)
    # Staff who may only look see no invitation to change answers that are not theirs.
    client.force_login(people.sue)
    response = client.get(page_of(again))
    html = html_of(response)
    assert response.status_code == 200
    assert "assigned to Ava Sterling, not to you" in html
    assert "another round" not in html
    assert 'value="Bayview Hospital"' not in html
    client.force_login(people.ava)
    # A draft of this round wins over the last round's answers, and the note goes.
    work_item_save_draft(again, by=people.ava, data={"employer": "Bayview Clinic"})
    html = html_of(client.get(page_of(again)))
    assert 'value="Bayview Clinic"' in html
    assert "came back for another round" not in html


def test_a_first_round_item_starts_empty_without_the_another_round_note(client, people, run):
    client.force_login(people.ava)
    html = html_of(client.get(page_of(item_of(run, "kickoff"))))
    assert "another round" not in html
    assert 'name="primary_contact" value=' not in html


def test_a_team_member_can_claim_an_open_queue_item(client, people, run):
    packet = kickoff_done(run, people)
    client.force_login(people.carla)
    html = html_of(client.get(page_of(packet)))
    claim = reverse("inbox:work-item-claim", args=[packet.pk])
    assert f'action="{claim}"' in html
    assert f'name="next" value="{page_of(packet)}"' in html
    assert "work-item-release" not in html


def test_the_holder_can_release_and_colleagues_see_who_holds_it(client, people, run):
    packet = kickoff_done(run, people)
    work_item_claim(packet, by=people.carla)
    client.force_login(people.carla)
    html = html_of(client.get(page_of(packet)))
    assert f'action="{reverse("inbox:work-item-release", args=[packet.pk])}"' in html
    assert "Claimed by you" in html

    client.force_login(people.chris)
    html = html_of(client.get(page_of(packet)))
    assert "Carla Mendes is working on this" in html
    assert re.search(r"<button type=\"submit\" disabled[^>]*>Submit</button>", html)
    assert "Save draft" not in html
    assert "work-item-claim" not in html
    assert "Claim</button>" not in html


def test_a_delegate_sees_whose_behalf_they_act_on(client, people, run):
    today = timezone.localdate()
    Delegation.objects.create(
        user=people.ava, delegate=people.chris, starts_on=today, ends_on=today
    )
    client.force_login(people.chris)
    html = html_of(client.get(page_of(item_of(run, "kickoff"))))
    assert "on behalf of Ava Sterling" in html
    assert re.search(r'<button type="submit">Submit</button>', html)
    assert "Reassign…" not in html  # the engine does not let a delegate reassign


def test_support_staff_see_the_item_and_may_reassign_but_not_submit(client, people, run):
    client.force_login(people.sue)
    html = html_of(client.get(page_of(item_of(run, "kickoff"))))
    assert "assigned to Ava Sterling, not to you" in html
    assert re.search(r"<button type=\"submit\" disabled[^>]*>Submit</button>", html)
    assert "Reassign…" in html
    # Support may hand it to any member or team: the teams are listed before typing,
    # never the people.
    assert ">Customer Success</span>" in html
    assert "Carla Mendes" not in html


def test_a_completed_item_shows_the_submitted_values_read_only(client, people, run):
    kickoff_done(run, people)
    client.force_login(people.ava)
    html = html_of(client.get(page_of(item_of(run, "kickoff"))))
    assert "Completed by <strong>Ava Sterling</strong>" in html
    assert "<dd>Alice Abernathy</dd>" in html
    assert f'action="{page_of(item_of(run, "kickoff"))}"' not in html
    assert "Reassign…" not in html
    assert "Save draft" not in html


def test_a_canceled_item_says_why_it_closed(client, people, run):
    run_cancel(run, by=people.sue, reason="The customer walked away.")
    client.force_login(people.ava)
    html = html_of(client.get(page_of(item_of(run, "kickoff"))))
    assert "This item was canceled on" in html
    assert "The customer walked away." in html
    assert "Submit" not in html


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("Customer churned", ". Customer churned. Nothing needs doing here."),
        ("", ". Nothing needs doing here."),
    ],
)
def test_a_canceled_item_gives_its_reason_as_a_sentence_and_no_bare_canceled(
    client, people, run, reason, says
):
    run_cancel(run, by=people.sue, reason=reason)
    client.force_login(people.ava)
    html = html_of(client.get(page_of(item_of(run, "kickoff"))))
    assert says in html
    assert "Canceled. Nothing" not in html


def test_the_record_links_to_its_admin_page_only_for_users_who_may_view_it(client, people, run):
    url = reverse("admin:demo_account_change", args=[run.record_id])
    client.force_login(people.ava)
    assert url not in html_of(client.get(page_of(item_of(run, "kickoff"))))
    people.sue.user_permissions.add(Permission.objects.get(codename="view_account"))
    client.force_login(people.sue)
    assert f'<a href="{url}">Marshford Capital</a>' in html_of(
        client.get(page_of(item_of(run, "kickoff")))
    )


def test_a_record_with_its_own_page_links_there(run, people, monkeypatch):
    monkeypatch.setattr(Account, "get_absolute_url", lambda self: f"/accounts/{self.pk}/", False)
    assert run_context.record_url(run, people.ava) == f"/accounts/{run.record_id}/"


def test_comments_of_the_run_are_shown_oldest_first(client, people, run):
    Comment.objects.create(run=run, author=people.ava, body="First <note>")
    Comment.objects.create(run=run, author=people.sue, body="Second note")
    client.force_login(people.ava)
    html = html_of(client.get(page_of(item_of(run, "kickoff"))))
    assert html.index("First &lt;note&gt;") < html.index("Second note")
    assert 'id="comments-run-' in html


def grow(run, people, n: int) -> None:
    """Add `n` comments and `n` events to the run."""
    for i in range(n):
        Comment.objects.create(run=run, author=people.ava, body=f"Note {i}")
        record_event(run, "comment.add", actor=people.ava, message=f"Note {i}")


@pytest.mark.parametrize("extra", [2, 40])
def test_the_page_costs_the_same_queries_with_few_or_many_comments_and_outputs(
    client, people, run, django_assert_max_num_queries, extra
):
    packet = kickoff_done(run, people)
    grow(run, people, extra)
    client.force_login(people.carla)
    client.get(page_of(packet))  # warm the definition cache
    # 20: one of them looks for the last round's answers (an open item with no draft),
    # one whether Carla is a member (what she may see depends on it).
    with django_assert_max_num_queries(20):
        response = client.get(page_of(packet))
    assert response.status_code == 200
    assert f"Note {extra - 1}" in html_of(response)
    assert RunEvent.objects.filter(run=run).count() > extra


def test_the_page_costs_the_same_queries_with_few_or_many_earlier_steps(
    client, people, django_assert_max_num_queries
):
    counts = []
    for steps in (2, 12):
        b = VersionBuilder(f"chain_{steps}")
        form = b.form("f", [field("value"), field("when", "date")])
        stage = b.stage("s")
        previous = None
        for i in range(steps):
            previous = b.step(
                stage, f"s{i}", form=form, user=people.ava,
                after=[previous] if previous else None,
            )  # fmt: skip
        b.activate()
        run = run_start(b.orchestration)
        for i in range(steps - 1):
            item = WorkItem.objects.get(run=run, status="open")
            work_item_complete(item, by=people.ava, data={"value": f"v{i}", "when": "2026-01-02"})
        last = WorkItem.objects.get(run=run, status="open")
        client.force_login(people.ava)
        client.get(page_of(last))
        with django_assert_max_num_queries(20) as captured:
            assert client.get(page_of(last)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_completed_item_lists_only_the_steps_finished_before_it(client, people, run):
    packet = kickoff_done(run, people)
    work_item_complete(packet, by=people.carla, data=PACKET)
    client.force_login(people.carla)
    html = html_of(client.get(page_of(packet)))
    assert "Kickoff date</dt>" in html  # finished before the packet
    client.force_login(people.ava)
    html = html_of(client.get(page_of(item_of(run, "kickoff"))))
    assert "Nothing yet: no earlier step of this run has finished." in html
    assert "Letter, Calendar" not in html
