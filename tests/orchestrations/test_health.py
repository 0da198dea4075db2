"""Faults you can see: /healthz for a monitor, and the admin's engine health page and
outbox for support staff (the same checks, one rule book in orchestrations.health)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orchestrations.actions import action
from orchestrations.actions.registry import unregister
from orchestrations.engine import run_start, sweep
from orchestrations.engine.leases import attempt_claim
from orchestrations.models import OutboxMessage, Pulse, StepRun
from tests.factories import VersionBuilder, make_group, make_user
from tests.faults.harness import broker_of_this_process, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def swept():
    """The sweeper ran a moment ago (beat and the control worker are up)."""
    Pulse.objects.create(name="sweep", seen_at=timezone.now(), details={"outbox_sent": 0})


@pytest.fixture
def background_run():
    @action("test.noop", inputs={}, outputs=[])
    def noop(ctx):
        return {}

    b = VersionBuilder("provisioning")
    b.step(b.stage("s"), "provision", action="test.noop", name="Provision")
    b.activate()
    yield run_start(b.orchestration)
    unregister("test.noop")


@pytest.fixture
def support():
    group = make_group("Support")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="orchestrations",
            codename__in=["view_run", "view_steprun", "view_outboxmessage", "change_outboxmessage"],
        )
    )
    client = Client()
    client.force_login(make_user("sasha", group, is_staff=True))
    return client


def test_healthz_is_ok_when_every_check_passes(client, swept):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "outbox", "sweeper"}
    assert body["checks"]["outbox"] == {
        "status": "ok",
        "detail": "Nothing waiting to be sent.",
        "backlog": 0,
        "oldest_unsent_seconds": None,
    }
    assert body["checks"]["sweeper"]["seconds_ago"] < 5
    assert response["Cache-Control"].startswith("max-age=0")
    assert client.post("/healthz").status_code == 405


def test_healthz_fails_when_the_sweeper_never_ran_or_stopped(client):
    body = client.get("/healthz").json()
    assert body["status"] == "fail"
    assert "never run" in body["checks"]["sweeper"]["detail"]

    Pulse.objects.create(name="sweep", seen_at=timezone.now() - timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["sweeper"]["detail"] == "Last ran 5 min ago (more than 60 s)."


def test_healthz_reports_the_outbox_lag_and_fails_past_its_limit(client, swept, background_run):
    OutboxMessage.objects.update(claim=None, claimed_until=None, last_error="Connection refused")
    body = client.get("/healthz").json()
    assert body["status"] == "ok"  # just written: the sweeper sends it in a moment
    assert body["checks"]["outbox"]["backlog"] == 1

    OutboxMessage.objects.update(available_at=timezone.now() - timedelta(seconds=30))
    assert client.get("/healthz").json()["checks"]["outbox"]["status"] == "warn"

    OutboxMessage.objects.update(available_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 503
    outbox = response.json()["checks"]["outbox"]
    assert outbox["status"] == "fail"
    assert outbox["oldest_unsent_seconds"] >= 600
    assert outbox["detail"] == (
        "1 message(s) due; the oldest for 10 min (last error: Connection refused)."
    )


def test_healthz_fails_when_the_broker_is_unreachable(client, swept):
    with broker_of_this_process(f"redis://127.0.0.1:{free_port()}/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["status"] == "fail"
    assert broker["detail"].startswith("redis: unreachable")


def test_support_sees_stuck_and_retrying_steps_and_the_outbox(support, swept, background_run):
    step = StepRun.objects.get(run=background_run)
    attempt_claim(step.pk, str(step.dispatch_token))  # a worker claimed it and died
    StepRun.objects.filter(pk=step.pk).update(lease_until=timezone.now() - timedelta(seconds=3))
    OutboxMessage.objects.create(
        kind="email", payload={"to": ["a@example.com"], "subject": "Hi", "body": "x"},
        attempts=3, last_error="SMTP 550 mailbox unavailable",
    )  # fmt: skip

    page = support.get(reverse("engine-health"))
    assert page.status_code == 200
    html = page.content.decode()
    stuck = html[html.index('id="stuck"') : html.index('id="retrying"')]
    assert "Provision" in stuck
    assert StepRun.objects.get(pk=step.pk).worker in stuck  # host:pid of the worker that died
    assert "SMTP 550 mailbox unavailable" in html
    assert "Stuck background steps (1)" in html

    sweep()  # the sweeper takes it over: no longer stuck
    html = support.get(reverse("engine-health")).content.decode()
    assert "Stuck background steps (0)" in html
    assert "None: every attempt is either held by a live worker" in html

    index = support.get(reverse("admin:index")).content.decode()
    assert reverse("engine-health") in index


def test_the_health_page_is_for_people_who_may_see_runs(client):
    outsider = make_user("olga", is_staff=True)
    client.force_login(outsider)
    assert client.get(reverse("engine-health")).status_code == 403
    client.logout()
    response = client.get(reverse("engine-health"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_support_sends_again_or_discards_outbox_messages(support):
    waiting = OutboxMessage.objects.create(
        kind="email", payload={"to": ["a@example.com"], "subject": "Hi", "body": "x"},
        attempts=4, last_error="SMTP 451", available_at=timezone.now() + timedelta(minutes=5),
    )  # fmt: skip
    refused = OutboxMessage.objects.create(
        kind="email", payload={"to": ["nobody@example.com"], "subject": "Hi", "body": "x"},
        attempts=9, last_error="SMTP 550",
    )  # fmt: skip
    changelist = reverse("admin:orchestrations_outboxmessage_changelist")

    listed = support.get(changelist, {"state": "failing"}).content.decode()
    assert "“Hi” to a@example.com" in listed
    assert "SMTP 550" in listed

    support.post(changelist, {"action": "send_now", "_selected_action": [waiting.pk]})
    waiting.refresh_from_db()
    assert waiting.available_at <= timezone.now()
    support.post(changelist, {"action": "discard", "_selected_action": [refused.pk]})
    refused.refresh_from_db()
    assert refused.discarded_at is not None
    assert list(OutboxMessage.objects.unsent()) == [waiting]
