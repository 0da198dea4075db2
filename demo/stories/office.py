"""Life around the runs: a few comments, and an account executive out of the office."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from demo.models import Account
from inbox.services import comment_add
from orchestrations.models import Delegation

from .driver import Driver, run_for

COMMENTS = [
    ("Acme Robotics", "sam", "Wile asked for the packet by Friday; their board meets Monday."),
    ("Acme Robotics", "carla", "On it; I will send the packet tomorrow morning."),
    ("Stark Logistics", "ivan", "Waiting on Pepper's team for the SSO metadata file."),
    ("Hooli", "ava", "Gavin prefers a call after 4 pm Pacific."),
]


def load_office_life(driver: Driver) -> None:
    for account_name, author, body in COMMENTS:
        run = run_for(Account.objects.get(name=account_name), "customer_onboarding")
        comment_add(run, author=driver.users[author], body=body)
    today = timezone.localdate()
    # Sam is at a conference this week: Ava covers for him (see her My work).
    Delegation.objects.create(
        user=driver.users["sam"],
        delegate=driver.users["ava"],
        starts_on=today,
        ends_on=today + timedelta(days=6),
        note="At the Fintech Forum in Lisbon",
    )
