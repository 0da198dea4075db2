"""The form designer: forms of a version, their fields, and the live preview."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from orchestrations.models import Form, FormField
from tests.factories import VersionBuilder, field, make_group, make_user

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(db):
    b = VersionBuilder("onboarding")
    kickoff = b.form(
        "kickoff",
        [field("notes", required=True), field("attendees", "number", default=2)],
    )
    b.form("spare", [])
    stage = b.stage("welcome")
    b.step(stage, "call", name="Kickoff call", form=kickoff, group=make_group("Sales"))
    return b.version


def kickoff(draft):
    return Form.objects.get(version=draft, key="kickoff")


def spec_data(**changes):
    data = {
        "label": "Start date",
        "key": "",
        "type": "date",
        "required": "",
        "choices": "",
        "help_text": "",
        "default": "",
    }
    return {k: v for k, v in (data | changes).items() if v != ""}


def activate(draft):
    draft.activate()
    draft.save()


# The list of forms


def test_the_forms_page_lists_forms_with_field_counts_and_the_steps_using_them(as_designer, draft):
    response = as_designer.get(reverse("builder:form-list", args=[draft.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Kickoff" in html
    assert "Kickoff call" in html  # the step that uses it
    assert "<td>2</td>" in html  # kickoff's fields
    assert "No step yet" in html  # spare
    assert "Create form" in html


def test_a_new_form_gets_a_key_from_its_name_and_opens(as_designer, draft):
    response = as_designer.post(
        reverse("builder:form-add", args=[draft.pk]), {"name": "Final review"}
    )

    created = Form.objects.get(version=draft, key="final_review")
    assert response.status_code == 302
    assert response["Location"] == reverse("builder:form-edit", args=[created.pk])


def test_a_form_key_must_be_unique_in_the_version(as_designer, draft):
    response = as_designer.post(
        reverse("builder:form-add", args=[draft.pk]), {"name": "Again", "key": "kickoff"}
    )

    html = response.content.decode()
    assert "already used by the form" in html
    assert 'value="Again"' in html
    assert Form.objects.filter(version=draft).count() == 2


def test_renaming_a_form_answers_its_settings_and_the_events(as_designer, draft):
    form = kickoff(draft)

    response = as_designer.post(
        reverse("builder:form-edit", args=[form.pk]), {"name": "Kick-off", "key": "kickoff"}, **HTMX
    )

    form.refresh_from_db()
    assert form.name == "Kick-off"
    assert f'id="form-settings-{form.pk}"' in response.content.decode()
    assert "<html" not in response.content.decode()
    events = json.loads(response["HX-Trigger"])
    assert {"form-changed", "definition-changed"} <= events.keys()


def test_a_form_used_by_a_step_cannot_be_deleted_and_says_by_which(as_designer, draft):
    form = kickoff(draft)
    url = reverse("builder:form-delete", args=[form.pk])

    asked = as_designer.get(url)
    response = as_designer.post(url, follow=True)

    assert "Kickoff call" in asked.content.decode()
    assert "can't be deleted" in asked.content.decode()
    assert "is used by “Kickoff call”" in response.content.decode()
    assert Form.objects.filter(pk=form.pk).exists()


def test_an_unused_form_is_deleted_after_asking(as_designer, draft):
    spare = Form.objects.get(version=draft, key="spare")
    url = reverse("builder:form-delete", args=[spare.pk])

    asked = as_designer.get(url)
    response = as_designer.post(url)

    assert "Delete the form “Spare”?" in asked.content.decode()
    assert response.status_code == 302
    assert not Form.objects.filter(pk=spare.pk).exists()


# The fields of one form


def test_the_form_page_lists_fields_in_order_with_a_preview_as_the_inbox_shows_it(
    as_designer, draft
):
    response = as_designer.get(reverse("builder:form-edit", args=[kickoff(draft).pk]))

    html = response.content.decode()
    assert html.index("field-list") < html.index("Notes") < html.index("Attendees")
    assert "Preview" in html
    assert 'id="preview_notes"' in html
    assert 'type="number" name="attendees" value="2"' in html  # the default, as in the inbox
    assert "wi-field" in html  # the inbox's field template
    assert "Sortable.min.js" in html


def test_adding_a_field_answers_a_fresh_add_form_the_list_and_the_events(as_designer, draft):
    form = kickoff(draft)

    response = as_designer.post(
        reverse("builder:field-add", args=[form.pk]),
        spec_data(label="Start date", default="2030-01-31", help_text="When we begin"),
        **HTMX,
    )

    html = response.content.decode()
    added = FormField.objects.get(form=form, key="start_date")
    assert added.position == 2
    assert added.default == "2030-01-31"
    assert "Added “Start date”" in html
    assert f'id="field-list-{form.pk}" class="spec-list" hx-swap-oob="true"' in html
    assert "form-changed" in json.loads(response["HX-Trigger"])


def test_a_choice_field_takes_one_choice_per_line_and_a_default_among_them(as_designer, draft):
    form = kickoff(draft)

    as_designer.post(
        reverse("builder:field-add", args=[form.pk]),
        spec_data(label="Tier", type="choice", choices="gold\nsilver\n\n", default="silver"),
        **HTMX,
    )
    as_designer.post(
        reverse("builder:field-add", args=[form.pk]),
        spec_data(
            label="Modules", type="multi_choice", choices="crm\nbilling", default="crm, billing"
        ),
        **HTMX,
    )
    as_designer.post(
        reverse("builder:field-add", args=[form.pk]),
        spec_data(label="Approved", type="yes_no", default="yes"),
        **HTMX,
    )

    tier = FormField.objects.get(form=form, key="tier")
    assert (tier.choices, tier.default) == (["gold", "silver"], "silver")
    assert FormField.objects.get(form=form, key="modules").default == ["crm", "billing"]
    assert FormField.objects.get(form=form, key="approved").default is True


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"key": "Bad Key"}, "Use lower-case letters"),
        ({"key": "notes"}, "already used by the field"),
        ({"type": "choice"}, "needs at least one choice"),
        ({"type": "choice", "choices": "a\nb\na"}, "appears twice"),
        ({"type": "choice", "choices": "a\nb", "default": "c"}, "The choices are: a, b."),
        ({"type": "number", "default": "ten"}, "Enter a whole number"),
        ({"type": "date", "default": "31/31/2030"}, "Enter a valid date"),
        ({"type": "yes_no", "default": "maybe"}, "Write yes or no"),
    ],
)
def test_invalid_fields_are_refused_with_the_reason_next_to_the_field(
    as_designer, draft, changes, message
):
    form = kickoff(draft)

    response = as_designer.post(
        reverse("builder:field-add", args=[form.pk]),
        spec_data(label="Typed label", **changes),
        **HTMX,
    )

    html = response.content.decode()
    assert message in html
    assert 'value="Typed label"' in html
    assert 'aria-invalid="true"' in html
    assert "HX-Trigger" not in response
    assert form.fields.count() == 2


def test_without_htmx_an_invalid_field_shows_the_page_with_the_errors(as_designer, draft):
    form = kickoff(draft)

    response = as_designer.post(
        reverse("builder:field-add", args=[form.pk]), spec_data(label="X", key="notes")
    )

    html = response.content.decode()
    assert "<html" in html
    assert "already used by the field" in html


def test_a_field_is_edited_in_place(as_designer, draft):
    notes = FormField.objects.get(form=kickoff(draft), key="notes")
    url = reverse("builder:field-edit", args=[notes.pk])

    opened = as_designer.get(url, **HTMX)
    saved = as_designer.post(
        url, spec_data(label="Meeting notes", key="notes", type="long_text"), **HTMX
    )
    cancel = as_designer.get(url + "?cancel=1", **HTMX)

    assert 'value="notes"' in opened.content.decode()
    assert f'id="field-{notes.pk}"' in opened.content.decode()
    notes.refresh_from_db()
    assert (notes.label, notes.type, notes.required) == ("Meeting notes", "long_text", False)
    assert "Saved" in saved.content.decode()
    assert "form-changed" in json.loads(saved["HX-Trigger"])
    assert "Meeting notes" in cancel.content.decode()
    assert "<form" in cancel.content.decode()  # the row's move buttons, not the editor
    assert 'name="label"' not in cancel.content.decode()


def test_without_htmx_the_edit_link_opens_the_page_with_the_field_in_edit_mode(as_designer, draft):
    notes = FormField.objects.get(form=kickoff(draft), key="notes")

    response = as_designer.get(reverse("builder:field-edit", args=[notes.pk]))

    html = response.content.decode()
    assert "<html" in html
    assert "Edit “Notes”" in html


def test_fields_are_reordered_by_drag_and_by_buttons(as_designer, draft):
    form = kickoff(draft)
    notes, attendees = form.fields.all()
    url = reverse("builder:field-reorder", args=[form.pk])

    dragged = as_designer.post(url, {"order": f"{attendees.pk},{notes.pk}"}, **HTMX)
    after_drag = list(form.fields.values_list("key", flat=True))
    as_designer.post(url, {"move": str(attendees.pk), "to": "down"}, **HTMX)

    assert after_drag == ["attendees", "notes"]
    assert list(form.fields.values_list("key", flat=True)) == ["notes", "attendees"]
    assert f'id="field-list-{form.pk}"' in dragged.content.decode()
    assert "definition-changed" in json.loads(dragged["HX-Trigger"])


def test_reordering_refuses_fields_of_another_form(as_designer, draft):
    form = kickoff(draft)
    other = FormField.objects.create(form=Form.objects.get(key="spare"), key="x", label="X")

    response = as_designer.post(
        reverse("builder:field-reorder", args=[form.pk]), {"order": f"{other.pk}"}, **HTMX
    )

    assert response.status_code == 400


def test_a_field_is_removed_after_asking(as_designer, draft):
    notes = FormField.objects.get(form=kickoff(draft), key="notes")
    url = reverse("builder:field-delete", args=[notes.pk])

    asked = as_designer.get(url)
    response = as_designer.post(url, **HTMX)

    assert "Delete the field “Notes”" in asked.content.decode()
    assert not FormField.objects.filter(pk=notes.pk).exists()
    assert "Attendees" in response.content.decode()


def test_the_preview_fragment_renders_the_fields(as_designer, draft):
    response = as_designer.get(reverse("builder:form-preview", args=[kickoff(draft).pk]), **HTMX)

    html = response.content.decode()
    assert "<html" not in html
    assert 'name="notes"' in html
    assert "wi-required" in html


def test_admin_text_is_escaped_in_the_designer_and_preview(as_designer, draft):
    form = kickoff(draft)
    FormField.objects.create(
        form=form,
        key="evil",
        label="<script>alert(1)</script>",
        help_text="<b>bold</b>",
        position=5,
    )

    page = as_designer.get(reverse("builder:form-edit", args=[form.pk])).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page


def test_a_user_without_the_permission_gets_403_everywhere(draft):
    outsider = Client()
    outsider.force_login(make_user("olly"))
    form = kickoff(draft)
    notes = form.fields.first()

    for url in (
        reverse("builder:form-list", args=[draft.pk]),
        reverse("builder:form-edit", args=[form.pk]),
        reverse("builder:form-preview", args=[form.pk]),
        reverse("builder:field-edit", args=[notes.pk]),
        reverse("builder:form-delete", args=[form.pk]),
    ):
        assert outsider.get(url).status_code == 403, url
    response = outsider.post(reverse("builder:field-add", args=[form.pk]), spec_data())
    assert response.status_code == 403
    assert form.fields.count() == 2


def test_an_active_version_shows_forms_read_only_and_refuses_every_change(as_designer, draft):
    activate(draft)
    form = kickoff(draft)
    notes = form.fields.get(key="notes")
    spare = Form.objects.get(key="spare")

    page = as_designer.get(reverse("builder:form-edit", args=[form.pk])).content.decode()
    refused = [
        as_designer.post(reverse("builder:form-add", args=[draft.pk]), {"name": "New"}),
        as_designer.post(reverse("builder:form-edit", args=[form.pk]), {"name": "X", "key": "x"}),
        as_designer.post(reverse("builder:form-delete", args=[spare.pk])),
        as_designer.post(reverse("builder:field-add", args=[form.pk]), spec_data(), **HTMX),
        as_designer.post(
            reverse("builder:field-edit", args=[notes.pk]), spec_data(label="X", key="notes")
        ),
        as_designer.post(reverse("builder:field-delete", args=[notes.pk]), **HTMX),
        as_designer.post(
            reverse("builder:field-reorder", args=[form.pk]), {"move": notes.pk, "to": "down"}
        ),
    ]

    assert "Add a field" not in page
    assert "cannot be changed" in page
    assert [r.status_code for r in refused] == [409] * len(refused)
    assert Form.objects.filter(version=draft).count() == 2
    assert list(form.fields.values_list("key", "label")) == [
        ("notes", "Notes"),
        ("attendees", "Attendees"),
    ]
