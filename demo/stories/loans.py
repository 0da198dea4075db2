"""Loan applications: the loan officer starts loan origination for each one (a
manual start about the application record, with the loan's term as its input); one
application waits for her to start it from *Start a request*. Around Dana's, sent back
for more information: an internal note between the staff, and a comment shared with her."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from demo.models import LoanApplication
from inbox.services import comment_add
from orchestrations.engine import run_start
from orchestrations.models import Orchestration, Run

from .driver import Driver

KEY = "loan_origination"
OFFICER = "lola"


@dataclass(frozen=True)
class Application:
    applicant: str
    amount: int
    purpose: str
    term_months: int
    employer: str
    income: int
    debts: int
    # The underwriters' decisions, in order; the run stops at the next open step.
    decisions: tuple[str, ...] = ()
    reviewed: bool = True
    funded: bool = False
    claimed_by: str | None = None
    overdue_by: timedelta | None = None
    started: bool = True  # False: submitted, waiting for the officer to start it


APPLICATIONS = [
    Application("dana", 350_000, "Home purchase", 360, "Bayview Hospital", 142_000, 1_900,
                decisions=("More information needed",)),
    Application("ben", 25_000, "Vehicle", 60, "Carter & Sons Plumbing", 68_000, 450,
                decisions=("Approve",), claimed_by="fay"),
    Application("elena", 80_000, "Small business", 84, "Self-employed (bakery)", 39_000, 1_650,
                decisions=("Decline",)),
    Application("raj", 40_000, "Home improvement", 120, "Northwind Traders", 96_000, 800,
                reviewed=False, overdue_by=timedelta(days=1)),
    Application("dana", 18_000, "Vehicle", 48, "Bayview Hospital", 142_000, 1_900,
                started=False),
]  # fmt: skip


# (author, text, shared with the applicant) by applicant.
COMMENTS = {
    "dana": [
        ("ulrich", "The bonus is 40% of her income: I want two years of tax returns before "
                   "approving.", False),
        ("lola", "Dana, thank you for applying. We need your last two tax returns before we "
                 "can decide: please add them to the upload folder and answer the questions "
                 "on your application.", True),
    ],
}  # fmt: skip


def load_loans(driver: Driver) -> None:
    orchestration = Orchestration.objects.get(key=KEY)
    for application in APPLICATIONS:
        applicant = driver.users[application.applicant]
        loan = LoanApplication.objects.create(
            applicant_name=applicant.get_full_name(),
            applicant=applicant,
            amount=Decimal(application.amount),
            purpose=application.purpose,
            officer=driver.users[OFFICER],
        )
        if not application.started:
            continue
        run = run_start(
            orchestration,
            record=loan,
            variables={"term_months": application.term_months},
            started_by=driver.users[OFFICER],
        )
        originate(driver, run, application)
        for author, body, shared in COMMENTS.get(application.applicant, ()):
            comment_add(run, author=driver.users[author], body=body, shared=shared)


def originate(driver: Driver, run: Run, application: Application) -> None:
    _apply(driver, run, application)
    if not application.reviewed:
        driver.make_overdue(run, "officer_review", application.overdue_by or timedelta())
        return
    for number, decision in enumerate(application.decisions):
        if number:  # sent back earlier: the applicant answers, the officer reviews again
            _apply(driver, run, application, answers="Attached the 2024 and 2025 tax returns.")
        _review(driver, run, application)
        underwriter = "ulrich" if application.amount > 100_000 else "uma"
        driver.complete(
            run, "underwriting", underwriter,
            decision=decision,
            approved_amount=application.amount if decision == "Approve" else None,
            interest_rate="6.25" if decision == "Approve" else None,
            questions="Please add your last two tax returns: the bonus is a large part "
            "of your income." if decision == "More information needed" else "",
            rationale=_rationale(decision),
        )  # fmt: skip
    if application.claimed_by:
        driver.claim(run, "disbursement", application.claimed_by)
    if application.funded:
        driver.complete(
            run, "disbursement", application.claimed_by or "fay",
            disbursed_amount=application.amount,
            disbursed_on=date.today(),
            wire_reference=f"WR-{run.pk:06d}",
        )  # fmt: skip


def _apply(driver: Driver, run: Run, application: Application, answers: str = "") -> None:
    driver.complete(
        run, "application_details", application.applicant,
        employer=application.employer,
        annual_income=application.income,
        monthly_debts=application.debts,
        documents_url=f"https://upload.bank.example/{application.applicant}/{run.pk}",
        answers=answers,
    )  # fmt: skip


def _review(driver: Driver, run: Run, application: Application) -> None:
    monthly_income = Decimal(application.income) / 12
    ratio = (Decimal(application.debts) / monthly_income * 100).quantize(Decimal("0.1"))
    driver.complete(
        run, "officer_review", OFFICER,
        identity_verified="yes",
        documents_complete="yes",
        debt_to_income=ratio,
        recommendation="Recommend" if ratio < 36 else "Do not recommend",
    )  # fmt: skip


def _rationale(decision: str) -> str:
    return {
        "Approve": "Stable employment for six years, debt-to-income well under policy.",
        "Decline": "Debt-to-income above 43% and less than two years of trading history.",
        "More information needed": "Income depends on a bonus; need tax returns to confirm.",
    }[decision]
