"""Who may be handed work, in a browser: the loan officer hands a review to Underwriting
with the keyboard alone, and the applicant, an outside participant, has nothing to hand
over and nobody to look up.

The demo's people and its loan process, started the way the demo's story starts it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from demo.people import create_people
from demo.processes import install_processes
from demo.stories import Driver
from demo.stories.loans import APPLICATIONS, load_loans
from orchestrations.models import WorkItem

Shoot = Callable[[Page, str], Path]


def nav_menu(page: Page, entry: str) -> None:
    page.get_by_role("navigation", name="Main").locator("summary").click()
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.get_by_role("link", name=entry).click()


def open_item(page: Page, step_name: str, *, row_text: str = "") -> None:
    rows = page.get_by_role("row").filter(has_text=row_text) if row_text else page
    rows.get_by_role("link", name=step_name).first.click()
    expect(page.get_by_role("heading", name=step_name, level=1)).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_the_officer_hands_a_review_to_underwriting_and_the_applicant_hands_nothing(
    sign_in: Callable[..., Page], browser_screenshots: Shoot
) -> None:
    shoot = browser_screenshots
    users = create_people()
    install_processes(by=users["designer"])
    assert [a.applicant for a in APPLICATIONS if not a.reviewed] == ["raj"]
    load_loans(Driver(users))  # Raj's application waits for Lola's review; Dana's for Dana

    # Lola opens Raj's review and looks for an underwriter: Uma is in no team of hers.
    lola = sign_in("lola")
    console_errors: list[str] = []
    lola.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    open_item(lola, "Review the application", row_text="Raj")
    lola.get_by_text("Reassign…").click()
    search = lola.get_by_label("To a person or a team")
    expect(lola.locator(".picker-choice")).to_have_count(2)  # the process's teams, no people
    search.press_sequentially("uma")
    expect(lola.get_by_role("status").filter(has_text="Nobody you may choose")).to_be_visible()

    # She types part of the team's name instead, and goes on with the keyboard alone.
    search.fill("")
    search.press_sequentially("underw")
    underwriting = lola.get_by_role("radio", name=re.compile("^Underwriting"))
    expect(underwriting).to_be_visible()
    expect(lola.locator(".picker-choice")).to_have_count(1)
    shoot(lola, "lola finds underwriting")
    search.press("ArrowDown")
    expect(underwriting).to_be_focused()
    expect(underwriting).to_be_checked()
    lola.keyboard.press("Enter")  # on to the next field
    reason = lola.get_by_label("Reason")
    expect(reason).to_be_focused()
    lola.keyboard.type("Over my limit: an underwriter decides this one.")
    lola.keyboard.press("Tab")
    expect(lola.get_by_role("button", name="Reassign", exact=True)).to_be_focused()
    lola.keyboard.press("Enter")

    expect(lola.get_by_text("Reassigned to Underwriting.")).to_be_visible()
    expect(lola.get_by_role("heading", name="My work")).to_be_visible()
    shoot(lola, "lola after reassigning")
    review = WorkItem.objects.get(
        run__record_label__contains="Raj", step_run__step__key="officer_review"
    )
    assert review.assignee_user is None
    assert review.assignee_group is not None
    assert review.assignee_group.name == "Underwriting"

    # Out of office: only her teammates are found (Leo, in Lending), never the applicants.
    nav_menu(lola, "Out of office")
    delegate = lola.get_by_label("Who covers for you")
    delegate.press_sequentially("le")
    expect(lola.get_by_role("radio", name=re.compile("^Leo Fischer"))).to_be_visible()
    expect(lola.locator(".picker-choice")).to_have_count(1)
    shoot(lola, "lola looks for a delegate")
    delegate.fill("")
    delegate.press_sequentially("dana")
    expect(lola.get_by_role("status").filter(has_text="Nobody you may choose")).to_be_visible()
    assert console_errors == []

    # Dana, the applicant, works her own application: nothing to reassign, nobody to find.
    dana = sign_in("dana")
    open_item(dana, "Complete your loan application")
    expect(dana.get_by_text("Reassign…")).to_have_count(0)
    expect(dana.get_by_role("searchbox")).to_have_count(0)
    dana.get_by_role("navigation", name="Main").locator("summary").click()
    expect(dana.get_by_role("link", name="Change password")).to_be_visible()
    expect(dana.get_by_role("link", name="Out of office")).to_have_count(0)
    shoot(dana, "dana on her application")
