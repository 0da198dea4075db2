"""Marshford's customer onboarding walked through the inbox by the people who do it.

The demo's people and processes, a real browser per person (each its own session),
a live server; background steps run in the server's process after each commit.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from demo.models import Account
from demo.people import create_people
from demo.processes import install_processes
from orchestrations.engine import work_item_claim
from orchestrations.models import Run, WorkItem
from orchestrations.status import RunStatus
from tests.browser.helpers import nav

Shoot = Callable[[Page, str], Path]


def open_item(page: Page, step_name: str) -> None:
    page.get_by_role("link", name=step_name).first.click()
    expect(page.get_by_role("heading", name=step_name)).to_be_visible()


def claim_from_queue(page: Page, team: str, step_name: str) -> None:
    nav(page, "Team queues")
    page.get_by_role("link", name=team).first.click()
    row = page.get_by_role("row").filter(has_text=step_name)
    row.get_by_role("button", name="Claim").click()
    expect(row.get_by_text("Claimed by you")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_three_people_take_an_account_from_kickoff_to_go_live(
    sign_in: Callable[..., Page], browser_screenshots: Shoot
) -> None:
    shoot = browser_screenshots
    users = create_people()
    install_processes(by=users["designer"])
    account = Account.objects.create(
        name="Pied Piper", amount=Decimal(60_000), owner=users["ava"], stage="negotiation"
    )
    # The deal is won: the record trigger starts the onboarding.
    account.stage = Account.Stage.CLOSED_WON
    account.save()
    run = Run.objects.get(record_label="Pied Piper")

    # The account executive finds the kickoff in her inbox and records it.
    ava = sign_in("ava")
    expect(ava.get_by_role("row").filter(has_text="Pied Piper")).to_contain_text("Kickoff call")
    shoot(ava, "ava my work")
    open_item(ava, "Kickoff call")
    ava.get_by_label("Kickoff date").fill("2026-11-20")
    ava.get_by_label("Customer's primary contact").fill("Richard Hendricks, CEO")
    ava.get_by_label("Contact's email").fill("richard@piedpiper.example")
    ava.get_by_label("What does success look like for the customer?").fill(
        "Compression in production by January."
    )
    shoot(ava, "ava kickoff form")
    ava.get_by_role("button", name="Submit").click()
    expect(ava.get_by_text("Kickoff call").first).to_be_visible()
    expect(ava.locator("#messages")).to_contain_text("completed")
    shoot(ava, "ava after the kickoff")

    # The welcome packet appears in the Customer Success queue; Carla claims it.
    carla = sign_in("carla")
    claim_from_queue(carla, "Customer Success", "Prepare the welcome packet")
    shoot(carla, "carla claimed the packet")
    carla.get_by_role("link", name="Prepare the welcome packet").first.click()
    # The kickoff's answers are there for her.
    expect(carla.get_by_text("Richard Hendricks, CEO")).to_be_visible()
    carla.get_by_label("Link to the welcome packet").fill("not a link")
    carla.get_by_label("Welcome letter").check()
    carla.get_by_label("Training calendar").check()
    carla.get_by_label("Yes").check()
    carla.get_by_label("Notes").fill("Printed copy sent by courier as well.")
    carla.get_by_role("button", name="Submit").click()

    # A mistake: the error is next to the link, everything else she typed is still there.
    expect(carla.get_by_text("Enter a valid URL.")).to_be_visible()
    expect(carla.get_by_label("Notes")).to_have_value("Printed copy sent by courier as well.")
    expect(carla.get_by_label("Welcome letter")).to_be_checked()
    expect(carla.get_by_label("Training calendar")).to_be_checked()
    shoot(carla, "carla packet with an error")
    carla.get_by_label("Link to the welcome packet").fill("https://drive.example/pied-piper")
    carla.get_by_role("button", name="Submit").click()
    expect(carla.locator("#messages")).to_contain_text("completed")

    # The background step made Carla the account's CSM; Setup started.
    account.refresh_from_db()
    assert account.csm == users["carla"]

    # Setup: the implementation engineer configures while the tenant is provisioned.
    ivan = sign_in("ivan")
    claim_from_queue(ivan, "Implementation", "Configure the workspace")
    ivan.get_by_role("link", name="Configure the workspace").first.click()
    ivan.get_by_label("Hosting region").select_option("EU (Frankfurt)")
    ivan.get_by_role("group", name="Single sign-on configured?").get_by_label("Yes").check()
    ivan.get_by_role("group", name="Historical data migrated?").get_by_label("Yes").check()
    shoot(ivan, "ivan configuration")
    ivan.get_by_role("button", name="Submit").click()
    expect(ivan.locator("#messages")).to_contain_text("completed")
    run.refresh_from_db()
    assert run.variables["tenant_id"] == f"mc-{account.pk}"

    # Training goes to the account's CSM: Carla.
    nav(carla, "My work")
    open_item(carla, "Run the training sessions")
    carla.get_by_label("People trained").fill("14")
    carla.get_by_role("group", name="Customer admins certified?").get_by_label("Yes").check()
    carla.get_by_role("button", name="Submit").click()
    expect(carla.locator("#messages")).to_contain_text("completed")

    # Go-Live: Ava signs off, and the account is marked live.
    nav(ava, "My work")
    open_item(ava, "Go-live sign-off")
    ava.get_by_label("Go-live date").fill("2026-12-01")
    ava.get_by_label("Signed off by (customer)").fill("Richard Hendricks")
    ava.get_by_role("button", name="Submit").click()
    expect(ava.locator("#messages")).to_contain_text("completed")

    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED

    # Ava follows her request to the end: the run page shows it completed, with its timeline.
    nav(ava, "My requests")
    ava.get_by_role("link", name="Finished").click()
    shoot(ava, "ava my requests")
    ava.get_by_role("link", name="Pied Piper").first.click()
    expect(ava.get_by_text("Completed").first).to_be_visible()
    timeline = ava.locator(f"#timeline-run-{run.pk}")
    expect(timeline).to_contain_text("Claimed by Carla Mendes")
    expect(timeline).to_contain_text("Completed by Ivan Petrov")
    shoot(ava, "ava run page")


@pytest.mark.django_db(transaction=True)
def test_two_people_race_for_one_queue_item_and_the_loser_is_told_who_won(
    sign_in: Callable[..., Page], browser_screenshots: Shoot
) -> None:
    shoot = browser_screenshots
    users = create_people()
    install_processes(by=users["designer"])
    account = Account.objects.create(name="Hooli", amount=Decimal(80_000), owner=users["sam"])
    account.stage = Account.Stage.CLOSED_WON
    account.save()
    from demo.stories import Driver

    Driver(users).complete(
        Run.objects.get(),
        "kickoff",
        "sam",
        kickoff_date="2026-11-20",
        primary_contact="Gavin Belson, CEO",
        contact_email="gavin@hooli.example",
        success_criteria="Everything, faster.",
    )

    # Carla and Chris both look at the Customer Success queue.
    carla, chris = sign_in("carla"), sign_in("chris")
    for page in (carla, chris):
        nav(page, "Team queues")
        page.get_by_role("link", name="Customer Success").first.click()
        expect(page.get_by_role("row").filter(has_text="Hooli")).to_be_visible()

    # Carla is quicker.
    carla.get_by_role("row").filter(has_text="Hooli").get_by_role("button", name="Claim").click()
    expect(carla.get_by_role("row").filter(has_text="Hooli")).to_contain_text("Claimed by you")
    shoot(carla, "carla wins")

    # Chris's page still offers the item; his claim is refused and names the winner.
    row = chris.get_by_role("row").filter(has_text="Hooli")
    row.get_by_role("button", name="Claim").click()
    expect(row).to_contain_text("Carla Mendes claimed this first")
    shoot(chris, "chris is told who won")


# Every cell's content fits its cell; neither the page nor a table scrolls sideways.
FITS = """() => {
  const wide = (e) => e.scrollWidth > e.clientWidth + 1;
  const cells = [...document.querySelectorAll('main td, main th')]
    .filter((c) => c.offsetParent !== null && (c.closest('thead')?.offsetWidth ?? 2) > 1)
    .filter(wide)
    .map((c) => c.textContent.trim().slice(0, 40));
  const scrolling = [...document.querySelectorAll('main .overflow-auto')].filter(wide).length;
  return {page: !wide(document.documentElement), scrolling, cells};
}"""
FIT = {"page": True, "scrolling": 0, "cells": []}


@pytest.mark.django_db(transaction=True)
def test_the_lists_and_the_run_page_fit_a_tablet_and_a_phone_without_sideways_scrolling(
    sign_in: Callable[..., Page], browser_screenshots: Shoot
) -> None:
    users = create_people()
    install_processes(by=users["designer"])
    account = Account.objects.create(name="Initech", amount=Decimal(50_000), owner=users["ava"])
    account.stage = Account.Stage.CLOSED_WON
    account.save()
    run = Run.objects.get()
    from demo.stories import Driver

    kickoff = {
        "kickoff_date": "2026-11-20",
        "primary_contact": "Bill Lumbergh",
        "contact_email": "bill@initech.example",
        "success_criteria": "TPS reports.",
    }
    Driver(users).complete(run, "kickoff", "ava", **kickoff)
    # The packet held by Carla: the widest row, with its holder and Release.
    work_item_claim(WorkItem.objects.get(status="open"), by=users["carla"])
    for width in (1000, 800, 390):
        carla = sign_in("carla", width=width)
        for label in ("My work", "Team queues", "Completed"):
            nav(carla, label)
            assert carla.evaluate(FITS) == FIT, (label, width)
        ava = sign_in("ava", width=width)
        nav(ava, "My requests")
        assert ava.evaluate(FITS) == FIT, ("My requests", width)
        ava.goto(ava.url.replace("/requests/", f"/runs/{run.pk}/"))
        expect(ava.get_by_role("heading", name="Stages and steps")).to_be_visible()
        assert ava.evaluate(FITS) == FIT, ("run page", width)
        browser_screenshots(ava, f"run page at {width}px")
