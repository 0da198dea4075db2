"""Fixtures for the browser journeys: a signed-in browser session per demo user."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from demo.people import DEMO_PASSWORD


@pytest.fixture
def sign_in(live_server: LiveServer, browser: Browser) -> Iterator[Callable[..., Page]]:
    """Open a browser session for a demo user and sign them in."""
    contexts = []

    def open_as(username: str, width: int = 1280) -> Page:
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="My work")).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()
