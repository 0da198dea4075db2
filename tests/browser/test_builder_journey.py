"""A process designer builds loan origination from nothing in the builder, in a real browser.

Modelled on demo/definitions/loan_origination.json (simplified): the designer creates the
orchestration, describes it and its input variables, designs the forms (several field
types, with the live preview), lays out three stages, reorders them by dragging, gives
Funding two steps that run in parallel, sends Underwriting's "More information needed"
back to Application, meets the validation panel's errors and fixes them, activates the
version and starts a run; the applicant then finds the first work item in her inbox.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from demo.people import create_people
from orchestrations.definition import export_definition
from orchestrations.models import Orchestration, Run
from tests.browser.helpers import nav
from tests.factories import VersionBuilder

Shoot = Callable[[Page, str], Path]


def tab(page: Page, label: str) -> None:
    """Open one of the version's tabs (Canvas, Forms, Trigger & inputs…)."""
    page.get_by_role("navigation", name="Version").get_by_role("link", name=label).click()
    expect(
        page.get_by_role("navigation", name="Version").get_by_role("link", name=label)
    ).to_have_attribute("aria-current", "page")


def settled(page: Page) -> None:
    """Wait until htmx has no request in flight and has set up what it swapped in.

    A change refreshes the validation panel above the board, which moves the board down
    (a click before that lands elsewhere); swapped-in fields get their live checks only
    when htmx has processed them."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def form_with(page: Page, heading: str) -> Locator:
    return page.locator("form").filter(has=page.get_by_role("heading", name=heading))


def add_spec(page: Page, heading: str, label: str, kind: str, **options: str) -> None:
    """Add a field to a form (or an input variable) with the designer's add form."""
    add = form_with(page, heading)
    add.get_by_label("Label").fill(label)
    add.get_by_label("Type").select_option(label=kind)
    if options.get("choices"):
        add.get_by_label("Choices").fill(options["choices"])
    if options.get("help"):
        add.get_by_label("Help").fill(options["help"])
    if options.get("required", "yes") == "yes":
        add.get_by_label("Required").check()
    add.get_by_role("button", name=re.compile("^Add (field|input)$")).click()
    expect(page.get_by_role("status").filter(has_text=f"Added “{label}”")).to_be_visible()
    settled(page)


def create_form(page: Page, name: str) -> None:
    tab(page, "Forms")
    new = form_with(page, "New form")
    new.get_by_label("Name").fill(name)
    new.get_by_role("button", name="Create form").click()
    expect(page.get_by_role("heading", name=f"Form {name}")).to_be_visible()


def column(page: Page, stage: str) -> Locator:
    return page.get_by_role("region", name=stage, exact=True)


def add_stage(page: Page, name: str) -> None:
    page.get_by_label("Add a stage").fill(name)
    page.get_by_role("button", name="Add stage").click()
    expect(column(page, name)).to_be_visible()
    settled(page)


def add_step(page: Page, stage: str, name: str) -> None:
    page.get_by_label(f"Name of the new step in {stage}").fill(name)
    column(page, stage).get_by_role("button", name="Add step").click()
    expect(column(page, stage).get_by_role("link", name=name, exact=True)).to_be_visible()
    settled(page)


def open_step(page: Page, name: str) -> Locator:
    page.get_by_role("link", name=name, exact=True).click()
    editor = page.get_by_role("region", name=f"Step {name}")
    expect(editor).to_be_visible()
    settled(page)
    return editor


def save_step(page: Page, editor: Locator) -> None:
    editor.get_by_role("button", name="Save step").click()
    expect(editor.get_by_role("status")).to_have_text("Saved ✓")
    settled(page)


def stage_names(page: Page) -> list[str]:
    return page.locator(".stage-column h2").all_inner_texts()


