"""A loan officer starts a loan request from My requests: she finds the loan
application with the type-ahead, picks it with the keyboard, and the run that starts
carries the application and its label."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from demo.models import LoanApplication
from demo.people import create_people
from demo.processes import install_processes
from orchestrations.engine import run_start
from orchestrations.models import Orchestration, Run
from tests.browser.helpers import nav

Shoot = Callable[[Page, str], Path]


@pytest.mark.django_db(transaction=True)
def test_lola_starts_a_loan_for_an_application_picked_with_the_keyboard(
    sign_in: Callable[..., Page], browser_screenshots: Shoot
) -> None:
    shoot = browser_screenshots
    users = create_people()
    install_processes(by=users["designer"])
    loans = Orchestration.objects.get(key="loan_origination")

    def apply(username: str, amount: int, purpose: str) -> LoanApplication:
        return LoanApplication.objects.create(
            applicant=users[username], amount=Decimal(amount), purpose=purpose
        )

    # Dana's home purchase is under way already; her car loan waits to be started.
    home = apply("dana", 350_000, "Home purchase")
    run_start(loans, record=home, variables={"term_months": 360}, started_by=users["lola"])
    car = apply("dana", 18_000, "Vehicle")
    apply("ben", 25_000, "Vehicle")

    # My requests → Start a request → Loan origination.
    lola = sign_in("lola")
    nav(lola, "My requests")
    lola.get_by_text("Start a request").click()
    lola.get_by_role("link", name="Loan origination").click()
    expect(lola.get_by_role("heading", name="Start a run of Loan origination")).to_be_visible()
    shoot(lola, "start page")

    # She types a few letters: the list narrows to Dana's applications as she types.
    search = lola.get_by_role("searchbox", name="Search loan applications")
    search.press_sequentially("dana", delay=50)
    results = lola.get_by_role("list", name="Loan applications you may choose")
    expect(results.get_by_role("radio")).to_have_count(2)
    expect(results).not_to_contain_text("Ben Carter")
    taken = results.get_by_role("radio", name="Loan for Dana Whitfield ($350,000)")
    expect(taken).to_be_disabled()
    expect(results).to_contain_text("already has an open run")
    shoot(lola, "type-ahead narrowed to dana")

    # The keyboard: Tab past the Search button into the list, then choose.
    search.press("Tab")
    expect(lola.get_by_role("button", name="Search")).to_be_focused()
    lola.keyboard.press("Tab")
    picked = results.get_by_role("radio", name="Loan for Dana Whitfield ($18,000)")
    expect(picked).to_be_focused()
    lola.keyboard.press("Space")
    expect(picked).to_be_checked()

    # A term out of range comes back next to its field, with her choice kept.
    term = lola.get_by_label("Term (months)")
    term.fill("600")
    lola.get_by_role("button", name="Start run").click()
    expect(lola.get_by_text("Ensure this value is less than or equal to 480.")).to_be_visible()
    expect(lola.get_by_role("radio", name="Loan for Dana Whitfield ($18,000)")).to_be_checked()
    expect(lola.get_by_label("Term (months)")).to_have_value("600")
    shoot(lola, "term out of range")
    assert Run.objects.count() == 1

    # Fixed, the run starts about the application, named by its label.
    lola.get_by_label("Term (months)").fill("48")
    lola.get_by_role("button", name="Start run").click()
    label = "Vehicle loan for Dana Whitfield ($18000)"
    expect(lola.get_by_role("heading", level=1)).to_contain_text(label)
    expect(lola.locator("#messages")).to_contain_text(f"“{label}” started.")
    shoot(lola, "run page with its label")
    run = Run.objects.get(label=label)
    assert run.record == car
    assert run.variables == {"term_months": 48}

    # My requests lists it by its label.
    nav(lola, "My requests")
    expect(lola.get_by_role("link", name=label)).to_be_visible()
    shoot(lola, "my requests")
