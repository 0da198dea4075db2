"""The error pages and the login lockout as people meet them, in the app's frame, with no
Content-Security-Policy violation on the way (the watch in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from demo.models import Account
from demo.people import create_people
from demo.processes import install_processes
from orchestrations.engine import work_item_reassign
from orchestrations.models import WorkItem
from tests.browser.helpers import nav

Shoot = Callable[[Page, str], Path]


@pytest.fixture
def kickoff() -> WorkItem:
    """Ava's kickoff call for a won account."""
    users = create_people()
    install_processes(by=users["designer"])
    account = Account.objects.create(
        name="Pied Piper", amount=Decimal(60_000), owner=users["ava"], stage="negotiation"
    )
    account.stage = Account.Stage.CLOSED_WON
    account.save()
    return WorkItem.objects.get(run__record_label="Pied Piper")


@pytest.mark.django_db(transaction=True)
def test_error_pages_keep_the_frame_and_say_what_happened(
    live_server: LiveServer,
    sign_in: Callable[..., Page],
    kickoff: WorkItem,
    browser_screenshots: Shoot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shoot = browser_screenshots
    ava = sign_in("ava")
    item_url = f"{live_server.url}/items/{kickoff.pk}/"
    ava.goto(item_url)
    expect(ava.get_by_role("heading", name="Kickoff call")).to_be_visible()

    # Support hands the kickoff to the Implementation team; Ava's page is out of date.
    steve = User.objects.get(username="steve")
    implementation = Group.objects.get(name="Implementation")
    work_item_reassign(kickoff, by=steve, to_group=implementation, reason="Technical kickoff.")
    ava.goto(item_url)
    expect(ava.get_by_role("heading", name="Not here any more")).to_be_visible()
    expect(ava.get_by_text("This item was reassigned to the Implementation team.")).to_be_visible()
    expect(ava.get_by_role("navigation", name="Main")).to_be_visible()
    shoot(ava, "404 reassigned away")

    # A page that does not exist, and one she may not open.
    ava.goto(f"{live_server.url}/no/such/page/")
    expect(ava.get_by_role("heading", name="Not found")).to_be_visible()
    shoot(ava, "404 not found")
    ava.goto(f"{live_server.url}/builder/")
    expect(ava.get_by_role("heading", name="Not allowed")).to_be_visible()
    shoot(ava, "403 not allowed")
    nav(ava, "My work")  # the navigation works from an error page
    expect(ava.get_by_role("heading", name="My work")).to_be_visible()

    # Something breaks on the server.
    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("inbox.access.my_work", crash)
    ava.goto(f"{live_server.url}/")
    expect(ava.get_by_role("heading", name="Something went wrong")).to_be_visible()
    expect(ava.get_by_text("boom")).to_have_count(0)
    shoot(ava, "500 something went wrong")


@pytest.mark.django_db(transaction=True)
def test_too_many_failed_logins_are_refused_with_a_clear_message(
    live_server: LiveServer, browser: Browser, browser_screenshots: Shoot, settings
) -> None:
    create_people()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    for where, username in (("/accounts/login/", "ava"), ("/admin/login/", "steve")):
        page.goto(f"{live_server.url}{where}")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill("not her password")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state()
        locked = page.get_by_text("Too many failed attempts: try again in 15 minutes")
        expect(locked).to_be_visible()
        browser_screenshots(page, f"locked out at {where}")
    context.close()