def drag(page: Page, handle: Locator, target: Locator) -> None:
    """A real mouse drag (SortableJS needs the moves in between), ending on the left
    half of `target`."""
    start, end = handle.bounding_box(), target.bounding_box()
    assert start is not None
    assert end is not None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    x, y = end["x"] + end["width"] * 0.25, end["y"] + 40
    for i in range(1, 11):
        page.mouse.move(
            start["x"] + (x - start["x"]) * i / 10, start["y"] + (y - start["y"]) * i / 10
        )
        page.wait_for_timeout(20)
    page.mouse.up()


@pytest.mark.django_db(transaction=True)
def test_a_designer_builds_loan_origination_and_the_applicant_gets_the_first_work_item(
    sign_in: Callable[..., Page], browser_screenshots: Shoot
) -> None:
    shoot = browser_screenshots
    create_people()

    # The designer opens the builder: nothing there yet.
    d = sign_in("designer")
    nav(d, "Builder")
    expect(d.get_by_role("heading", name="Orchestrations")).to_be_visible()
    shoot(d, "orchestrations empty")

    # A new orchestration: the key follows the name.
    d.get_by_role("button", name="New orchestration").click()
    d.get_by_label("Name", exact=True).fill("Loan origination")
    expect(d.get_by_label("Key", exact=True)).to_have_value("loan_origination")
    shoot(d, "new orchestration")
    d.get_by_role("button", name="Create and open the canvas").click()
    expect(d.get_by_role("heading", name="Loan origination")).to_be_visible()
    expect(d.get_by_label("Add a stage")).to_be_focused()
    shoot(d, "empty canvas")

    # Trigger & inputs: started by a loan officer, asking for the applicant and the amount.
    tab(d, "Trigger & inputs")
    d.get_by_label("Description", exact=True).fill(
        "From application to disbursement: the applicant applies, Underwriting decides, "
        "Funding disburses."
    )
    d.locator("#trigger-settings").get_by_role("button", name="Save").click()
    expect(d.locator("#trigger-settings").get_by_role("status")).to_have_text("Saved ✓")
    add_spec(
        d, "Add an input variable", "Applicant", "Person",
        help="Username of the applicant's Handoff account.",
    )  # fmt: skip
    add_spec(d, "Add an input variable", "Amount requested", "Decimal")
    expect(d.locator(".spec-list")).to_contain_text("amount_requested")
    shoot(d, "trigger and inputs")

    # The forms: the application has several types of field; the preview shows them.
    create_form(d, "Loan application")
    add_spec(d, "Add a field", "Employer", "Text")
    add_spec(d, "Add a field", "Annual income", "Decimal")
    add_spec(d, "Add a field", "Purpose", "Single choice",
             choices="Home purchase\nRefinance\nVehicle")  # fmt: skip
    add_spec(d, "Add a field", "Already a customer?", "Yes / no")
    add_spec(d, "Add a field", "Employed since", "Date", required="no")
    preview = d.get_by_role("complementary", name="Preview")
    expect(preview.get_by_label("Annual income")).to_be_visible()
    expect(preview.get_by_label("Purpose")).to_contain_text("Refinance")
    expect(preview.get_by_label("Employed since")).to_have_attribute("type", "date")
    shoot(d, "application form with preview")

    create_form(d, "Underwriting decision")
    add_spec(d, "Add a field", "Decision", "Single choice",
             choices="Approve\nDecline\nMore information needed")  # fmt: skip
    create_form(d, "Disbursement")
    add_spec(d, "Add a field", "Wire reference", "Text")
    create_form(d, "Loan agreement")
    add_spec(d, "Add a field", "Agreement signed?", "Yes / no")
    tab(d, "Forms")
    shoot(d, "forms")

    # The canvas: three stages, one of them in the wrong place.
    tab(d, "Canvas")
    for name in ("Application", "Funding", "Underwriting"):
        add_stage(d, name)
    add_step(d, "Application", "Complete your loan application")
    add_step(d, "Underwriting", "Underwriting decision")
    add_step(d, "Funding", "Disburse the funds")
    add_step(d, "Funding", "Prepare the loan agreement")
    assert stage_names(d) == ["Application", "Funding", "Underwriting"]
    shoot(d, "canvas three stages")

    # Underwriting goes before Funding: dragged by its handle; the order survives a reload.
    with d.expect_response(re.compile(r"/stages/reorder/$")) as saved:
        drag(d, column(d, "Underwriting").locator(".stage-handle"), column(d, "Funding"))
    assert saved.value.ok
    expect(d.locator(".stage-column h2")).to_have_text(["Application", "Underwriting", "Funding"])
    d.reload()
    expect(d.locator(".stage-column h2")).to_have_text(["Application", "Underwriting", "Funding"])
    shoot(d, "canvas after dragging underwriting")

    # The validation panel lists what is missing; its link opens the step.
    problems = d.get_by_role("region", name="Validation")
    expect(problems).to_contain_text("errors")
    problem = problems.get_by_role("listitem").filter(has_text="Complete your loan application")
    expect(problem.first).to_be_visible()
    shoot(d, "validation errors")
    problem.first.get_by_role("link").click()
    editor = d.get_by_role("region", name="Step Complete your loan application")
    expect(editor).to_be_visible()
    settled(d)
    editor.get_by_label("Form", exact=True).select_option(label="Loan application")
    editor.get_by_label("An expression").check()
    editor.get_by_role("textbox", name="Expression", exact=True).fill("vars.aplicant")
    expect(editor).to_contain_text("did you mean 'applicant'?")
    shoot(d, "step editor with a live error")
    editor.get_by_role("textbox", name="Expression", exact=True).fill("vars.applicant")
    editor.get_by_label("Due in").fill("5d")
    save_step(d, editor)
    expect(problems).not_to_contain_text("Complete your loan application")
    shoot(d, "application step saved")

    editor = open_step(d, "Underwriting decision")
    editor.get_by_label("Form", exact=True).select_option(label="Underwriting decision")
    editor.get_by_label("A team queue").check()
    editor.get_by_label("Team queue", exact=True).select_option(label="Underwriting")
    editor.get_by_label("Due in").fill("3d")
    save_step(d, editor)

    # Funding: two steps that start together when the stage starts.
    editor = open_step(d, "Disburse the funds")
    editor.get_by_label("Form", exact=True).select_option(label="Disbursement")
    editor.get_by_label("A team queue").check()
    editor.get_by_label("Team queue", exact=True).select_option(label="Funding")
    save_step(d, editor)
    editor = open_step(d, "Prepare the loan agreement")
    editor.get_by_label("Form", exact=True).select_option(label="Loan agreement")
    editor.get_by_label("A user").check()
    editor.get_by_label("User", exact=True).select_option(label="Lola Martinez (lola)")
    save_step(d, editor)
    funding = column(d, "Funding")
    expect(funding.locator(".step-start")).to_have_text(["Starts when the stage starts"] * 2)

    # Underwriting's decision: more information sends the run back to the applicant.
    column(d, "Underwriting").get_by_role("link", name="Underwriting", exact=True).click()
    editor = d.get_by_role("region", name="Stage Underwriting")
    expect(editor).to_be_visible()
    settled(d)
    editor.get_by_role("button", name="+ Add outcome").click()
    outcome = editor.get_by_role("listitem").filter(has_text="Outcome 1")
    expect(outcome).to_be_visible()
    settled(d)
    when = outcome.get_by_role("textbox", name="When", exact=True)
    when.fill("steps.underwriting_decision.decison == 'More information needed'")
    expect(outcome).to_contain_text("did you mean 'decision'?")
    when.fill("steps.underwriting_decision.decision == 'More information needed'")
    expect(outcome.get_by_text("✓ ok")).to_be_visible()
    outcome.get_by_label("Go to").select_option(label="Application")
    outcome.get_by_label("Label").fill("More information needed")
    shoot(d, "stage editor with the loop")
    editor.get_by_role("button", name="Save stage").last.click()
    expect(editor.get_by_role("status")).to_have_text("Saved ✓")
    expect(column(d, "Underwriting")).to_contain_text("More information needed")
    shoot(d, "canvas complete")

    # Nothing blocks activation now; the confirmation says what happens.
    expect(problems).not_to_contain_text("Error")
    problems.get_by_role("button", name="Activate v1").click()
    expect(d.get_by_role("heading", name="Activate v1?")).to_be_visible()
    shoot(d, "activate confirmation")
    d.get_by_role("button", name="Activate v1").click()
    expect(d.locator("#messages")).to_contain_text("v1 of Loan origination is active")
    shoot(d, "versions after activation")

    # On a phone the active version opens read-only, its editors too.
    phone = sign_in("designer", width=390)
    nav(phone, "Builder")
    phone.get_by_role("link", name="Loan origination", exact=True).click()
    expect(phone.get_by_text("This version is active: it is read-only.")).to_be_visible()
    expect(phone.get_by_role("button", name="Add stage")).to_have_count(0)
    shoot(phone, "phone read-only canvas")
    open_step(phone, "Underwriting decision")
    expect(phone.get_by_role("button", name="Save step")).to_have_count(0)
    shoot(phone, "phone read-only step editor")

    # A run, started from the orchestrations list with the input variables.
    nav(d, "Builder")
    row = d.get_by_role("row").filter(has_text="Loan origination")
    expect(row).to_contain_text("v1")
    shoot(d, "orchestrations with the active version")
    row.get_by_role("link", name="Start a run of Loan origination").click()
    d.get_by_label("Applicant").fill("dana")
    d.get_by_label("Amount requested").fill("250000")
    shoot(d, "start run")
    d.get_by_role("button", name="Start run").click()
    expect(d.locator("#messages")).to_contain_text("started")
    shoot(d, "run page")

    # The applicant signs in and finds her application in My work.
    dana = sign_in("dana")
    expect(
        dana.get_by_role("row").filter(has_text="Complete your loan application")
    ).to_be_visible()
    shoot(dana, "applicant my work")

    orchestration = Orchestration.objects.get(key="loan_origination")
    active = orchestration.active_version
    assert active is not None
    definition = export_definition(active)
    application, underwriting, funding = definition["stages"]
    assert [application["key"], underwriting["key"], funding["key"]] == [
        "application", "underwriting", "funding"
    ]  # fmt: skip
    assert [(s["key"], s["start"]) for s in funding["steps"]] == [
        ("disburse_the_funds", "stage_start"), ("prepare_the_loan_agreement", "stage_start")
    ]  # fmt: skip
    assert underwriting["decision"]["outcomes"] == [{
        "label": "More information needed",
        "when": "steps.underwriting_decision.decision == 'More information needed'",
        "goto": "application",
    }]  # fmt: skip
    application_form = next(f for f in definition["forms"] if f["key"] == "loan_application")
    fields = application_form["fields"]
    assert [f["type"] for f in fields] == ["text", "decimal", "choice", "yes_no", "date"]
    run = Run.objects.get(orchestration=orchestration)
    assert run.variables["applicant"] == "dana"


@pytest.mark.django_db(transaction=True)
def test_keyboard_moves_keep_the_focus_on_the_moved_card_also_at_the_ends(
    sign_in: Callable[..., Page], live_server: LiveServer
) -> None:
    """The move buttons are the keyboard's drag and drop. A step moved to the top (its
    "up" button is hidden there) or a stage moved to the far left keeps the focus on a
    control of that card, so the next key press still moves it."""
    create_people()
    builder = VersionBuilder("intake")
    first, second = builder.stage("first", name="First"), builder.stage("second", name="Second")
    builder.step(first, "one", name="One")
    builder.step(first, "two", name="Two")
    builder.step(second, "three", name="Three")
    page = sign_in("designer")
    page.goto(f"{live_server.url}/builder/versions/{builder.version.pk}/")

    page.get_by_role("button", name="Move Two up").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Move Two down")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Move Two up")).to_be_focused()
    assert column(page, "First").locator(".step-name").all_inner_texts() == ["One", "Two"]

    page.get_by_role("button", name="Move Second left").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Move Second right")).to_be_focused()
    assert stage_names(page) == ["Second", "First"]
