"""The 403, 404 and 500 pages, and a refused CSRF check, as production shows them (DEBUG off):
inside the app's frame, saying nothing about what exists."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from config import errors
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_debug_off")]


@pytest.fixture
def _debug_off():
    with override_settings(DEBUG=False):
        yield


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def in_the_frame(html: str) -> bool:
    """The app's navigation and stylesheet are on the page."""
    return 'aria-label="Main"' in html and "/static/css/app.css" in html


def test_404_is_a_plain_not_found_in_the_frame_with_the_navigation():
    alice = make_user("alice")

    response = signed_in(alice).get("/no/such/page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert in_the_frame(html)
    assert '<h1 id="error-title">Not found</h1>' in html
    assert errors.NOT_FOUND in html
    assert reverse("inbox:my-requests") in html  # the whole navigation, signed in
    assert "Content-Security-Policy" in response.headers


def test_404_of_an_object_is_the_same_page_whatever_the_reason():
    """Django's own message ("No WorkItem matches the given query.") is not shown."""
    alice = make_user("alice")

    missing_item = signed_in(alice).get(reverse("inbox:work-item", args=[987654]))
    missing_run = signed_in(alice).get(reverse("inbox:run-detail", args=[987654]))

    for response in (missing_item, missing_run):
        assert response.status_code == 404
        assert errors.NOT_FOUND in response.content.decode()
        assert "No such" not in response.content.decode()


def test_404_for_a_visitor_who_is_not_signed_in_offers_the_login():
    response = Client().get("/no/such/page/")

    assert response.status_code == 404
    assert reverse("login") in response.content.decode()


def test_403_from_a_bare_permission_denied_says_so_in_general_terms():
    alice = make_user("alice")  # not a designer

    response = signed_in(alice).get(reverse("builder:orchestration-list"))

    html = response.content.decode()
    assert response.status_code == 403
    assert in_the_frame(html)
    assert "Not allowed" in html
    assert errors.FORBIDDEN in html


def test_403_shows_the_refusal_written_for_the_person():
    request = RequestFactory().get("/")
    request.user = make_user("alice")

    refusal = PermissionDenied("You may not reassign this item.")

    response = errors.permission_denied(request, refusal)

    assert response.status_code == 403
    assert "You may not reassign this item." in response.content.decode()


def test_csrf_failure_explains_that_the_form_expired():
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"username": "alice", "password": "x"})

    html = response.content.decode()
    assert response.status_code == 403
    assert in_the_frame(html)
    assert "This form has expired" in html
    assert "cookie not set" not in html  # Django's reason is for developers (DEBUG only)


def test_500_in_the_frame_without_the_database(django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    with django_assert_num_queries(0):
        response = errors.server_error(request)

    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert "/static/css/app.css" in html
    assert 'href="/"' in html


def test_500_page_of_a_crashing_view(monkeypatch):
    """The whole way: a view raises, the handler answers, the policy header is still set."""
    alice = make_user("alice")

    def crash(*args, **kwargs):
        raise RuntimeError("the database is on fire")

    monkeypatch.setattr("inbox.access.my_work", crash)
    client = Client(raise_request_exception=False)
    client.force_login(alice)

    response = client.get(reverse("inbox:my-work"))

    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert "on fire" not in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_500_falls_back_to_a_page_written_in_code_when_its_template_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("Missing staticfiles manifest entry")

    monkeypatch.setattr(errors.loader, "render_to_string", broken)
    request = RequestFactory().get("/")

    response = errors.server_error(request)

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_400_is_in_the_frame_too():
    """A request Django refuses before any view: a host name it does not serve."""
    alice = make_user("alice")

    response = signed_in(alice).get(reverse("inbox:my-work"), HTTP_HOST="elsewhere.example")

    html = response.content.decode()
    assert response.status_code == 400
    assert in_the_frame(html)
    assert errors.BAD_REQUEST in html
