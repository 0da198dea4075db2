"""Login throttling: after AXES_FAILURE_LIMIT failed logins for a username from one address,
the login form (the app's and the admin's) says so, and an administrator can unlock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from config.lockout import client_address, lockout_message
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed attempts: try again in 15 minutes, or ask an administrator to unlock"


@pytest.fixture
def alice():
    return make_user("alice", is_staff=True)  # "pw"


def fail(client: Client, url: str, times: int, username: str = "alice"):
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "guess"})
    return response


def test_the_login_form_says_when_there_were_too_many_failures(settings, alice):
    client = Client()
    login = reverse("login")

    almost = fail(client, login, settings.AXES_FAILURE_LIMIT - 1)
    assert almost.status_code == 200
    assert "Please enter a correct username and password" in almost.content.decode()

    locked = fail(client, login, 1)
    html = locked.content.decode()
    assert locked.status_code == 429
    assert LOCKED in html
    assert "Please enter a correct username and password" not in html
    assert 'name="username" value="alice"' in html  # the app's form, as it was sent
    assert "/static/css/app.css" in html

    right_password = client.post(login, {"username": "alice", "password": "pw"})
    assert right_password.status_code == 429  # even the right password waits
    assert "_auth_user_id" not in client.session


def test_the_admin_login_says_so_too(settings, alice):
    response = fail(Client(), reverse("admin:login"), settings.AXES_FAILURE_LIMIT)

    html = response.content.decode()
    assert response.status_code == 429
    assert LOCKED in html
    assert 'id="login-form"' in html  # the admin's own form


def test_a_lockout_is_per_username_and_address(settings, alice):
    make_user("bob")
    fail(Client(), reverse("login"), settings.AXES_FAILURE_LIMIT)

    bob = Client().post(reverse("login"), {"username": "bob", "password": "pw"})
    elsewhere = Client(REMOTE_ADDR="10.1.2.3").post(
        reverse("login"), {"username": "alice", "password": "pw"}
    )

    assert bob.status_code == 302
    assert elsewhere.status_code == 302


def test_axes_reset_unlocks(settings, alice):
    client = Client()
    fail(client, reverse("login"), settings.AXES_FAILURE_LIMIT)

    call_command("axes_reset", verbosity=0)

    response = client.post(reverse("login"), {"username": "alice", "password": "pw"})
    assert response.status_code == 302


def test_a_successful_login_forgets_earlier_failures(settings, alice):
    client = Client()
    fail(client, reverse("login"), settings.AXES_FAILURE_LIMIT - 1)
    assert client.post(reverse("login"), {"username": "alice", "password": "pw"}).status_code == 302
    client.logout()

    again = fail(client, reverse("login"), settings.AXES_FAILURE_LIMIT - 1)

    assert again.status_code == 200


def test_the_message_follows_the_cool_off(settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    assert lockout_message().startswith("Too many failed attempts: try again in 1 minute,")


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "192.0.2.1"),  # no proxy: X-Forwarded-For is the client's to invent
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # a forged entry to the left
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (2, "", "192.0.2.1"),  # a proxy that sets nothing: its own address
    ],
)
def test_failures_are_counted_for_the_clients_address(settings, proxies, forwarded, expected):
    settings.HANDOFF_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected
