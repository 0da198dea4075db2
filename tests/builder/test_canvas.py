"""The canvas of one version: stages as columns, step cards, add / reorder / move /
delete, read-only versions, and the number of queries a big version costs."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from orchestrations.models import Stage, Step, Version
from tests.factories import VersionBuilder, field, make_group, make_user

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(db):
    """Welcome (kickoff, packet after kickoff, mail) → Review (check; loops back to
    Welcome) → Repair (fix), Review's errors going to Repair."""
    success = make_group("Customer Success")
    ava = make_user("ava", first_name="Ava", last_name="Thompson")
    b = VersionBuilder("onboarding")
    form = b.form("kickoff", [field("notes"), field("amount", "number")])
    welcome = b.stage("welcome")
    kickoff = b.step(welcome, "kickoff", name="Kickoff call", form=form, user=ava,
                     due_in=timedelta(days=3))  # fmt: skip
    b.step(welcome, "packet", form=form, group=success, after=[kickoff], due_in=timedelta(hours=4))
    b.step(welcome, "mail", action="send_email", when="record.amount > 10000")
    review = b.stage("review")
    b.step(review, "check", form=form, expression="record.owner")
    repair = b.stage("repair")
    b.step(repair, "fix", form=form, group=success)
    b.outcome(review, "steps.check.amount > 5", welcome, label="Rework")
    review.fault_target = repair
    review.save()
    return b.version


def stage(version: Version, key: str) -> Stage:
    return version.stages.get(key=key)


def step(version: Version, key: str) -> Step:
    return version.steps.get(key=key)


def stage_keys(version: Version) -> list[str]:
    return list(version.stages.order_by("position", "pk").values_list("key", flat=True))


def step_keys(stage: Stage) -> list[str]:
    return list(stage.steps.order_by("position", "pk").values_list("key", flat=True))


def canvas_url(version: Version) -> str:
    return reverse("builder:version", args=[version.pk])


def activate(version: Version) -> Version:
    version.activate()
    version.save()
    return version


# The page


def test_the_canvas_shows_the_stages_in_order_with_their_step_cards(as_designer, draft):
    html = as_designer.get(canvas_url(draft)).content.decode()
    assert html.index("Welcome") < html.index("Review") < html.index("Repair")
    assert f'id="stage-{stage(draft, "welcome").pk}"' in html
    assert f'id="step-{step(draft, "kickoff").pk}"' in html
    assert 'aria-label="Interactive step"' in html
    assert 'aria-label="Background step"' in html
    assert "User: Ava Thompson" in html
    assert "Team: Customer Success" in html
    assert "Assignee: record.owner" in html
    assert "Starts when the stage starts" in html
    assert "Starts after Kickoff call" in html
    assert "Starts when record.amount &gt; 10000" in html
    assert "due in 3 days" in html
    assert "due in 4 hours" in html
    assert "Action: <code>send_email</code>" in html


def test_a_stage_header_shows_its_decision_with_loops_and_its_fault_path(as_designer, draft):
    html = as_designer.get(canvas_url(draft)).content.decode()
    review = html[html.index(f'id="stage-{stage(draft, "review").pk}"') :]
    review = review[: review.index("</header>")]
    assert "<strong>Rework</strong>" in review
    assert "steps.check.amount &gt; 5" in review
    assert 'Welcome</span> <span class="loop-tag"' in review
    assert 'otherwise → <span class="route-target">next stage, Repair' in review
    assert "On error → Repair" in review
    repair = html[html.index(f'id="stage-{stage(draft, "repair").pk}"') :]
    assert 'Then → <span class="route-end">end of the run' in repair


def test_the_cards_link_to_their_editors_with_and_without_javascript(as_designer, draft):
    html = as_designer.get(canvas_url(draft)).content.decode()
    kickoff = reverse("builder:step-edit", args=[step(draft, "kickoff").pk])
    welcome = reverse("builder:stage-edit", args=[stage(draft, "welcome").pk])
    assert f'href="{kickoff}"\n       hx-get="{kickoff}" hx-target="#side-panel"' in html
    assert f'href="{welcome}"\n          hx-get="{welcome}" hx-target="#side-panel"' in html
    assert '<aside id="side-panel"' in html


