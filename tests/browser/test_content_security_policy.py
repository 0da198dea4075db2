"""Pages under the Content-Security-Policy in a real browser: the watch for violations
(conftest.py) sees them, and what used to be inline — the diagram's size, the form preview's
"never send" — works from static files.

Every other browser journey runs under the same watch."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from demo.models import Account
from demo.people import create_people
from demo.processes import install_processes
from orchestrations.models import Form, Run

Shoot = Callable[[Page, str], Path]

INLINE_CODE = """() => {
  const style = document.createElement("style");
  style.textContent = "body { color: red }";
  document.head.append(style);
  const script = document.createElement("script");
  script.textContent = "window.ranInline = true";
  document.body.append(script);
}"""


@pytest.mark.django_db(transaction=True)
def test_inline_script_and_style_are_refused_and_reported(
    live_server: LiveServer, page: Page, csp_violations: list[str]
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")

    page.evaluate(INLINE_CODE)
    for _ in range(50):  # the reports arrive as console messages, soon after
        if len(csp_violations) >= 2:
            break
        page.wait_for_timeout(100)

    assert page.evaluate("() => window.ranInline === undefined")
    reported = "\n".join(csp_violations)
    assert "style-src" in reported
    assert "script-src" in reported
    csp_violations.clear()  # made on purpose: the test passes


@pytest.fixture
def onboarding_run() -> Run:
    """The demo, with a won account's onboarding waiting for Ava's kickoff."""
    users = create_people()
    install_processes(by=users["designer"])
    account = Account.objects.create(
        name="Pied Piper", amount=Decimal(60_000), owner=users["ava"], stage="negotiation"
    )
    account.stage = Account.Stage.CLOSED_WON
    account.save()
    return Run.objects.get(record_label="Pied Piper")


@pytest.mark.django_db(transaction=True)
def test_diagrams_fit_the_page_without_inline_style(
    live_server: LiveServer,
    sign_in: Callable[..., Page],
    onboarding_run: Run,
    browser_screenshots: Shoot,
) -> None:
    designer = sign_in("designer", 900)
    designer.goto(f"{live_server.url}/builder/versions/{onboarding_run.version_id}/diagram/")
    svg = designer.locator("svg.diagram-svg")

    expect(svg).to_have_class(re.compile(r"\bdiagram-fits\b"))
    natural = float(svg.get_attribute("data-width") or 0)
    shown = svg.bounding_box()
    assert shown is not None
    assert natural * 0.75 - 1 <= shown["width"] <= natural + 1
    browser_screenshots(designer, "version diagram")

    ava = sign_in("ava")
    ava.goto(f"{live_server.url}/runs/{onboarding_run.pk}/")
    expect(ava.locator("svg.diagram-svg")).to_have_class(re.compile(r"\bdiagram-fits\b"))


@pytest.mark.django_db(transaction=True)
def test_the_form_preview_is_never_sent(
    live_server: LiveServer, sign_in: Callable[..., Page], onboarding_run: Run
) -> None:
    form = Form.objects.filter(version=onboarding_run.version).first()
    assert form is not None
    designer = sign_in("designer")
    url = f"{live_server.url}/builder/forms/{form.pk}/"
    designer.goto(url)
    preview = designer.get_by_role("complementary", name="Preview")
    field = preview.locator("input[type=text], input[type=email], input[type=url]").first

    field.fill("typed in the preview")
    preview.locator("form").evaluate("form => form.requestSubmit()")  # as Enter would
    designer.wait_for_timeout(300)

    assert designer.url == url
    expect(field).to_have_value("typed in the preview")
