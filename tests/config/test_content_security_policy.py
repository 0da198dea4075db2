"""The Content-Security-Policy header on every page, and nothing on those pages it would
refuse: no inline <script>, no on…= handler, no <style> block, no style="" attribute.
(The browser tests check the other half: no violation reported while the journeys run.)"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from demo.models import Account
from demo.people import create_people
from demo.processes import install_processes
from orchestrations.models import Form, Run

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return dict(parts)


def assert_strict(url: str, response) -> None:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{url}: no Content-Security-Policy"
    policy = directives(header)
    for name, value in POLICY.items():
        assert policy.get(name) == value, f"{url}: {name} is {policy.get(name)!r}"
    assert "unsafe" not in header, f"{url}: {header}"
    html = response.content.decode()
    for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE_ATTRIBUTE, STYLE_ELEMENT):
        found = pattern.search(html)
        assert found is None, f"{url}: {found.group(0) if found else ''}"


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    users = create_people()
    versions = install_processes(by=users["designer"])
    account = Account.objects.create(
        name="Pied Piper", amount=Decimal(60_000), owner=users["ava"], stage="negotiation"
    )
    with django_capture_on_commit_callbacks(execute=True):
        account.stage = Account.Stage.CLOSED_WON
        account.save()  # the record trigger starts an onboarding: a kickoff for Ava
    run = Run.objects.get(record_label="Pied Piper")
    return users, versions, run


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_every_page_sends_the_policy_and_nothing_it_would_refuse(demo):
    users, versions, run = demo
    item = run.work_items.get()
    version = versions["customer_onboarding"]
    form = Form.objects.filter(version=version).first()
    assert form is not None
    pages = {
        None: [
            reverse("login"),
            reverse("admin:login"),
            "/no/such/page/",
        ],
        users["ava"]: [
            reverse("inbox:my-work"),
            reverse("inbox:queues"),
            reverse("inbox:completed"),
            reverse("inbox:my-requests"),
            reverse("inbox:work-item", args=[item.pk]),
            reverse("inbox:run-detail", args=[run.pk]),
            reverse("inbox:delegations"),
            reverse("password_change"),
            reverse("builder:orchestration-list"),  # 403
        ],
        users["designer"]: [
            reverse("builder:orchestration-list"),
            reverse("builder:orchestration", args=[version.orchestration_id]),
            reverse("builder:version", args=[version.pk]),
            reverse("builder:version-diagram", args=[version.pk]),
            reverse("builder:version-list", args=[version.orchestration_id]),
            reverse("builder:form-list", args=[version.pk]),
            reverse("builder:form-edit", args=[form.pk]),
            reverse("builder:trigger-edit", args=[version.pk]),
            reverse("builder:orchestration-import"),
        ],
        users["admin"]: [
            reverse("admin:index"),
            reverse("admin:orchestrations_run_changelist"),
            reverse("admin:orchestrations_run_change", args=[run.pk]),
            reverse("admin:orchestrations_run_steer", args=[run.pk, "cancel"]),
            reverse("admin:orchestrations_workitem_change", args=[item.pk]),
            reverse("admin:orchestrations_workitem_reassign", args=[item.pk]),
            reverse("admin:auth_user_changelist"),
            reverse("admin:auth_user_change", args=[users["ava"].pk]),
            reverse("engine-health"),
        ],
    }
    with override_settings(DEBUG=False):
        for user, urls in pages.items():
            client = client_for(user)
            for url in urls:
                response = client.get(url, follow=True)
                assert response.status_code in (200, 403, 404), url
                assert_strict(url, response)


def test_htmx_is_told_to_do_nothing_the_policy_refuses(demo):
    users, _versions, _run = demo

    html = client_for(users["ava"]).get(reverse("inbox:my-work")).content.decode()

    assert '"allowEval": false' in html
    assert '"allowScriptTags": false' in html
    assert '"includeIndicatorStyles": false' in html
    assert '"attributesToSettle": ["class", "width", "height"]' in html  # not style=""
