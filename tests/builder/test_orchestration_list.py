"""The orchestrations list: what it shows, search, create (name → key → v1 draft),
archive, where an orchestration opens, who gets in, and what it costs in queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from orchestrations.engine import run_start
from orchestrations.models import Orchestration, Version
from orchestrations.versions import version_new_draft
from tests.factories import VersionBuilder, field, make_group, make_user

HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("builder:orchestration-list")
CREATE = reverse("builder:orchestration-create")


def onboarding(key: str = "onboarding", **version_fields) -> Version:
    b = VersionBuilder(key, **version_fields)
    form = b.form("f", [field("ok", "yes_no")])
    b.step(b.stage("only"), "work", form=form, group=make_group("Ops"), due_in=timedelta(days=1))
    return b.activate()


def row_of(html: str, orchestration: Orchestration) -> str:
    start = html.index(f'<tr id="orchestration-{orchestration.pk}"')
    return html[start : html.index("</tr>", start)]


def test_the_list_shows_trigger_versions_draft_and_runs_in_progress(as_designer):
    active = onboarding(trigger_type="record", trigger_model="demo.Account", trigger_on="updated")
    draft = version_new_draft(active)
    manual = onboarding("intake")
    run_start(manual.orchestration)
    run_start(manual.orchestration)

    html = as_designer.get(LIST).content.decode()
    first = row_of(html, active.orchestration)
    assert "when a demo.Account is updated" in first
    assert f'href="{reverse("builder:version", args=[active.pk])}">v1</a>' in first
    assert f'href="{reverse("builder:version", args=[draft.pk])}">v2 draft</a>' in first
    # The name opens the draft.
    assert f'<a href="{reverse("builder:version", args=[draft.pk])}">Onboarding</a>' in first
    second = row_of(html, manual.orchestration)
    assert '<td data-label="Trigger">manual</td>' in second
    assert '<td data-label="Runs in progress" class="number">2</td>' in second
    assert "just now</time>" in second


def test_manual_orchestrations_with_an_active_version_offer_start_run(as_designer):
    manual = onboarding("intake")
    record = onboarding("accounts", trigger_type="record", trigger_model="demo.Account")
    draft_only = VersionBuilder("drafty").version
    archived = onboarding("old")
    Orchestration.objects.filter(pk=archived.orchestration_id).update(archived=True)

    html = as_designer.get(LIST + "?archived=1").content.decode()

    start = reverse("builder:run-start", args=[manual.orchestration_id])
    assert f'<a href="{start}" class="start-run"' in row_of(html, manual.orchestration)
    for other in (record, draft_only, archived):
        assert "Start run" not in row_of(html, other.orchestration)


def test_archived_orchestrations_are_hidden_unless_asked_for(as_designer):
    kept, archived = onboarding("kept"), onboarding("old")
    Orchestration.objects.filter(pk=archived.orchestration_id).update(archived=True)
    html = as_designer.get(LIST).content.decode()
    assert f"orchestration-{kept.orchestration_id}" in html
    assert f"orchestration-{archived.orchestration_id}" not in html
    html = as_designer.get(LIST, {"archived": "1"}).content.decode()
    assert f"orchestration-{archived.orchestration_id}" in html
    assert "Archived</span>" in html


def test_searching_by_name_with_htmx_returns_only_the_table(as_designer):
    onboarding("customer_onboarding")
    onboarding("patient_intake")
    response = as_designer.get(LIST, {"q": "intake"}, HTTP_HX_TARGET="orchestration-table", **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.strip().startswith('<div id="orchestration-table"')
    assert "Patient intake" in html
    assert "Customer onboarding" not in html
    nothing = as_designer.get(LIST, {"q": "zebra"}).content.decode()
    assert "has “zebra” in its name" in nothing


def test_an_empty_list_says_how_to_start(as_designer):
    html = as_designer.get(LIST).content.decode()
    assert "No orchestrations yet." in html


def test_creating_an_orchestration_makes_a_v1_draft_and_opens_its_canvas(as_designer, designer):
    assert 'id="create-orchestration" open' in as_designer.get(CREATE).content.decode()
    response = as_designer.post(CREATE, {"name": "Vendor onboarding", "key": ""})
    orchestration = Orchestration.objects.get(name="Vendor onboarding")
    version = orchestration.versions.get()
    assert orchestration.key == "vendor_onboarding"
    assert (version.number, version.status, version.created_by) == (1, "draft", designer)
    assert response["Location"] == reverse("builder:version", args=[version.pk])
    canvas = as_designer.get(response["Location"]).content.decode()
    assert 'id="add-stage"' in canvas


def test_creating_with_htmx_redirects_the_browser_to_the_canvas(as_designer):
    response = as_designer.post(CREATE, {"name": "Vendor onboarding", "key": "vendors"}, **HTMX)
    version = Version.objects.get(orchestration__key="vendors")
    assert response["HX-Redirect"] == reverse("builder:version", args=[version.pk])


def test_a_derived_key_is_made_unique(as_designer):
    onboarding("vendor_onboarding")
    as_designer.post(CREATE, {"name": "Vendor onboarding!"})
    assert Orchestration.objects.filter(key="vendor_onboarding_2").exists()


@pytest.mark.parametrize("htmx", [False, True])
def test_a_taken_or_malformed_key_is_shown_next_to_the_field_and_values_kept(as_designer, htmx):
    onboarding("vendors")
    headers = HTMX if htmx else {}
    response = as_designer.post(CREATE, {"name": "Vendor onboarding", "key": "vendors"}, **headers)
    html = response.content.decode()
    assert "An orchestration with the key “vendors” exists already; try “vendors_2”." in html
    assert 'value="Vendor onboarding"' in html
    assert 'value="vendors"' in html
    assert 'aria-describedby="id_key_errors"' in html
    assert ("<html" in html) is not htmx
    response = as_designer.post(CREATE, {"name": "Vendors", "key": "no spaces"}, **headers)
    assert "Enter a valid “slug”" in response.content.decode()
    assert Orchestration.objects.count() == 1


def test_a_name_is_required(as_designer):
    response = as_designer.post(CREATE, {"name": "", "key": ""})
    assert "This field is required." in response.content.decode()
    assert not Orchestration.objects.exists()


def test_an_orchestration_opens_on_its_draft_else_its_active_else_its_latest_version(
    as_designer,
):
    active = onboarding()
    url = reverse("builder:orchestration", args=[active.orchestration_id])
    assert as_designer.get(url)["Location"] == reverse("builder:version", args=[active.pk])
    draft = version_new_draft(active)
    assert as_designer.get(url)["Location"] == reverse("builder:version", args=[draft.pk])
    active.retire()
    active.save()
    draft.activate()
    draft.save()
    assert as_designer.get(url)["Location"] == reverse("builder:version", args=[draft.pk])
    draft.retire()
    draft.save()  # v1 and v2 are both obsolete: the latest opens
    assert as_designer.get(url)["Location"] == reverse("builder:version", args=[draft.pk])


def test_an_orchestration_without_versions_says_so(as_designer):
    bare = Orchestration.objects.create(key="bare", name="Bare")
    response = as_designer.get(reverse("builder:orchestration", args=[bare.pk]), follow=True)
    assert "“Bare” has no versions yet" in response.content.decode()


def test_archiving_asks_first_then_hides_it_and_unarchiving_brings_it_back(as_designer):
    orchestration = onboarding().orchestration
    url = reverse("builder:orchestration-archive", args=[orchestration.pk])
    confirmation = as_designer.get(url).content.decode()
    assert "Archive “Onboarding”?" in confirmation
    assert f'action="{url}"' in confirmation
    orchestration.refresh_from_db()
    assert not orchestration.archived

    response = as_designer.post(url, **HTMX)
    orchestration.refresh_from_db()
    assert orchestration.archived
    html = response.content.decode()
    assert html.strip().startswith(f'<tr id="orchestration-{orchestration.pk}" class="is-archived"')
    assert "Unarchive" in html

    response = as_designer.post(url, {"archived": "0"}, follow=True)
    orchestration.refresh_from_db()
    assert not orchestration.archived
    assert "“Onboarding” brought back." in response.content.decode()


def test_names_are_escaped(as_designer):
    Orchestration.objects.create(key="x", name="<b>bold</b>")
    html = as_designer.get(LIST).content.decode()
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_a_user_without_the_change_permission_gets_403_everywhere(client, db):
    orchestration = onboarding().orchestration
    client.force_login(make_user("sam"))
    for method, url in [
        ("get", LIST),
        ("get", CREATE),
        ("post", CREATE),
        ("get", reverse("builder:orchestration", args=[orchestration.pk])),
        ("get", reverse("builder:orchestration-archive", args=[orchestration.pk])),
        ("post", reverse("builder:orchestration-archive", args=[orchestration.pk])),
    ]:
        assert getattr(client, method)(url).status_code == 403, url
    orchestration.refresh_from_db()
    assert not orchestration.archived


def test_the_list_costs_the_same_queries_for_one_or_many_orchestrations(
    as_designer, django_assert_max_num_queries
):
    first = onboarding("first")
    run_start(first.orchestration)
    as_designer.get(LIST)
    with django_assert_max_num_queries(10) as one:
        as_designer.get(LIST)
    for i in range(8):
        version = onboarding(f"more_{i}")
        version_new_draft(version)
        run_start(version.orchestration)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = as_designer.get(LIST).content.decode()
    assert html.count('<tr id="orchestration-') == 9