def test_admin_written_names_are_escaped(as_designer, draft):
    kickoff = step(draft, "kickoff")
    kickoff.name = "<script>alert(1)</script>"
    kickoff.save()
    html = as_designer.get(canvas_url(draft)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_draft_has_add_drag_and_delete_controls(as_designer, draft):
    html = as_designer.get(canvas_url(draft)).content.decode()
    assert 'id="add-stage"' in html
    assert f'id="add-step-{stage(draft, "welcome").pk}"' in html
    assert "stage-handle" in html
    assert "step-handle" in html
    assert reverse("builder:step-delete", args=[step(draft, "kickoff").pk]) in html


def test_an_active_version_opens_read_only_with_a_new_draft_button(as_designer, draft):
    activate(draft)
    html = as_designer.get(canvas_url(draft)).content.decode()
    assert "New draft from this version" in html
    assert reverse("builder:version-new-draft", args=[draft.pk]) in html
    assert 'id="add-stage"' not in html
    assert "add-step" not in html
    assert "drag-handle" not in html
    assert "step-delete" not in html
    assert "/delete/" not in html
    assert "data-reorder-url" not in html


# Permissions and read-only versions


def canvas_urls(version: Version) -> list[tuple[str, str]]:
    welcome, kickoff = stage(version, "welcome"), step(version, "kickoff")
    return [
        ("get", reverse("builder:version", args=[version.pk])),
        ("get", reverse("builder:version-problems", args=[version.pk])),
        ("post", reverse("builder:stage-add", args=[version.pk])),
        ("post", reverse("builder:stage-reorder", args=[version.pk])),
        ("post", reverse("builder:stage-delete", args=[welcome.pk])),
        ("post", reverse("builder:step-add", args=[welcome.pk])),
        ("post", reverse("builder:step-reorder", args=[welcome.pk])),
        ("post", reverse("builder:step-delete", args=[kickoff.pk])),
        ("get", reverse("builder:stage-delete", args=[welcome.pk])),
        ("get", reverse("builder:step-delete", args=[kickoff.pk])),
    ]


def test_a_user_without_the_change_permission_gets_403_everywhere_on_the_canvas(client, draft):
    client.force_login(make_user("sam"))
    for method, url in canvas_urls(draft):
        assert getattr(client, method)(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_log_in(client, draft):
    for method, url in canvas_urls(draft):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"]


@pytest.mark.parametrize("htmx", [False, True])
def test_edits_of_an_active_version_are_refused_with_409_and_change_nothing(
    as_designer, draft, htmx
):
    activate(draft)
    welcome, review = stage(draft, "welcome"), stage(draft, "review")
    kickoff, packet = step(draft, "kickoff"), step(draft, "packet")
    headers = HTMX if htmx else {}
    edits = [
        ("stage-add", draft.pk, {"name": "Extra"}),
        ("stage-reorder", draft.pk, {"stages": f"{review.pk},{welcome.pk}"}),
        ("stage-reorder", draft.pk, {"move": welcome.pk, "to": "right"}),
        ("stage-delete", stage(draft, "repair").pk, {}),
        ("step-add", welcome.pk, {"name": "Extra", "kind": "interactive"}),
        ("step-reorder", welcome.pk, {"steps": f"{packet.pk},{kickoff.pk}"}),
        ("step-reorder", review.pk, {"move": kickoff.pk, "to": "here"}),
        ("step-delete", step(draft, "mail").pk, {}),
    ]
    before = (stage_keys(draft), step_keys(welcome), step_keys(review))
    for name, pk, data in edits:
        url = reverse(f"builder:{name}", args=[pk])
        response = as_designer.post(url, data, **headers)
        assert response.status_code == 409, url
        assert "cannot be changed" in response.content.decode()
    assert (stage_keys(draft), step_keys(welcome), step_keys(review)) == before


def test_the_confirmation_pages_of_an_active_version_say_it_is_read_only(as_designer, draft):
    activate(draft)
    response = as_designer.get(reverse("builder:step-delete", args=[step(draft, "kickoff").pk]))
    assert "cannot be changed" in response.content.decode()
    assert 'action="/builder/steps/' not in response.content.decode()


# Adding stages and steps


def test_adding_a_stage_with_htmx_appends_its_column_and_signals_the_change(as_designer, draft):
    response = as_designer.post(
        reverse("builder:stage-add", args=[draft.pk]), {"name": "Go-Live!"}, **HTMX
    )
    new = stage(draft, "go_live")
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        response["HX-Trigger"] == '{"definition-changed": {}}'
        or "definition-changed" in (response["HX-Trigger"])
    )
    assert '<div hx-swap-oob="beforeend:#stage-list">' in html
    assert f'id="stage-{new.pk}"' in html
    # The stage before it now leads to it, and the form is empty again.
    assert f'id="stage-{stage(draft, "repair").pk}"' in html
    assert "next stage, Go-Live!" in html
    assert 'id="add-stage"' in html
    assert 'value=""' in html
    assert "<html" not in html
    assert new.name == "Go-Live!"
    assert new.position == 3


def test_adding_a_stage_without_javascript_redirects_to_its_column(as_designer, draft):
    response = as_designer.post(reverse("builder:stage-add", args=[draft.pk]), {"name": "Go-Live"})
    new = stage(draft, "go_live")
    assert response.status_code == 302
    assert response["Location"] == f"{canvas_url(draft)}#stage-{new.pk}"


def test_stage_keys_are_derived_from_names_and_unique(as_designer, draft):
    url = reverse("builder:stage-add", args=[draft.pk])
    for name in ["Review", "Review", "End", "2nd look", "¿?"]:
        as_designer.post(url, {"name": name})
    assert stage_keys(draft)[3:] == ["review_2", "review_3", "end_stage", "stage_2nd_look", "stage"]


def test_a_stage_named_end_gets_a_key_other_than_the_reserved_end(as_designer, draft):
    url = reverse("builder:stage-add", args=[draft.pk])
    for name in ["End", "end!", "The end"]:
        as_designer.post(url, {"name": name}, HTTP_HX_REQUEST="true")

    assert stage_keys(draft)[3:] == ["end_stage", "end_stage_2", "the_end"]
    assert "end" not in stage_keys(draft)


@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_stage_name_is_shown_next_to_the_field_and_kept(as_designer, draft, htmx):
    too_long = "A" * 201
    response = as_designer.post(
        reverse("builder:stage-add", args=[draft.pk]), {"name": too_long}, **(HTMX if htmx else {})
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value has at most 200 characters" in html
    assert f'value="{too_long}"' in html
    assert 'aria-invalid="true"' in html
    assert ("<html" in html) is not htmx
    assert draft.stages.count() == 3


def test_adding_a_step_re_renders_its_stage_and_keys_are_unique_in_the_version(as_designer, draft):
    review = stage(draft, "review")
    response = as_designer.post(
        reverse("builder:step-add", args=[review.pk]),
        {"name": "Kickoff", "kind": "background"},
        **HTMX,
    )
    new = draft.steps.get(name="Kickoff")
    assert new.key == "kickoff_2"  # "kickoff" is taken in Welcome
    assert new.kind == "background"
    assert new.stage == review
    assert step_keys(review) == ["check", "kickoff_2"]
    html = response.content.decode()
    assert f'<section id="stage-{review.pk}"' in html
    assert 'hx-swap-oob="true"' in html
    assert f'id="step-{new.pk}"' in html
    assert "definition-changed" in response["HX-Trigger"]
    assert f"#add-step-{review.pk}-name" in response["HX-Trigger-After-Settle"]


def test_adding_a_step_without_javascript_redirects_to_its_card(as_designer, draft):
    review = stage(draft, "review")
    response = as_designer.post(
        reverse("builder:step-add", args=[review.pk]), {"name": "Sign", "kind": "interactive"}
    )
    new = draft.steps.get(key="sign")
    assert response["Location"] == f"{canvas_url(draft)}#step-{new.pk}"


@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_step_is_refused_with_the_error_in_its_stage_and_the_name_kept(
    as_designer, draft, htmx
):
    review = stage(draft, "review")
    response = as_designer.post(
        reverse("builder:step-add", args=[review.pk]),
        {"name": "Sign off", "kind": "telepathy"},
        **(HTMX if htmx else {}),
    )
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert 'value="Sign off"' in html
    assert f'id="add-step-{review.pk}"' in html
    assert ("<html" in html) is not htmx
    assert step_keys(review) == ["check"]


# Reordering and moving


def test_dropping_a_stage_saves_the_new_order_at_once_and_it_survives_a_reload(as_designer, draft):
    welcome, review, repair = (stage(draft, k) for k in ("welcome", "review", "repair"))
    response = as_designer.post(
        reverse("builder:stage-reorder", args=[draft.pk]),
        {"stages": f"{repair.pk},{welcome.pk},{review.pk}"},
        **HTMX,
    )
    assert response.status_code == 200
    assert stage_keys(draft) == ["repair", "welcome", "review"]
    html = response.content.decode()
    assert '<div id="stage-list"' in html
    assert 'hx-swap-oob="true"' in html
    assert "definition-changed" in response["HX-Trigger"]
    page = as_designer.get(canvas_url(draft)).content.decode()
    assert page.index(f'id="stage-{repair.pk}"') < page.index(f'id="stage-{welcome.pk}"')


def test_stage_ids_may_come_as_repeated_values(as_designer, draft):
    welcome, review, repair = (stage(draft, k) for k in ("welcome", "review", "repair"))
    as_designer.post(
        reverse("builder:stage-reorder", args=[draft.pk]),
        {"stages": [review.pk, welcome.pk, repair.pk]},
    )
    assert stage_keys(draft) == ["review", "welcome", "repair"]


def test_a_reorder_naming_a_stage_of_another_version_is_refused(as_designer, draft):
    other = VersionBuilder("other").stage("elsewhere")
    response = as_designer.post(
        reverse("builder:stage-reorder", args=[draft.pk]),
        {"stages": f"{other.pk},{stage(draft, 'welcome').pk}"},
    )
    assert response.status_code == 400
    assert stage_keys(draft) == ["welcome", "review", "repair"]


def test_move_left_and_right_buttons_reorder_stages_without_dragging(as_designer, draft):
    url = reverse("builder:stage-reorder", args=[draft.pk])
    review = stage(draft, "review")
    response = as_designer.post(url, {"move": review.pk, "to": "left"}, **HTMX)
    assert stage_keys(draft) == ["review", "welcome", "repair"]
    # Now first, its "left" button is hidden: the page focuses the first shown of these.
    focus = json.loads(response["HX-Trigger-After-Settle"])["canvas-focus"]["selector"]
    card = f"#stage-{review.pk}"
    assert focus == f"{card} .move-left, {card} .move-right, {card} h2 a"
    as_designer.post(url, {"move": review.pk, "to": "left"})  # already first: nothing moves
    assert stage_keys(draft) == ["review", "welcome", "repair"]
    response = as_designer.post(url, {"move": review.pk, "to": "right"})
    assert response["Location"] == f"{canvas_url(draft)}#stage-{review.pk}"
    assert stage_keys(draft) == ["welcome", "review", "repair"]


def test_dropping_a_step_within_its_stage_saves_the_order(as_designer, draft):
    welcome = stage(draft, "welcome")
    kickoff, packet, mail = (step(draft, k) for k in ("kickoff", "packet", "mail"))
    response = as_designer.post(
        reverse("builder:step-reorder", args=[welcome.pk]),
        {"steps": f"{mail.pk},{kickoff.pk},{packet.pk}"},
        **HTMX,
    )
    assert step_keys(welcome) == ["mail", "kickoff", "packet"]
    assert f'<section id="stage-{welcome.pk}"' in response.content.decode()
    page = as_designer.get(canvas_url(draft)).content.decode()
    assert page.index(f'id="step-{mail.pk}"') < page.index(f'id="step-{kickoff.pk}"')


def test_dropping_a_step_in_another_stage_moves_it_there(as_designer, draft):
    welcome, review = stage(draft, "welcome"), stage(draft, "review")
    mail, check = step(draft, "mail"), step(draft, "check")
    response = as_designer.post(
        reverse("builder:step-reorder", args=[review.pk]),
        {"steps": f"{check.pk},{mail.pk}"},
        **HTMX,
    )
    assert step_keys(review) == ["check", "mail"]
    assert step_keys(welcome) == ["kickoff", "packet"]
    html = response.content.decode()
    # Both columns change: the one it left and the one it joined.
    assert f'<section id="stage-{review.pk}"' in html
    assert f'<section id="stage-{welcome.pk}"' in html
    page = as_designer.get(canvas_url(draft)).content.decode()
    review_column = page[page.index(f'id="stage-{review.pk}"') :]
    assert f'id="step-{mail.pk}"' in review_column


def test_up_and_down_buttons_reorder_steps_without_dragging(as_designer, draft):
    welcome = stage(draft, "welcome")
    url = reverse("builder:step-reorder", args=[welcome.pk])
    mail = step(draft, "mail")
    response = as_designer.post(url, {"move": mail.pk, "to": "up"}, **HTMX)
    assert step_keys(welcome) == ["kickoff", "mail", "packet"]
    focus = json.loads(response["HX-Trigger-After-Settle"])["canvas-focus"]["selector"]
    card = f"#step-{mail.pk}"
    assert focus == f"{card} .move-up, {card} .move-down, {card} .step-name"
    as_designer.post(url, {"move": mail.pk, "to": "down"})
    as_designer.post(url, {"move": mail.pk, "to": "down"})  # already last
    assert step_keys(welcome) == ["kickoff", "packet", "mail"]


def test_move_to_stage_offers_every_other_stage_and_moves_the_step_to_its_end(as_designer, draft):
    welcome, repair = stage(draft, "welcome"), stage(draft, "repair")
    kickoff = step(draft, "kickoff")
    url = reverse("builder:step-reorder", args=[welcome.pk]) + f"?step={kickoff.pk}"
    panel = as_designer.get(url, **HTMX).content.decode()
    assert "<html" not in panel
    assert "Welcome (now here)" in panel
    assert reverse("builder:step-reorder", args=[repair.pk]) in panel
    page = as_designer.get(url).content.decode()
    assert "<html" in page
    assert "Move “Kickoff call”" in page

    response = as_designer.post(
        reverse("builder:step-reorder", args=[repair.pk]),
        {"move": kickoff.pk, "to": "here"},
        **HTMX,
    )
    assert step_keys(repair) == ["fix", "kickoff"]
    assert step_keys(welcome) == ["packet", "mail"]
    html = response.content.decode()
    assert f'<section id="stage-{welcome.pk}"' in html
    assert f'<section id="stage-{repair.pk}"' in html
    assert '<aside id="side-panel"' in html  # emptied: the move is done


def test_a_step_reorder_without_a_known_step_is_refused(as_designer, draft):
    welcome = stage(draft, "welcome")
    url = reverse("builder:step-reorder", args=[welcome.pk])
    assert as_designer.post(url, {"steps": "999999"}).status_code == 400
    assert as_designer.post(url, {"steps": "abc"}).status_code == 400
    assert as_designer.post(url, {}).status_code == 400
    assert step_keys(welcome) == ["kickoff", "packet", "mail"]


# Deleting


def test_deleting_a_step_asks_first_without_javascript(as_designer, draft):
    mail = step(draft, "mail")
    url = reverse("builder:step-delete", args=[mail.pk])
    page = as_designer.get(url).content.decode()
    assert "<html" in page
    assert "Delete the step “Mail”?" in page
    assert f'action="{url}"' in page
    assert "<html" not in as_designer.get(url, **HTMX).content.decode()
    assert draft.steps.filter(pk=mail.pk).exists()


def test_deleting_a_step_removes_it_and_re_renders_its_stage(as_designer, draft):
    welcome, mail = stage(draft, "welcome"), step(draft, "mail")
    response = as_designer.post(reverse("builder:step-delete", args=[mail.pk]), **HTMX)
    assert step_keys(welcome) == ["kickoff", "packet"]
    html = response.content.decode()
    assert f'<section id="stage-{welcome.pk}"' in html
    assert f'id="step-{mail.pk}"' not in html
    assert "definition-changed" in response["HX-Trigger"]


def test_deleting_a_step_without_javascript_redirects_with_a_message(as_designer, draft):
    mail = step(draft, "mail")
    response = as_designer.post(reverse("builder:step-delete", args=[mail.pk]), follow=True)
    assert "Step “Mail” deleted." in response.content.decode()


@pytest.mark.parametrize("htmx", [False, True])
def test_a_step_other_steps_wait_for_cannot_be_deleted(as_designer, draft, htmx):
    kickoff = step(draft, "kickoff")
    response = as_designer.post(
        reverse("builder:step-delete", args=[kickoff.pk]), follow=not htmx, **(HTMX if htmx else {})
    )
    assert "“Kickoff call” can&#x27;t be deleted: “Packet” waits for it." in (
        response.content.decode()
    )
    assert draft.steps.filter(pk=kickoff.pk).exists()
    url = reverse("builder:step-delete", args=[kickoff.pk])
    confirmation = as_designer.get(url).content.decode()
    assert "It can't be deleted: “Packet” waits for it." in confirmation
    assert ">Delete</button>" not in confirmation


def test_deleting_a_stage_removes_its_column_and_its_steps(as_designer, draft):
    repair = stage(draft, "repair")
    review = stage(draft, "review")
    review.fault_target = None
    review.save()
    response = as_designer.post(reverse("builder:stage-delete", args=[repair.pk]), **HTMX)
    assert stage_keys(draft) == ["welcome", "review"]
    assert not draft.steps.filter(key="fix").exists()
    html = response.content.decode()
    assert f'<section id="stage-{repair.pk}" hx-swap-oob="delete">' in html
    # The stage before it is now the last one: its run ends after it.
    assert f'<section id="stage-{review.pk}"' in html
    assert "end of the run" in html


def test_a_stage_that_decisions_or_fault_paths_lead_to_cannot_be_deleted(as_designer, draft):
    welcome, repair = stage(draft, "welcome"), stage(draft, "repair")
    response = as_designer.post(reverse("builder:stage-delete", args=[welcome.pk]), **HTMX)
    assert "the decision of “Review” (“Rework”) goes to it" in response.content.decode()
    response = as_designer.post(reverse("builder:stage-delete", args=[repair.pk]), follow=True)
    assert "“Review” sends its errors to it" in response.content.decode()
    review = stage(draft, "review")
    review.default_target = repair
    review.save()
    page = as_designer.get(reverse("builder:stage-delete", args=[repair.pk])).content.decode()
    assert "“Review” goes to it by default" in page
    assert stage_keys(draft) == ["welcome", "review", "repair"]


def test_a_stage_whose_only_loop_is_to_itself_can_be_deleted(as_designer, draft):
    b = VersionBuilder("looping")
    only = b.stage("only")
    b.step(only, "work", group=make_group("Ops"))
    b.outcome(only, "true", only)
    as_designer.post(reverse("builder:stage-delete", args=[only.pk]))
    assert not b.version.stages.exists()


# Queries


def big_version(stages: int, steps: int) -> Version:
    b = VersionBuilder(f"big_{stages}_{steps}")
    form = b.form("f", [field("ok", "yes_no")])
    team, person = make_group("Team"), make_user(f"user_{stages}")
    made = [b.stage(f"s{i}") for i in range(stages)]
    for i, each in enumerate(made):
        first: Step | None = None
        for j in range(steps):
            options: dict[str, Any] = {"group": team} if j % 2 else {"user": person}
            after: list[Step] | None = [first] if first is not None and j % 3 == 2 else None
            created = b.step(each, f"t_{i}_{j}", form=form, after=after,
                             due_in=timedelta(days=1), **options)  # fmt: skip
            first = first or created
        if i:
            b.outcome(each, "steps.t_0_0.ok", made[i - 1], label="back")
    return b.version


def test_the_canvas_costs_the_same_number_of_queries_for_9_or_300_steps(
    as_designer, django_assert_max_num_queries
):
    small, big = big_version(3, 3), big_version(30, 10)
    as_designer.get(canvas_url(small))  # warm the session and permission caches alike
    with django_assert_max_num_queries(14) as small_queries:
        assert as_designer.get(canvas_url(small)).status_code == 200
    with django_assert_max_num_queries(len(small_queries)) as big_queries:
        response = as_designer.get(canvas_url(big))
    assert response.status_code == 200
    assert response.content.decode().count('class="step-card step-') == 300
    assert len(big_queries) == len(small_queries)
