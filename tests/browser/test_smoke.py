"""The whole stack in a real browser: live server, static files, login form, admin."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer


@pytest.mark.django_db(transaction=True)
def test_staff_user_logs_in_to_the_admin(
    live_server: LiveServer, page: Page, screenshot: Callable[[str], Path]
) -> None:
    get_user_model().objects.create_user(
        username="support", password="correct horse", is_staff=True, is_superuser=True
    )

    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_label("Username")).to_be_visible()
    screenshot("admin login form")

    page.get_by_label("Username").fill("support")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    expect(page.get_by_role("link", name="Users")).to_be_visible()
    screenshot("admin index")


@pytest.mark.django_db(transaction=True)
def test_user_logs_in_and_out_of_the_app(
    live_server: LiveServer, page: Page, screenshot: Callable[[str], Path]
) -> None:
    get_user_model().objects.create_user(username="alice", password="correct horse")

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    expect(page.get_by_text("Nothing is assigned to you right now.")).to_be_visible()
    expect(page.get_by_role("link", name="Builder")).to_have_count(0)
    # Pico styles arrived: static files are served by the live server.
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    screenshot("my work")

    page.locator("summary", has_text="alice").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    screenshot("logged out")
