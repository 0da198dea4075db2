"""A step's form in the inbox carries the limits of what can be stored, and a value over
them comes back next to its field with what the person typed kept."""

from __future__ import annotations

import re

from django.urls import reverse

from orchestrations.models import RunEvent
from tests.inbox.conftest import KICKOFF, item_of


def page_of(item) -> str:
    return reverse("inbox:work-item", args=[item.pk])


def test_the_form_tells_the_browser_each_fields_limit(client, people, run):
    client.force_login(people.ava)
    html = client.get(page_of(item_of(run, "kickoff"))).content.decode()
    assert re.search(r'<input type="text" name="primary_contact" maxlength="1000"', html)
    assert re.search(r'<input type="email" name="contact_email" maxlength="254"', html)
    assert re.search(r'<textarea name="notes"[^>]* maxlength="20000"', html)


def test_text_over_its_limit_comes_back_next_to_its_field_and_is_kept(client, people, run):
    item = item_of(run, "kickoff")
    events = RunEvent.objects.filter(run=run).count()
    story = "We covered the whole plan." * 800  # 20,800 characters
    client.force_login(people.ava)

    response = client.post(page_of(item), {**KICKOFF, "notes": story})

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(
        r'id="id_notes_error">Ensure this value has at most 20000 characters \(it has 20800\).',
        html,
    )
    assert story in html  # the textarea keeps it, so nothing typed is lost
    item.refresh_from_db()
    assert item.status == "open"
    assert RunEvent.objects.filter(run=run).count() == events


def test_a_null_character_is_refused_next_to_its_field(client, people, run):
    item = item_of(run, "kickoff")
    client.force_login(people.ava)

    response = client.post(page_of(item), {**KICKOFF, "primary_contact": "Richard\x00"})

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="id_primary_contact_error">Null characters are not allowed.', html)
    item.refresh_from_db()
    assert item.status == "open"
    assert item.data == {}


def test_a_draft_keeps_what_can_be_stored_of_hostile_text(client, people, run):
    item = item_of(run, "kickoff")
    client.force_login(people.ava)

    response = client.post(
        reverse("inbox:work-item-draft", args=[item.pk]),
        {"primary_contact": "Rich\x00ard", "notes": "n" * 30_000},
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.draft_data["primary_contact"] == "Richard"
    assert item.draft_data["notes"] == "n" * 20_000
