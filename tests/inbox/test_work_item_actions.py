"""Acting on a work item: submit, save a draft, reassign, comment."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from demo.models import Account
from orchestrations.engine import (
    TransitionRefused,
    run_cancel,
    run_start,
    run_suspend,
    work_item_claim,
    work_item_complete,
    work_item_reassign,
    work_item_save_draft,
)
from orchestrations.models import Comment, Delegation, RunEvent, WorkItem
from tests.factories import VersionBuilder, field
from tests.inbox.conftest import item_of

KICKOFF = {
    "kickoff_date": "2026-03-02",
    "primary_contact": "Alice Abernathy",
    "contact_email": "alice@marshford.example",
    "notes": "Bring the plan.",
}
PACKET = {
    "packet_url": "https://drive.example/chris-version",
    "sections": ["Letter", "Plan"],
    "sent_to_customer": "no",
}
HTMX = {"HX-Request": "true"}
SUBMIT_DISABLED = re.compile(r'<button type="submit" disabled[^>]*>Submit</button>')


def url(name: str, item: WorkItem) -> str:
    return reverse(name, args=[item.pk])


def page_of(item: WorkItem) -> str:
    return url("inbox:work-item", item)


def html_of(response) -> str:
    return response.content.decode().strip()


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def packet_in_queue(run, people) -> WorkItem:
    work_item_complete(item_of(run, "kickoff"), by=people.ava, data=KICKOFF)
    return item_of(run, "welcome_packet")


def second_account_run(onboarding, people) -> WorkItem:
    other = Account.objects.create(name="Harbor Mills", owner=people.ava)
    return item_of(run_start(onboarding, record=other, started_by=people.ava), "kickoff")


# Submit ------------------------------------------------------------------------------


def test_submitting_completes_the_item_and_goes_to_the_next_one(client, people, run, onboarding):
    later = second_account_run(onboarding, people)
    WorkItem.objects.filter(pk=later.pk).update(due_at=timezone.now() + dt.timedelta(days=9))
    item = item_of(run, "kickoff")
    client.force_login(people.ava)
    response = client.post(page_of(item), KICKOFF)
    assert response.status_code == 302
    assert response["Location"] == page_of(later)
    item.refresh_from_db()
    assert item.status == "completed"
    assert item.completed_by == people.ava
    assert item.data["primary_contact"] == "Alice Abernathy"
    assert messages_of(response) == [
        f"'Kickoff call' completed — Customer onboarding #{run.pk} moves on."
    ]
    assert "work-changed" in response["HX-Trigger-After-Settle"]


def test_the_next_item_is_the_first_in_my_work_order_with_undated_items_last(
    client, people, run, onboarding
):
    undated = second_account_run(onboarding, people)
    WorkItem.objects.filter(pk=undated.pk).update(due_at=None)
    third = Account.objects.create(name="Quayside", owner=people.ava)
    dated = item_of(run_start(onboarding, record=third), "kickoff")
    WorkItem.objects.filter(pk=dated.pk).update(due_at=timezone.now() + dt.timedelta(days=30))
    client.force_login(people.ava)
    response = client.post(page_of(item_of(run, "kickoff")), KICKOFF)
    assert response["Location"] == page_of(dated)


def test_submitting_the_last_open_item_goes_back_to_my_work(client, people, run):
    client.force_login(people.ava)
    response = client.post(page_of(item_of(run, "kickoff")), KICKOFF)
    assert response["Location"] == reverse("inbox:my-work")


def test_a_validation_error_shows_next_to_its_field_and_keeps_every_value(client, people, run):
    item = item_of(run, "kickoff")
    client.force_login(people.ava)
    typed = {**KICKOFF, "kickoff_date": "", "contact_email": "not-an-email"}
    response = client.post(page_of(item), typed)
    html = html_of(response)
    assert response.status_code == 200
    assert re.search(r'id="id_kickoff_date_error">This field is required.</small>', html)
    assert re.search(r'id="id_contact_email_error">Enter a valid email address.</small>', html)
    assert 'aria-invalid="true"' in html
    assert 'value="Alice Abernathy"' in html
    assert 'value="not-an-email"' in html
    assert "Bring the plan.</textarea>" in html
    item.refresh_from_db()
    assert item.status == "open"


def test_a_page_gone_stale_because_a_colleague_completed_it_names_them_and_keeps_the_values(
    client, people, run
):
    packet = packet_in_queue(run, people)
    work_item_complete(packet, by=people.carla, data={**PACKET, "sent_to_customer": "yes"})
    client.force_login(people.chris)
    response = client.post(page_of(packet), PACKET)
    html = html_of(response)
    assert response.status_code == 409
    assert "Already completed by Carla Mendes" in html
    assert 'value="https://drive.example/chris-version"' in html
    assert re.search(r'value="Plan"[^>]*checked', html)
    assert SUBMIT_DISABLED.search(html)
    assert "Completed by <strong>Carla Mendes</strong>" in html


def test_a_page_gone_stale_because_someone_claimed_it_says_who(client, people, run):
    packet = packet_in_queue(run, people)
    work_item_claim(packet, by=people.carla)
    client.force_login(people.chris)
    response = client.post(page_of(packet), PACKET)
    html = html_of(response)
    assert response.status_code == 409
    assert "Carla Mendes is working on this" in html
    assert 'value="https://drive.example/chris-version"' in html
    assert SUBMIT_DISABLED.search(html)


def test_submitting_on_a_canceled_run_is_refused_and_keeps_the_values(client, people, run):
    item = item_of(run, "kickoff")
    run_cancel(run, by=people.sue, reason="Deal lost.")
    client.force_login(people.ava)
    response = client.post(page_of(item), KICKOFF)
    html = html_of(response)
    assert response.status_code == 409
    assert "This item was canceled because the run was canceled" in html
    assert 'value="Alice Abernathy"' in html
    assert SUBMIT_DISABLED.search(html)


def test_submitting_on_a_suspended_run_is_refused_but_may_succeed_later(client, people, run):
    item = item_of(run, "kickoff")
    run_suspend(run, by=people.sue)
    client.force_login(people.ava)
    response = client.post(page_of(item), KICKOFF)
    html = html_of(response)
    assert response.status_code == 409
    assert "The run is suspended: you can save a draft now and submit once it resumes." in html
    assert 'value="Alice Abernathy"' in html
    assert not SUBMIT_DISABLED.search(html)
    assert "Save draft" in html


def test_submitting_a_step_that_was_discontinued_is_refused(client, people):
    b = VersionBuilder("race")
    form = b.form("f", [field("answer")])
    stage = b.stage("s", exit_condition="steps.fast.answer == 'done'")
    b.step(stage, "fast", form=form, user=people.ava)
    b.step(stage, "slow", form=form, user=people.ava)
    b.step(b.stage("next"), "later", form=form, user=people.ava)
    b.activate()
    run = run_start(b.orchestration)
    slow = item_of(run, "slow")
    work_item_complete(item_of(run, "fast"), by=people.ava, data={"answer": "done"})
    client.force_login(people.ava)
    response = client.post(page_of(slow), {"answer": "late answer"})
    html = html_of(response)
    assert response.status_code == 409
    assert "its step no longer runs" in html
    assert 'value="late answer"' in html
    assert SUBMIT_DISABLED.search(html)


def test_a_delegate_completes_on_behalf_of_the_assignee(client, people, run):
    today = timezone.localdate()
    Delegation.objects.create(user=people.ava, delegate=people.chris, starts_on=today,
                              ends_on=today)  # fmt: skip
    item = item_of(run, "kickoff")
    client.force_login(people.chris)
    assert client.post(page_of(item), KICKOFF).status_code == 302
    item.refresh_from_db()
    assert (item.completed_by, item.on_behalf_of) == (people.chris, people.ava)


# Save draft --------------------------------------------------------------------------


def test_a_draft_keeps_the_values_without_completing_and_is_there_next_time(client, people, run):
    packet = packet_in_queue(run, people)
    client.force_login(people.carla)
    typed = {"packet_url": "not a url yet", "sections": ["Letter", "Plan"]}
    response = client.post(url("inbox:work-item-draft", packet), typed)
    assert response.status_code == 302
    assert response["Location"] == page_of(packet)
    assert messages_of(response) == ["Draft saved. Your values are kept until you submit."]
    packet.refresh_from_db()
    assert packet.status == "open"
    assert packet.draft_data == {
        "packet_url": "not a url yet",
        "sections": ["Letter", "Plan"],
        "sent_to_customer": "",
    }
    html = html_of(client.get(page_of(packet)))
    assert 'value="not a url yet"' in html
    assert re.search(r'value="Letter"[^>]*checked', html)
    assert not re.search(r'value="Calendar"[^>]*checked', html)


def test_a_draft_saved_with_htmx_answers_only_the_status_fragment(client, people, run):
    item = item_of(run, "kickoff")
    client.force_login(people.ava)
    response = client.post(url("inbox:work-item-draft", item), {"notes": "later"}, headers=HTMX)
    html = html_of(response)
    assert response.status_code == 200
    assert html.startswith(f'<span id="draft-status-{item.pk}"')
    assert re.search(r"Draft saved at \d\d:\d\d", html)
    assert "<html" not in html
    item.refresh_from_db()
    assert item.draft_data["notes"] == "later"


def test_a_draft_on_a_completed_item_is_refused_and_changes_nothing(client, people, run):
    item = item_of(run, "kickoff")
    work_item_complete(item, by=people.ava, data=KICKOFF)
    client.force_login(people.ava)
    response = client.post(url("inbox:work-item-draft", item), {"notes": "x"}, headers=HTMX)
    assert "Already completed by Ava Sterling" in html_of(response)
    item.refresh_from_db()
    assert item.draft_data == {}
    assert item.status == "completed"


def test_a_draft_from_someone_who_may_only_look_is_forbidden(client, people, run):
    item = item_of(run, "kickoff")
    client.force_login(people.sue)
    assert client.post(url("inbox:work-item-draft", item), {"notes": "x"}).status_code == 403
    item.refresh_from_db()
    assert item.draft_data == {}


def test_the_draft_service_refuses_an_item_someone_else_holds(people, run):
    packet = packet_in_queue(run, people)
    work_item_claim(packet, by=people.carla)
    with pytest.raises(TransitionRefused, match="Carla Mendes is working on this"):
        work_item_save_draft(packet, by=people.chris, data={})


# Reassign ----------------------------------------------------------------------------


def test_reassigning_to_a_person_says_so_and_leaves_for_my_work_when_the_item_is_gone(
    client, people, run
):
    item = packet_in_queue(run, people)
    client.force_login(people.carla)  # Chris is her teammate in Customer Success
    response = client.post(
        url("inbox:work-item-reassign", item),
        {"reassign-to": people.chris.pk, "reassign-reason": "Chris knows them."},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("inbox:my-work")
    assert messages_of(response) == ["Reassigned to Chris Okafor."]
    item.refresh_from_db()
    assert item.assignee_user == people.chris
    assert RunEvent.objects.filter(kind="work_item.reassign", message__contains="Chris knows them")
    assert "work-changed" in response["HX-Trigger-After-Settle"]


def test_reassigning_to_a_team_returns_to_the_item_when_still_visible(client, people, run):
    item = item_of(run, "kickoff")
    client.force_login(people.sue)
    response = client.post(
        url("inbox:work-item-reassign", item),
        {"reassign-to": f"team:{people.implementation.pk}", "reassign-reason": "Needs tech."},
    )
    assert response["Location"] == page_of(item)
    assert messages_of(response) == ["Reassigned to Implementation."]
    item.refresh_from_db()
    assert (item.assignee_user, item.assignee_group) == (None, people.implementation)


def test_reassigning_with_htmx_redirects_the_browser(client, people, run):
    item = item_of(run, "kickoff")
    client.force_login(people.sue)
    response = client.post(
        url("inbox:work-item-reassign", item),
        {"reassign-to": people.chris.pk, "reassign-reason": "Cover."},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == page_of(item)


@pytest.mark.parametrize(
    ("typed", "field_id", "error"),
    [
        ({"reassign-reason": "Busy."}, "to", "Choose a person or a team."),
        ({"reassign-to": "CHRIS", "reassign-find": "chr", "reassign-reason": "Busy."}, "to",
         "Chris Okafor is not in any of your teams; reassign to someone in Sales, or to the "
         "Customer Success or Implementation queue."),
        ({"reassign-to": "team:GROUP", "reassign-reason": ""}, "reason",
         "This field is required."),
        ({"reassign-to": "AVA", "reassign-reason": "Me."}, "to", "already assigned"),
        ({"reassign-to": "nobody", "reassign-reason": "Me."}, "to",
         "Choose a person or a team from the list."),
    ],
)  # fmt: skip
def test_reassigning_with_bad_input_shows_the_error_next_to_the_field_and_keeps_values(
    client, people, run, typed, field_id, error
):
    ids = {"CHRIS": people.chris.pk, "AVA": people.ava.pk,
           "team:GROUP": f"team:{people.success.pk}"}  # fmt: skip
    data = {key: ids.get(value, value) for key, value in typed.items()}
    item = item_of(run, "kickoff")
    client.force_login(people.ava)
    response = client.post(url("inbox:work-item-reassign", item), data)
    html = html_of(response)
    assert response.status_code == 200
    assert re.search(rf'id="id_reassign-{field_id}_error">[^<]*{re.escape(error)}', html)
    assert f'<details id="reassign-{item.pk}" class="wi-reassign" open>' in html
    if data.get("reassign-reason"):  # nothing typed is lost
        assert f">\n{data['reassign-reason']}</textarea>" in html
    if data.get("reassign-find"):
        assert f'value="{data["reassign-find"]}"' in html
    if data.get("reassign-to") == f"team:{people.success.pk}":
        assert f'value="team:{people.success.pk}" checked' in html
    item.refresh_from_db()
    assert item.assignee_user == people.ava


def test_reassign_errors_with_htmx_answer_only_the_panel(client, people, run):
    item = item_of(run, "kickoff")
    client.force_login(people.ava)
    response = client.post(
        url("inbox:work-item-reassign", item), {"reassign-reason": "x"}, headers=HTMX
    )
    html = html_of(response)
    assert html.startswith(f'<details id="reassign-{item.pk}"')
    assert "Choose a person or a team." in html
    assert "<html" not in html


def test_reassigning_without_permission_is_forbidden(client, people, run):
    today = timezone.localdate()
    Delegation.objects.create(user=people.ava, delegate=people.chris, starts_on=today,
                              ends_on=today)  # fmt: skip
    item = item_of(run, "kickoff")
    client.force_login(people.chris)  # may see it and act for Ava, not give it away
    response = client.post(
        url("inbox:work-item-reassign", item),
        {"reassign-to": people.chris.pk, "reassign-reason": "Mine now."},
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.assignee_user == people.ava


def test_reassigning_a_completed_item_says_it_is_closed(client, people, run):
    item = item_of(run, "kickoff")
    item = work_item_complete(item, by=people.ava, data=KICKOFF)
    client.force_login(people.sue)
    response = client.post(
        url("inbox:work-item-reassign", item),
        {"reassign-to": people.chris.pk, "reassign-reason": "Late."},
    )
    assert response["Location"] == page_of(item)
    at = timezone.localtime(item.completed_at)
    assert messages_of(response) == [f"Already completed by Ava Sterling, today at {at:%H:%M}."]


# Comments ----------------------------------------------------------------------------


def test_a_comment_is_added_to_the_run_and_its_timeline(client, people, run):
    item = item_of(run, "kickoff")
    client.force_login(people.ava)
    response = client.post(url("inbox:work-item-comment", item), {"body": "Call booked <3"})
    assert response.status_code == 302
    assert response["Location"] == page_of(item) + "#comments"
    comment = Comment.objects.get(run=run)
    assert (comment.work_item, comment.author, comment.body) == (item, people.ava, "Call booked <3")
    event = RunEvent.objects.get(run=run, kind="comment.add")
    assert (event.actor, event.message, event.work_item) == (people.ava, "Call booked <3", item)
    assert "Call booked &lt;3" in html_of(client.get(page_of(item)))


def test_an_empty_comment_shows_an_error_next_to_the_field(client, people, run):
    item = item_of(run, "kickoff")
    client.force_login(people.ava)
    response = client.post(url("inbox:work-item-comment", item), {"body": "   "})
    assert response.status_code == 200
    assert re.search(r'id="comment_body_error">Write something', html_of(response))
    assert not Comment.objects.exists()


def test_a_too_long_comment_is_refused(client, people, run):
    client.force_login(people.ava)
    response = client.post(
        url("inbox:work-item-comment", item_of(run, "kickoff")), {"body": "x" * 5001}
    )
    assert "at most 5000 characters" in html_of(response)
    assert not Comment.objects.exists()


def test_a_comment_with_htmx_answers_only_the_comments_fragment(client, people, run):
    item = item_of(run, "kickoff")
    client.force_login(people.ava)
    response = client.post(
        url("inbox:work-item-comment", item), {"body": "Quick one"}, headers=HTMX
    )
    html = html_of(response)
    assert html.startswith(f'<section id="comments-run-{run.pk}"')
    assert "Quick one" in html
    assert "<html" not in html
    assert "Quick one</textarea>" not in html  # the form is empty again


def test_an_empty_comment_with_htmx_keeps_the_fragment_with_its_error(client, people, run):
    client.force_login(people.ava)
    response = client.post(
        url("inbox:work-item-comment", item_of(run, "kickoff")), {"body": ""}, headers=HTMX
    )
    assert html_of(response).startswith(f'<section id="comments-run-{run.pk}"')
    assert "Write something" in html_of(response)


def test_after_an_htmx_comment_the_focus_is_back_in_the_comment_box_not_on_page_load(
    client, people, run
):
    item = item_of(run, "kickoff")
    client.force_login(people.ava)

    def comment_box(html: str) -> str:
        found = re.search(r'<textarea[^>]*name="body"[^>]*>', html)
        assert found is not None
        return found.group(0)

    for body in ("Noted", ""):
        html = html_of(
            client.post(url("inbox:work-item-comment", item), {"body": body}, headers=HTMX)
        )
        assert "autofocus" in comment_box(html)
    assert "autofocus" not in comment_box(html_of(client.get(page_of(item))))


# Outsiders and CSRF ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["inbox:work-item", "inbox:work-item-draft", "inbox:work-item-reassign",
     "inbox:work-item-comment"],
)  # fmt: skip
def test_an_outsider_gets_404_for_every_post(client, people, run, name):
    item = item_of(run, "kickoff")
    client.force_login(people.olga)
    data = {**KICKOFF, "body": "hi", "reassign-to": people.olga.pk, "reassign-reason": "x"}
    assert client.post(url(name, item), data).status_code == 404
    assert client.post(url(name, item), data, headers=HTMX).status_code == 404
    item.refresh_from_db()
    assert (item.status, item.assignee_user, item.draft_data) == ("open", people.ava, {})
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["inbox:work-item", "inbox:work-item-draft", "inbox:work-item-reassign",
     "inbox:work-item-comment"],
)  # fmt: skip
def test_every_post_needs_the_csrf_token_htmx_too(people, run, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.ava)
    item = item_of(run, "kickoff")
    assert client.post(url(name, item), {**KICKOFF, "body": "x"}).status_code == 403
    assert client.post(url(name, item), {**KICKOFF, "body": "x"}, headers=HTMX).status_code == 403
    item.refresh_from_db()
    assert item.status == "open"


def test_a_post_with_the_csrf_token_from_the_page_goes_through(people, run):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.ava)
    item = item_of(run, "kickoff")
    html = html_of(client.get(page_of(item)))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    data = {**KICKOFF, "csrfmiddlewaretoken": token.group(1)}
    assert client.post(page_of(item), data).status_code == 302


def test_the_pages_refuse_other_methods(client, people, run):
    item = item_of(run, "kickoff")
    client.force_login(people.ava)
    assert client.get(url("inbox:work-item-draft", item)).status_code == 405
    assert client.put(page_of(item)).status_code == 405


def seen_token_on(client, item: WorkItem) -> str:
    found = re.search(r'name="_seen" value="([^"]+)"', html_of(client.get(page_of(item))))
    assert found is not None
    return found.group(1)


def test_an_item_reassigned_away_meanwhile_says_where_it_went_and_keeps_the_values(
    client, people, run
):
    item = item_of(run, "kickoff")
    client.force_login(people.ava)
    token = seen_token_on(client, item)
    work_item_reassign(item, by=people.sue, to_user=people.chris, reason="Cover.")
    response = client.post(page_of(item), {**KICKOFF, "_seen": token})
    html = html_of(response)
    assert response.status_code == 409
    assert "This item is now with Chris Okafor." in html
    assert 'value="Alice Abernathy"' in html
    assert SUBMIT_DISABLED.search(html)
    # without the page's token, or with somebody else's, it is just not there
    assert client.post(page_of(item), KICKOFF).status_code == 404
    client.force_login(people.olga)
    assert client.post(page_of(item), {**KICKOFF, "_seen": token}).status_code == 404


def test_a_required_choice_starts_unchosen_and_must_be_chosen(client, people, run):
    work_item_complete(item_of(run, "kickoff"), by=people.ava, data=KICKOFF)
    packet = item_of(run, "welcome_packet")
    work_item_complete(packet, by=people.carla, data=PACKET)
    configuration = item_of(run, "configuration")
    client.force_login(people.ivan)

    page = html_of(client.get(page_of(configuration)))
    assert '<option value="" selected>Choose…</option>' in page

    response = client.post(page_of(configuration), {"region": ""})
    assert "This field is required." in html_of(response)
    configuration.refresh_from_db()
    assert configuration.status == "open"
