"""Marshford Capital's accounts: closing one as won starts customer onboarding,
which the demo then moves along to a different step for each account."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from demo.models import Account
from orchestrations.models import Run

from .driver import Driver, run_for

KEY = "customer_onboarding"
BRIEFING_ABOVE = 100_000  # the definition's condition for the executive briefing


@dataclass(frozen=True)
class Deal:
    name: str
    owner: str
    amount: int
    contact: str
    csm: str = "carla"
    engineer: str = "ivan"
    negotiating: bool = False  # still open: no onboarding yet
    waiting_at: str | None = None  # the step left open; None: the run completes
    claimed_by: str | None = None  # who holds the open item, if from a team queue
    overdue_by: timedelta | None = None

    @property
    def tier(self) -> str:
        return "enterprise" if self.amount > BRIEFING_ABOVE else "standard"


DEALS = [
    Deal("Northwind Traders", "ava", 250_000, "Grace Holloway, COO"),
    Deal("Globex Corporation", "sam", 180_000, "Hank Scorpio, CEO", csm="chris",
         engineer="iris", waiting_at="go_live_signoff"),
    Deal("Umbrella Health", "sam", 140_000, "Alice Abernathy, VP Operations",
         waiting_at="executive_briefing", overdue_by=timedelta(days=2)),
    Deal("Initech", "ava", 85_000, "Bill Lumbergh, Division VP", csm="chris",
         waiting_at="training_sessions"),
    Deal("Stark Logistics", "ava", 60_000, "Pepper Potts, Head of Operations",
         waiting_at="configuration", claimed_by="ivan"),
    Deal("Acme Robotics", "sam", 45_000, "Wile Coyote, Plant Manager",
         waiting_at="welcome_packet", overdue_by=timedelta(days=1, hours=4)),
    Deal("Hooli", "ava", 120_000, "Gavin Belson, CEO", waiting_at="kickoff"),
    Deal("Wayne Biotech", "sam", 300_000, "Lucius Fox, CTO", negotiating=True),
]  # fmt: skip


def load_accounts(driver: Driver) -> None:
    for deal in DEALS:
        account = Account.objects.create(
            name=deal.name,
            stage=Account.Stage.NEGOTIATION,
            amount=Decimal(deal.amount),
            tier=deal.tier,
            owner=driver.users[deal.owner],
        )
        if not deal.negotiating:
            onboard(driver, account, deal)


def onboard(driver: Driver, account: Account, deal: Deal) -> None:
    # Winning the deal is what starts the run: the record trigger fires on commit.
    account.stage = Account.Stage.CLOSED_WON
    account.save()
    run = run_for(account, KEY)
    for step_key, submit in _steps(driver, run, account, deal):
        if step_key == deal.waiting_at:
            if deal.claimed_by:
                driver.claim(run, step_key, deal.claimed_by)
            if deal.overdue_by:
                driver.make_overdue(run, step_key, deal.overdue_by)
            return
        submit()


def _steps(
    driver: Driver, run: Run, account: Account, deal: Deal
) -> list[tuple[str, Callable[[], None]]]:
    """Each interactive step in process order, with how its person completes it."""
    today = date.today()
    first_name = deal.contact.split()[0].lower()
    domain = deal.name.split()[0].lower()
    steps = [
        ("kickoff", lambda: driver.complete(
            run, "kickoff", deal.owner,
            kickoff_date=today - timedelta(days=6),
            primary_contact=deal.contact,
            contact_email=f"{first_name}@{domain}.example",
            success_criteria="Month-end reporting in two days instead of eight; "
            "one source of truth for the finance and operations teams.",
            notes="Promised SSO at no extra cost. Prefers calls on Tuesdays.",
        )),
        ("welcome_packet", lambda: driver.complete(
            run, "welcome_packet", deal.csm,
            packet_url=f"https://drive.marshford.example/cs/{account.pk}/welcome",
            sections=["Welcome letter", "Implementation plan", "Support contacts"],
            sent_to_customer="yes",
        )),
        ("configuration", lambda: driver.complete(
            run, "configuration", deal.engineer,
            region="EU (Frankfurt)" if account.pk % 2 else "US (Virginia)",
            sso_enabled="yes",
            integrations=["Salesforce", "Slack"],
            data_migrated="yes",
            notes="Custom fiscal calendar (4-4-5) configured.",
        )),
        ("training_sessions", lambda: driver.complete(
            run, "training_sessions", deal.csm,
            sessions_held=3, attendees=18, admins_certified="yes",
            recording_url=f"https://videos.marshford.example/training/{account.pk}",
        )),
    ]  # fmt: skip
    if deal.amount > BRIEFING_ABOVE:
        steps.append(
            ("executive_briefing", lambda: driver.complete(
                run, "executive_briefing", deal.owner,
                briefing_date=today - timedelta(days=1),
                executive_sponsor=deal.contact,
            ))
        )  # fmt: skip
    steps.append(
        ("go_live_signoff", lambda: driver.complete(
            run, "go_live_signoff", deal.owner,
            go_live_date=today,
            signed_off_by=deal.contact,
            open_issues="Two report templates still to polish (handed to Support).",
        ))
    )  # fmt: skip
    return steps
