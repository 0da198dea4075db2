"""Support staff find the engine's health from the admin's front page: the checks, a
stuck background step with its last heartbeat, an email the server refused."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from orchestrations.actions import action
from orchestrations.actions.registry import unregister
from orchestrations.engine import run_start
from orchestrations.engine.leases import attempt_claim
from orchestrations.models import OutboxMessage, Pulse, StepRun
from tests.factories import VersionBuilder, make_group, make_user


@pytest.fixture
def stuck_step(monkeypatch):
    from orchestrations.engine import dispatch

    monkeypatch.setattr(dispatch, "send_step_message", lambda *args: None)  # the test delivers

    @action("test.provision", inputs={}, outputs=[])
    def provision(ctx):
        return {}

    b = VersionBuilder("provisioning")
    b.step(b.stage("s"), "provision", action="test.provision", name="Provision the account")
    b.activate()
    run = run_start(b.orchestration)
    step = StepRun.objects.get(run=run)
    attempt_claim(step.pk, str(step.dispatch_token))  # a worker took it, then died
    StepRun.objects.filter(pk=step.pk).update(lease_until=timezone.now() - timedelta(seconds=4))
    yield step
    unregister("test.provision")


@pytest.mark.django_db(transaction=True)
def test_support_opens_engine_health_from_the_admin(
    live_server: LiveServer, page: Page, screenshot: Callable[[str], Path], stuck_step
) -> None:
    support = make_group("Support")
    support.permissions.set(
        Permission.objects.filter(
            content_type__app_label="orchestrations",
            codename__in=["view_run", "view_steprun", "view_outboxmessage"],
        )
    )
    sasha = make_user("sasha", support, is_staff=True)
    sasha.set_password("correct horse")
    sasha.save()
    Pulse.objects.create(name="sweep", seen_at=timezone.now() - timedelta(seconds=3))
    OutboxMessage.objects.create(
        kind="email", payload={"to": ["lee@example.com"], "subject": "New work", "body": "x"},
        attempts=5, last_error="SMTP 550 mailbox unavailable",
    )  # fmt: skip

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("sasha")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Engine health").click()

    expect(page.get_by_role("heading", name="Engine health")).to_be_visible()
    expect(page.locator("#check-database")).to_contain_text("ok")
    expect(page.locator("#check-sweeper")).to_contain_text("Last ran")
    expect(page.locator("#check-outbox")).to_contain_text("SMTP 550 mailbox unavailable")
    stuck = page.locator("#stuck")
    expect(stuck).to_contain_text("Provision the account")
    expect(stuck).to_contain_text(StepRun.objects.get(pk=stuck_step.pk).worker)
    screenshot("engine health")

    stuck.get_by_role("link", name="Provision the account").click()
    expect(page.get_by_text("Last heartbeat")).to_be_visible()
    screenshot("the stuck step")
