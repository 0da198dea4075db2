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


@pytest.mark.django_db(transaction=True)
def test_keyboard_users_skip_the_navigation_and_see_where_they_are(
    live_server: LiveServer, page: Page, screenshot: Callable[[str], Path]
) -> None:
    get_user_model().objects.create_user(username="alice", password="correct horse")
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None
    assert box["y"] >= 0  # shown on screen while it has the focus
    screenshot("skip link")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # The user menu shows where the focus is.
    menu = page.locator("summary", has_text="alice")
    menu.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    outline = menu.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
