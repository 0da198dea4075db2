"""The versions of an orchestration: the list, activating a draft (and refusing one with
errors), a new draft from any version."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from orchestrations.definition import export_definition, import_definition
from orchestrations.engine import run_cancel, run_start
from orchestrations.models import Orchestration, Run, Step, Version
from orchestrations.versions import version_activate, version_new_draft
from tests.factories import make_group, make_user
from tests.orchestrations.definitions import small_definition

pytestmark = pytest.mark.django_db


@pytest.fixture
def designer():
    make_group("Sales")
    user = make_user("diego", first_name="Diego", last_name="Ramos")
    user.user_permissions.add(Permission.objects.get(codename="change_orchestration"))
    return user


@pytest.fixture
def v1(designer) -> Version:
    return version_activate(import_definition(small_definition()), by=designer)


@pytest.fixture
def v2(v1, designer) -> Version:
    """A draft copied from the active v1."""
    return version_new_draft(v1, by=designer)


def start_runs(version: Version, n: int) -> list[Run]:
    return [run_start(version.orchestration) for _ in range(n)]


# --- The list ------------------------------------------------------------------------------


def test_the_list_shows_every_version_with_who_made_and_activated_it_and_its_runs(
    as_designer, v1, v2
) -> None:
    runs = start_runs(v1, 3)
    run_cancel(runs[0])

    response = as_designer.get(reverse("builder:version-list", args=[v1.orchestration_id]))

    assert response.status_code == 200
    assert [v.number for v in response.context["versions"]] == [2, 1]
    html = response.content.decode()
    row_v1 = html[html.index(f'id="version-{v1.pk}"') :]
    assert "Active" in row_v1[:400]
    assert "by Diego Ramos" in row_v1
    assert "2</span> / 3" in row_v1  # open / all
    assert reverse("builder:version", args=[v2.pk]) in html
    assert reverse("builder:version-activate", args=[v2.pk]) in html
    assert reverse("builder:version-export", args=[v1.pk]) in html
    assert "{#" not in html
    # pick two to compare, the active one against the draft by default
    assert response.context["a"] == v1
    assert response.context["b"] == v2


def test_the_list_costs_the_same_queries_for_many_versions_and_runs(
    as_designer, v1, designer, django_assert_max_num_queries
) -> None:
    url = reverse("builder:version-list", args=[v1.orchestration_id])
    with django_assert_max_num_queries(20) as few:
        as_designer.get(url)
    version = v1
    for _ in range(4):
        version = version_activate(version_new_draft(version, by=designer), by=designer)
        start_runs(version, 2)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = as_designer.get(url)

    assert len(response.context["versions"]) == 5


def test_the_list_offers_a_run_of_the_active_version_of_a_manual_orchestration(
    as_designer, v1, v2
) -> None:
    url = reverse("builder:version-list", args=[v1.orchestration_id])
    start = reverse("builder:run-start", args=[v1.orchestration_id])

    html = as_designer.get(url).content.decode()
    Orchestration.objects.filter(pk=v1.orchestration_id).update(archived=True)
    archived = as_designer.get(url).content.decode()

    assert f'<a href="{start}" role="button" class="secondary">Start a run of v1</a>' in html
    assert start not in archived


def test_an_orchestration_without_versions_says_how_to_start(as_designer) -> None:
    empty = Orchestration.objects.create(key="empty", name="Empty")

    response = as_designer.get(reverse("builder:version-list", args=[empty.pk]))

    html = response.content.decode()
    assert "Empty has no versions yet." in html
    assert reverse("builder:orchestration-import") in html


# --- Activation ----------------------------------------------------------------------------


def test_the_confirmation_says_what_activation_will_do(as_designer, v1, v2) -> None:
    start_runs(v1, 2)

    response = as_designer.get(reverse("builder:version-activate", args=[v2.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "v2 becomes active" in html
    assert "v1 becomes obsolete" in html
    assert "2 runs in progress stay on v1</strong> and finish there" in html
    assert 'action="{}"'.format(reverse("builder:version-activate", args=[v2.pk])) in html


def test_activating_retires_the_active_version_and_leaves_its_runs_on_it(
    as_designer, designer, v1, v2
) -> None:
    (run,) = start_runs(v1, 1)

    response = as_designer.post(reverse("builder:version-activate", args=[v2.pk]), follow=True)

    assert response.redirect_chain == [
        (reverse("builder:version-list", args=[v1.orchestration_id]), 302)
    ]
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status, v2.activated_by) == ("obsolete", "active", designer)
    run.refresh_from_db()
    assert (run.version, run.status) == (v1, "in_progress")
    assert (
        "v2 of Small is active: new runs start on it. v1 is obsolete; "
        "1 run in progress finishes on it."
    ) in response.content.decode()


def test_a_draft_with_errors_is_not_activated_and_nothing_changes(as_designer, v1, v2) -> None:
    Step.objects.filter(version=v2).update(form=None)
    step = Step.objects.get(version=v2)
    url = reverse("builder:version-activate", args=[v2.pk])

    page = as_designer.get(url)
    response = as_designer.post(url)

    for answer in (page, response):
        html = answer.content.decode()
        assert "v2 can't be activated yet: it has 1 error." in html
        # Named and linked as on the canvas, not by the JSON path ($.stages[0].steps[0].form).
        assert "$.stages" not in html
        edit = reverse("builder:step-edit", args=[step.pk])
        where = f"Stage “{step.stage.name}” \u203a step “{step.name}” \u203a form"
        assert f'<a href="{edit}" class="problem-where">{where}</a>' in html
        assert reverse("builder:version", args=[v2.pk]) in html
        assert "Activate v2</button>" not in html
    assert response.status_code == 422
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("active", "draft")


def test_activating_a_version_that_is_not_a_draft_is_refused_clearly(as_designer, v1) -> None:
    page = as_designer.get(reverse("builder:version-activate", args=[v1.pk]))
    response = as_designer.post(reverse("builder:version-activate", args=[v1.pk]), follow=True)

    assert "v1 is active: only a draft can be activated." in page.content.decode()
    assert "only a draft can be activated" in response.content.decode()
    v1.refresh_from_db()
    assert v1.status == "active"


def test_the_first_version_is_activated_with_nothing_to_retire(as_designer, designer) -> None:
    draft = import_definition(small_definition())

    page = as_designer.get(reverse("builder:version-activate", args=[draft.pk]))
    as_designer.post(reverse("builder:version-activate", args=[draft.pk]))

    assert "No version is active now: this becomes the first." in page.content.decode()
    draft.refresh_from_db()
    assert draft.status == "active"


# --- New draft -----------------------------------------------------------------------------


def test_a_new_draft_copies_the_version_and_opens_its_canvas(as_designer, designer, v1) -> None:
    response = as_designer.post(reverse("builder:version-new-draft", args=[v1.pk]))

    draft = Version.objects.get(orchestration=v1.orchestration, number=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("builder:version", args=[draft.pk])
    assert (draft.status, draft.created_by) == ("draft", designer)
    assert export_definition(draft) == export_definition(v1)


def test_a_second_draft_is_not_made_by_surprise(as_designer, v1, v2) -> None:
    response = as_designer.post(reverse("builder:version-new-draft", args=[v1.pk]))

    assert response.status_code == 409
    html = response.content.decode()
    assert "v2 is already a draft of Small." in html
    assert reverse("builder:version", args=[v2.pk]) in html
    assert 'name="another" value="yes"' in html
    assert v1.orchestration.versions.count() == 2


def test_a_second_draft_is_made_when_the_admin_confirms(as_designer, v1, v2) -> None:
    response = as_designer.post(
        reverse("builder:version-new-draft", args=[v1.pk]), {"another": "yes"}
    )

    v3 = Version.objects.get(orchestration=v1.orchestration, number=3)
    assert response["Location"] == reverse("builder:version", args=[v3.pk])
    assert v3.status == "draft"


def test_a_new_draft_is_only_made_by_a_post(as_designer, v1) -> None:
    response = as_designer.get(reverse("builder:version-new-draft", args=[v1.pk]))

    assert response.status_code == 405
    assert v1.orchestration.versions.count() == 1


# --- Permission ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method", "on"),
    [
        ("builder:version-list", "get", "orchestration"),
        ("builder:version-activate", "get", "version"),
        ("builder:version-activate", "post", "version"),
        ("builder:version-new-draft", "post", "version"),
        ("builder:version-diff", "get", "orchestration"),
        ("builder:version-export", "get", "version"),
        ("builder:version-diagram", "get", "version"),
        ("builder:orchestration-import", "get", None),
        ("builder:orchestration-import", "post", None),
    ],
)
def test_every_version_page_is_forbidden_without_the_permission(
    client, v1, v2, name, method, on
) -> None:
    client.force_login(make_user("olga"))
    args = {"orchestration": [v1.orchestration_id], "version": [v2.pk], None: []}[on]

    response = getattr(client, method)(reverse(name, args=args))

    assert response.status_code == 403
    v2.refresh_from_db()
    assert v2.status == "draft"
    assert v1.orchestration.versions.count() == 2


def test_anonymous_visitors_are_sent_to_log_in(client, v1) -> None:
    response = client.get(reverse("builder:version-list", args=[v1.orchestration_id]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
