"""Dana follows her loan application from the inbox: she sees where it is and who has
it, her answers and what the bank shared with her — not the staff's notes or their
timeline. Ben, another applicant, cannot open it. The demo's people and loans."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from demo.people import create_people
from demo.processes import install_processes
from demo.stories import Driver
from demo.stories.loans import load_loans
from orchestrations.models import WorkItem
from tests.browser.helpers import nav

Shoot = Callable[[Page, str], Path]
STAFF_NOTES = [
    "Income depends on a bonus",  # the underwriter's rationale
    "The bonus is 40% of her income",  # the underwriter's internal comment
    "Debt-to-income",  # the officer's review
    "Recommendation",
    "Timeline",
]
STAFF_NAMES = ["Ulrich Weber", "Lola Martinez"]  # staff are named by their teams


@pytest.mark.django_db(transaction=True)
def test_dana_follows_her_loan_and_sees_only_what_is_shared_with_her(
    sign_in: Callable[..., Page], browser_screenshots: Shoot, live_server
) -> None:
    shoot = browser_screenshots
    users = create_people()
    install_processes(by=users["designer"])
    load_loans(Driver(users))  # Dana's application is back with her for tax returns
    item = WorkItem.objects.open().get(assignee_user=users["dana"])

    # Her application is back in her inbox; she opens it.
    dana = sign_in("dana")
    shoot(dana, "dana my work")
    dana.get_by_role("link", name="Complete your loan application").first.click()
    expect(
        dana.get_by_role("heading", name="Complete your loan application", level=1)
    ).to_be_visible()
    about = dana.get_by_role("complementary", name="About this run")
    expect(about.get_by_role("list", name="Stage path")).to_contain_text("Underwriting")
    # What the bank shared: the decision and the underwriter's questions, by team.
    expect(about).to_contain_text("More information needed")
    expect(about).to_contain_text("Please add your last two tax returns")
    expect(about).to_contain_text("Underwriting ·")
    expect(dana.locator("#comments")).to_be_visible()
    expect(dana.locator("main")).to_contain_text("We need your last two tax returns")
    for hidden in STAFF_NOTES:
        expect(dana.locator("main")).not_to_contain_text(hidden)
    # (The reassign form's people picker is another matter, issue 9's people part.)
    for part in (dana.locator(".wi-header"), about, dana.locator(".wi-comments")):
        for name in STAFF_NAMES:
            expect(part).not_to_contain_text(name)
    shoot(dana, "dana her application")

    # Where is it, and who has it: her run page.
    dana.get_by_role("link", name="See where your request is").click()
    expect(dana.get_by_role("list", name="Stage path")).to_be_visible()
    expect(dana.locator(".run-waiting")).to_contain_text("Now with You")
    expect(dana.get_by_role("heading", name="Answers")).to_be_visible()
    for hidden in [*STAFF_NOTES, *STAFF_NAMES, "Stages and steps", "The process"]:
        expect(dana.locator("main")).not_to_contain_text(hidden)
    shoot(dana, "dana her run page")

    # She answers; now the loan officers have it again.
    dana.go_back()
    dana.get_by_label("Answers to the underwriter's questions").fill("Uploaded both returns.")
    dana.get_by_role("button", name="Submit").click()
    expect(dana.locator("#messages")).to_contain_text("completed")
    nav(dana, "My requests")
    row = dana.get_by_role("row").filter(has_text="Loan for Dana Whitfield")
    expect(row).to_contain_text("Officer review")
    expect(row).to_contain_text("Lending")
    expect(dana.locator("main")).not_to_contain_text("Lola Martinez")
    shoot(dana, "dana my requests")

    # Her loan officer, a member, reads the staff's notes and who wrote them.
    lola = sign_in("lola")
    lola.goto(f"{live_server.url}/runs/{item.run_id}/")
    answers = lola.locator(".run-answers")
    expect(answers).to_contain_text("Income depends on a bonus")
    expect(answers).to_contain_text("Ulrich Weber")
    expect(lola.locator(".wi-comments")).to_contain_text("The bonus is 40% of her income")
    expect(lola.locator(".wi-comments")).to_contain_text("Internal")
    shoot(lola, "lola the run page")

    # Ben, another applicant, cannot open her application or her run.
    ben = sign_in("ben")
    for url in (f"/items/{item.pk}/", f"/runs/{item.run_id}/"):
        response = ben.goto(f"{live_server.url}{url}")
        assert response is not None
        assert response.status == 404, url
    expect(ben.locator("body")).not_to_contain_text(re.compile("Bayview|Dana"))
