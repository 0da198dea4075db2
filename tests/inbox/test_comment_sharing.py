"""Comments are internal (members) unless a member shares them; an outside
participant's are always shared, and they read only shared ones (and their own)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse

from orchestrations.engine import run_start, work_item_complete
from orchestrations.models import Comment, RunEvent, WorkItem
from tests.factories import VersionBuilder, field, make_group, make_user

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def claim():
    """An insurance claim: Pat (a customer, in no team) describes it; the Claims team
    (Cleo) assesses it."""
    claims = make_group("Claims")
    people = SimpleNamespace(
        pat=make_user("pat", first_name="Pat", last_name="Client"),
        cleo=make_user("cleo", claims, first_name="Cleo", last_name="Adjuster"),
    )
    b = VersionBuilder("claim")
    stage = b.stage("intake")
    describe = b.step(stage, "describe", form=b.form("d", [field("what")]), user=people.pat)
    b.step(stage, "assess", form=b.form("a", [field("notes")]), group=claims, after=[describe])
    people.run = run_start(b.activate(), started_by=people.pat)
    people.item = WorkItem.objects.get(run=people.run)
    work_item_complete(people.item, by=people.pat, data={"what": "Hail on the roof"})
    return people


def comment_url(item):
    return reverse("inbox:work-item-comment", args=[item.pk])


def test_a_members_comment_is_internal_unless_shared(client, claim):
    client.force_login(claim.cleo)
    run_page = reverse("inbox:run-detail", args=[claim.run.pk])
    form = client.get(run_page).content.decode()
    assert "Who reads it" in form
    assert 'value="internal" id="comment_shared_0" checked' in form  # the default

    client.post(reverse("inbox:run-comment", args=[claim.run.pk]), {"body": "Looks like hail."})
    client.post(
        reverse("inbox:run-comment", args=[claim.run.pk]),
        {"body": "We will call you tomorrow.", "shared": "shared"},
    )

    internal, shared = Comment.objects.order_by("pk")
    assert (internal.shared, shared.shared) == (False, True)
    events = RunEvent.objects.filter(kind="comment.add").order_by("pk")
    assert [e.data["shared"] for e in events] == [False, True]
    html = client.get(run_page).content.decode()
    assert "Internal</span>" in html  # in the comments and the timeline
    assert html.count("Shared with participants</span>") == 2


def test_an_outside_participants_comment_is_always_shared(client, claim):
    client.force_login(claim.pat)
    page = client.get(reverse("inbox:work-item", args=[claim.item.pk])).content.decode()
    assert "Who reads it" not in page
    assert "The team working on your request reads your comments." in page

    response = client.post(
        comment_url(claim.item), {"body": "Photos are in the folder.", "shared": "internal"}, **HTMX
    )

    assert response.status_code == 200
    assert Comment.objects.get().shared is True
    assert "Photos are in the folder." in response.content.decode()


def test_the_participant_reads_shared_comments_and_her_own(client, claim):
    from inbox.services import comment_add

    comment_add(claim.run, author=claim.cleo, body="Internal: check the policy date.")
    comment_add(claim.run, author=claim.cleo, body="Shared: we got your photos.", shared=True)
    comment_add(claim.run, author=claim.pat, body="Mine: thanks!")
    client.force_login(claim.pat)

    html = client.get(reverse("inbox:run-detail", args=[claim.run.pk])).content.decode()

    assert "check the policy date" not in html
    assert "we got your photos" in html
    assert "Mine: thanks!" in html
    assert "Claims</strong>" in html  # Cleo, by her team
    assert "Cleo Adjuster" not in html
    assert "Pat Client</strong>" in html  # her own name
