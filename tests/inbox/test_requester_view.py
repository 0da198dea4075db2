"""Dana's loan, seen by everyone involved: the applicant sees the path, who has the ball
(by team), her own answers and what is shared with her; a second applicant sees
nothing; the loan officer and the underwriter see the staff's notes; support sees
everything. The demo's people and loan process (its rationale private, its decision
shared)."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from demo.models import LoanApplication
from demo.people import create_people
from demo.processes import install_processes
from inbox.services import comment_add
from orchestrations.engine import run_start, work_item_claim, work_item_complete
from orchestrations.models import Orchestration, Run, WorkItem
from tests.inbox.conftest import item_of

pytestmark = pytest.mark.django_db

MY_REQUESTS = reverse("inbox:my-requests")
# What each answer says, unmistakable in a page.
EMPLOYER = "Bayview Hospital"
DEBT_TO_INCOME = "16.07"
OFFICER_NOTES = "Payslips match the declared income."
QUESTIONS = "Please add your last two tax returns."
RATIONALE = "Bonus-heavy income: tax returns needed to confirm."
INTERNAL_NOTE = "The bonus is 40% of her income."
SHARED_NOTE = "Dana, we need your tax returns to decide."
STAFF_NAMES = ("Lola Martinez", "Ulrich Weber")


@pytest.fixture
def loan() -> SimpleNamespace:
    """Dana applies; Lola reviews; Ulrich (Underwriting) sends it back for more
    information; the staff leave an internal note and a shared one."""
    users = create_people()
    install_processes(by=users["designer"])
    dana = users["dana"]
    record = LoanApplication.objects.create(
        applicant_name="Dana Whitfield", applicant=dana, amount=Decimal(350_000),
        purpose="Home purchase", officer=users["lola"],
    )  # fmt: skip
    run = run_start(
        Orchestration.objects.get(key="loan_origination"),
        record=record,
        variables={"term_months": 360},
        started_by=users["lola"],
    )  # fmt: skip
    work_item_complete(item_of(run, "application_details"), by=dana, data={
        "employer": EMPLOYER, "annual_income": "142000", "monthly_debts": "1900",
        "documents_url": "https://upload.bank.example/dana/1",
    })  # fmt: skip
    work_item_complete(item_of(run, "officer_review"), by=users["lola"], data={
        "identity_verified": "yes", "documents_complete": "yes",
        "debt_to_income": DEBT_TO_INCOME, "recommendation": "Recommend", "notes": OFFICER_NOTES,
    })  # fmt: skip
    underwriting = work_item_claim(item_of(run, "underwriting"), by=users["ulrich"])
    work_item_complete(underwriting, by=users["ulrich"], data={
        "decision": "More information needed", "questions": QUESTIONS, "rationale": RATIONALE,
    })  # fmt: skip
    comment_add(run, author=users["ulrich"], body=INTERNAL_NOTE)
    comment_add(run, author=users["lola"], body=SHARED_NOTE, shared=True)
    return SimpleNamespace(
        run=run, users=users, underwriting=underwriting, back=item_of(run, "application_details")
    )


def page(client: Client, user, url: str) -> tuple[int, str]:
    client.force_login(user)
    response = client.get(url)
    return response.status_code, response.content.decode()


def section(html: str, start: str, end: str) -> str:
    """The part of a page from `start` to the next `end` (both literal)."""
    found = re.search(re.escape(start) + r".*?" + re.escape(end), html, re.S)
    assert found is not None, start
    return found.group()


def item_url(item: WorkItem) -> str:
    return reverse("inbox:work-item", args=[item.pk])


def run_url(run: Run) -> str:
    return reverse("inbox:run-detail", args=[run.pk])


# The applicant -----------------------------------------------------------------------


def test_the_applicant_sees_her_answers_and_what_is_shared_on_her_item(client, loan):
    status, html = page(client, loan.users["dana"], item_url(loan.back))
    assert status == 200
    # The form comes back with her answers of the last round to change.
    assert EMPLOYER in html
    context = section(html, '<aside class="wi-context"', "</aside>")
    assert "Stage path" in context
    assert QUESTIONS in context
    assert "More information needed" in context
    assert "Documents complete?" in context  # shared from the officer's review
    for hidden in (RATIONALE, OFFICER_NOTES, DEBT_TO_INCOME, "Recommendation"):
        assert hidden not in html, hidden
    # Who did what, by team; never a staff member's name.
    assert "Underwriting" in context
    assert "Lending" in context
    facts = section(html, '<dl class="wi-facts">', "</dl>")
    assert "You" in facts
    comments = section(html, '<section id="comments-run-', "</section>")
    assert SHARED_NOTE in comments
    assert INTERNAL_NOTE not in html
    assert "Who reads it" not in comments  # her comments are always shared
    for name in STAFF_NAMES:
        assert name not in context + facts + comments, name
    assert "version" not in context
    assert "timeline" not in context


def test_the_applicant_sees_the_path_and_who_has_it_on_her_run_page(client, loan):
    status, html = page(client, loan.users["dana"], run_url(loan.run))
    assert status == 200
    assert 'aria-label="Stage path"' in html
    assert "Now with <strong>You</strong>" in html
    answers = section(html, '<section aria-labelledby="answers-title"', "</section>")
    assert EMPLOYER in answers
    assert QUESTIONS in answers
    assert "More information needed" in answers
    for hidden in (RATIONALE, OFFICER_NOTES, DEBT_TO_INCOME, INTERNAL_NOTE, *STAFF_NAMES):
        assert hidden not in html, hidden
    assert SHARED_NOTE in html
    # Nothing of the staff's own record: no timeline, no diagram (conditions), no steps.
    for staff_only in ('id="timeline-run-', "The process", "Stages and steps",
                       "<dt>Version</dt>", "Exits when", "steps.underwriting"):  # fmt: skip
        assert staff_only not in html, staff_only


def test_my_requests_names_the_team_that_has_the_ball(client, loan):
    work_item_complete(loan.back, by=loan.users["dana"], data={
        "employer": EMPLOYER, "annual_income": "142000", "monthly_debts": "1900",
        "documents_url": "https://upload.bank.example/dana/1", "answers": "Attached.",
    })  # fmt: skip
    status, html = page(client, loan.users["dana"], MY_REQUESTS)
    assert status == 200
    row = section(html, f'<tr id="run-{loan.run.pk}"', "</tr>")
    assert "Officer review" in row
    assert "Lending" in row  # Lola's team, with the review again
    assert "Review the application" in row
    assert "Lola Martinez" not in html

    # Lola, a member, sees who: herself.
    status, html = page(client, loan.users["lola"], MY_REQUESTS)
    assert "You" in section(html, f'<tr id="run-{loan.run.pk}"', "</tr>")


def test_a_second_applicant_sees_nothing(client, loan):
    ben = loan.users["ben"]
    assert page(client, ben, item_url(loan.back))[0] == 404
    assert page(client, ben, run_url(loan.run))[0] == 404
    status, html = page(client, ben, MY_REQUESTS)
    assert status == 200
    assert f'id="run-{loan.run.pk}"' not in html
    assert "Dana" not in html


# The staff ---------------------------------------------------------------------------


def test_the_loan_officer_sees_the_staff_notes_and_names(client, loan):
    work_item_complete(loan.back, by=loan.users["dana"], data={
        "employer": EMPLOYER, "annual_income": "142000", "monthly_debts": "1900",
        "documents_url": "https://upload.bank.example/dana/1", "answers": "Attached.",
    })  # fmt: skip
    second_review = item_of(loan.run, "officer_review")
    status, html = page(client, loan.users["lola"], item_url(second_review))
    assert status == 200
    context = section(html, '<aside class="wi-context"', "</aside>")
    for seen in (RATIONALE, QUESTIONS, DEBT_TO_INCOME, OFFICER_NOTES, EMPLOYER,
                 "Ulrich Weber", "Dana Whitfield"):  # fmt: skip
        assert seen in context, seen
    comments = section(html, '<section id="comments-run-', "</section>")
    assert INTERNAL_NOTE in comments
    assert SHARED_NOTE in comments
    assert "Internal</span>" in comments
    assert "Shared with participants</span>" in comments
    assert "Who reads it" in comments  # a member chooses

    status, html = page(client, loan.users["lola"], run_url(loan.run))
    answers = section(html, '<section aria-labelledby="answers-title"', "</section>")
    assert RATIONALE in answers
    assert OFFICER_NOTES in answers
    assert "Ulrich Weber" in answers
    assert 'id="timeline-run-' in html
    assert "Stages and steps" in html


def test_the_underwriter_sees_the_underwriting_and_the_run(client, loan):
    uma = loan.users["uma"]  # in Underwriting; Ulrich decided
    status, html = page(client, uma, item_url(loan.underwriting))
    assert status == 200
    submitted = section(html, '<section class="wi-closed"', "</section>")
    assert RATIONALE in submitted
    assert QUESTIONS in submitted
    assert "Ulrich Weber" in submitted
    context = section(html, '<aside class="wi-context"', "</aside>")
    assert OFFICER_NOTES in context
    assert DEBT_TO_INCOME in context

    status, html = page(client, uma, run_url(loan.run))
    assert status == 200
    assert RATIONALE in html
    assert INTERNAL_NOTE in html
    assert 'id="timeline-run-' in html
    assert page(client, uma, MY_REQUESTS)[0] == 200


def test_support_sees_everything(client, loan):
    support = loan.users["support"]
    for url in (item_url(loan.back), item_url(loan.underwriting), run_url(loan.run)):
        status, html = page(client, support, url)
        assert status == 200, url
    assert RATIONALE in html
    assert OFFICER_NOTES in html
    assert INTERNAL_NOTE in html
    assert "Ulrich Weber" in html
    assert "Lola Martinez" in html
    assert page(client, support, MY_REQUESTS)[0] == 200
