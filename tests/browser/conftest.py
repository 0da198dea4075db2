"""Fixtures for the browser journeys: a signed-in browser session per demo user, and a
watch for Content-Security-Policy violations on every page of every journey."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from demo.people import DEMO_PASSWORD

# Runs in every page before its own scripts (Playwright injects it; the policy does not apply).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} refused `
    + `${event.blockedURI || "inline code"} in ${event.sourceFile || document.URL}`
    + `:${event.lineNumber} — ${event.sample || ""}`);
});
"""


@pytest.fixture(autouse=True)
def csp_violations(browser: Browser, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail the test when any page it opened reported a Content-Security-Policy violation
    (the browser's own console message, or the securitypolicyviolation event)."""
    violations: list[str] = []
    open_context = browser.new_context

    def record(message: ConsoleMessage) -> None:
        text = message.text
        if "CSP violation" in text or "Content Security Policy" in text:
            violations.append(f"{message.location.get('url', '?')}: {text}")

    def watched_context(*args: Any, **kwargs: Any) -> BrowserContext:
        context = open_context(*args, **kwargs)
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("console", record)
        return context

    monkeypatch.setattr(browser, "new_context", watched_context)
    yield violations
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations))


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
