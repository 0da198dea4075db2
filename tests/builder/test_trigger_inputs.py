"""Trigger & inputs: how runs of a version start, and the input variables they ask for."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from orchestrations.definition import export_definition
from orchestrations.models import InputVariable, Version
from orchestrations.versions import version_activate
from tests.factories import VersionBuilder, field, make_group, make_user

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(db):
    b = VersionBuilder("onboarding")
    b.input("csm", label="CSM")
    b.input("tier", "choice", choices=["gold", "silver"], required=True, default="gold")
    stage = b.stage("welcome")
    b.step(stage, "call", group=make_group("Sales"), form=b.form("call", []))
    return b.version


def url(version):
    return reverse("builder:trigger-edit", args=[version.pk])


def trigger_data(**changes):
    data = {
        "trigger_type": "record",
        "trigger_model": "auth.User",
        "trigger_on": "both",
        "trigger_condition": 'record.is_active and changed("email")',
        "max_stage_visits": "5",
    }
    return {k: v for k, v in (data | changes).items() if v is not None}


def spec_data(**changes):
    data = {"label": "Seats", "type": "number", "default": "10"}
    return data | changes


def test_the_page_shows_the_trigger_the_models_to_choose_and_the_inputs(as_designer, draft):
    response = as_designer.get(url(draft))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Description and trigger" in html
    assert '<option value="auth.User">auth.User — user</option>' in html
    assert '<option value="demo.Account">' in html
    assert "auth.Permission" not in html
    assert "orchestrations.Run" not in html
    assert "CSM" in html
    assert "Add an input variable" in html


def test_a_record_trigger_is_saved_with_every_setting(as_designer, draft):
    response = as_designer.post(url(draft), trigger_data(allow_concurrent_runs="on"), **HTMX)

    draft = Version.objects.get(pk=draft.pk)
    assert (draft.trigger_type, draft.trigger_model, draft.trigger_on) == (
        "record",
        "auth.User",
        "both",
    )
    assert draft.trigger_condition == 'record.is_active and changed("email")'
    assert draft.allow_concurrent_runs
    assert draft.max_stage_visits == 5
    assert 'id="trigger-settings"' in response.content.decode()
    assert "<html" not in response.content.decode()
    assert "definition-changed" in json.loads(response["HX-Trigger"])


def test_without_htmx_a_saved_trigger_redirects_to_the_page(as_designer, draft):
    response = as_designer.post(url(draft), trigger_data(trigger_type="manual"))

    assert response.status_code == 302
    assert response["Location"] == url(draft)


def test_the_description_is_edited_with_the_trigger_and_goes_into_the_definition(
    as_designer, draft
):
    about = "From application to disbursement <b>for</b> every loan."
    response = as_designer.post(url(draft), trigger_data(description=about), **HTMX)

    draft = Version.objects.get(pk=draft.pk)
    assert draft.description == about
    html = response.content.decode()
    assert 'for="trigger_description">Description</label>' in html
    assert "disbursement &lt;b&gt;for&lt;/b&gt; every loan.</textarea>" in html
    assert export_definition(draft)["description"] == about


def test_the_start_run_page_describes_the_process_with_the_active_version(as_designer, draft):
    Version.objects.filter(pk=draft.pk).update(description="Loans, start to <i>finish</i>.")
    draft.refresh_from_db()
    version_activate(draft)

    html = as_designer.get(
        reverse("builder:run-start", args=[draft.orchestration_id])
    ).content.decode()

    assert "Loans, start to &lt;i&gt;finish&lt;/i&gt;." in html


def test_a_record_trigger_needs_a_model_and_a_valid_condition(as_designer, draft):
    no_model = as_designer.post(url(draft), trigger_data(trigger_model=""), **HTMX)
    bad = as_designer.post(
        url(draft), trigger_data(trigger_condition="record.emial == 'x'"), **HTMX
    )

    assert "Choose the model whose records start runs." in no_model.content.decode()
    html = bad.content.decode()
    assert "did you mean &#x27;email&#x27;?" in html
    assert "record.emial == &#x27;x&#x27;</textarea>" in html  # kept as typed
    assert Version.objects.get(pk=draft.pk).trigger_type == "manual"


def test_max_stage_visits_is_at_least_one(as_designer, draft):
    response = as_designer.post(url(draft), trigger_data(max_stage_visits="0"), **HTMX)

    assert "greater than or equal to 1" in response.content.decode()


def test_the_trigger_condition_is_checked_live_with_the_record_scope(as_designer, draft):
    html = as_designer.get(url(draft)).content.decode()

    assert 'hx-post="{}"'.format(reverse("builder:condition-check", args=[draft.pk])) in html
    assert "&quot;check_setting&quot;: &quot;trigger&quot;" in html


def test_record_triggers_warn_about_required_inputs_without_default(as_designer, draft):
    InputVariable.objects.filter(version=draft, key="tier").update(default=None)
    Version.objects.filter(pk=draft.pk).update(trigger_type="record", trigger_model="auth.User")

    html = as_designer.get(url(draft)).content.decode()

    assert "start without anyone to give “tier”" in html


def test_an_input_is_added_with_a_key_from_its_label(as_designer, draft):
    response = as_designer.post(reverse("builder:input-add", args=[draft.pk]), spec_data(), **HTMX)

    seats = InputVariable.objects.get(version=draft, key="seats")
    assert (seats.type, seats.default, seats.position) == ("number", 10, 2)
    assert f'id="input-list-{draft.pk}" class="spec-list" hx-swap-oob="true"' in (
        response.content.decode()
    )
    assert "definition-changed" in json.loads(response["HX-Trigger"])


def test_an_invalid_input_keeps_what_was_typed(as_designer, draft):
    response = as_designer.post(
        reverse("builder:input-add", args=[draft.pk]),
        spec_data(label="Typed", key="csm", default="many"),
        **HTMX,
    )

    html = response.content.decode()
    assert "already used by the input" in html
    assert "Enter a whole number" in html
    assert 'value="Typed"' in html
    assert draft.inputs.count() == 2


def test_an_input_is_edited_moved_and_removed(as_designer, draft):
    csm = InputVariable.objects.get(version=draft, key="csm")
    edit_url = reverse("builder:input-edit", args=[csm.pk])

    opened = as_designer.get(edit_url, **HTMX)
    as_designer.post(
        edit_url, spec_data(label="Success manager", key="csm", type="text", default=""), **HTMX
    )
    as_designer.post(edit_url, {"move": str(csm.pk), "to": "down"}, **HTMX)
    order = list(draft.inputs.values_list("key", flat=True))
    removed = as_designer.post(reverse("builder:input-delete", args=[csm.pk]), **HTMX)

    assert 'name="label"' in opened.content.decode()
    assert order == ["tier", "csm"]
    assert not InputVariable.objects.filter(pk=csm.pk).exists()
    assert "Success manager" not in removed.content.decode()
    assert "Tier" in removed.content.decode() or "tier" in removed.content.decode()


def test_removing_an_input_asks_first_without_javascript(as_designer, draft):
    csm = InputVariable.objects.get(version=draft, key="csm")

    response = as_designer.get(reverse("builder:input-delete", args=[csm.pk]))

    assert "Delete the input variable “CSM”?" in response.content.decode()
    assert InputVariable.objects.filter(pk=csm.pk).exists()


def test_a_user_without_the_permission_gets_403(draft):
    outsider = Client()
    outsider.force_login(make_user("olly"))
    csm = InputVariable.objects.get(version=draft, key="csm")

    assert outsider.get(url(draft)).status_code == 403
    assert outsider.post(url(draft), trigger_data()).status_code == 403
    assert (
        outsider.post(reverse("builder:input-add", args=[draft.pk]), spec_data()).status_code == 403
    )
    assert outsider.get(reverse("builder:input-edit", args=[csm.pk])).status_code == 403
    assert Version.objects.get(pk=draft.pk).trigger_type == "manual"


def test_an_active_version_is_read_only_and_refuses_changes(as_designer, draft):
    draft.activate()
    draft.save()
    csm = InputVariable.objects.get(version=draft, key="csm")

    page = as_designer.get(url(draft)).content.decode()
    refused = [
        as_designer.post(url(draft), trigger_data(), **HTMX),
        as_designer.post(reverse("builder:input-add", args=[draft.pk]), spec_data(), **HTMX),
        as_designer.post(reverse("builder:input-edit", args=[csm.pk]), spec_data(key="csm")),
        as_designer.post(
            reverse("builder:input-edit", args=[csm.pk]), {"move": csm.pk, "to": "down"}
        ),
        as_designer.post(reverse("builder:input-delete", args=[csm.pk])),
    ]

    assert '<fieldset class="editor-body" disabled>' in page
    assert "Save</button>" not in page
    assert [r.status_code for r in refused] == [409] * 5
    assert Version.objects.get(pk=draft.pk).trigger_type == "manual"
    assert list(draft.inputs.values_list("key", "label")) == [("csm", "CSM"), ("tier", "tier")]


def test_the_process_can_be_renamed_whatever_the_state_of_its_versions(as_designer, client):
    b = VersionBuilder("vendor_onboarding")
    b.step(b.stage("review"), "check", form=b.form("f", [field("ok")]), group=make_group("Ops"))
    version = b.activate()
    url = reverse("builder:orchestration-rename", args=[version.pk])

    response = as_designer.post(url, {"name": ""})
    assert "This field is required." in response.content.decode()
    response = as_designer.post(url, {"name": "Supplier onboarding"})
    assert response.status_code == 302
    version.orchestration.refresh_from_db()
    assert (version.orchestration.name, version.orchestration.key) == (
        "Supplier onboarding",
        "vendor_onboarding",
    )
    assert "Supplier onboarding" in as_designer.get(response.url).content.decode()

    outsider = make_user("olga")
    client.force_login(outsider)
    assert client.post(url, {"name": "Mine now"}).status_code == 403


# --- The run's label and a manual start's record model --------------------------------------


def test_a_manual_trigger_may_name_a_record_model_and_a_label_that_reads_it(as_designer, draft):
    data = trigger_data(
        trigger_type="manual", trigger_model="demo.LoanApplication", record_create="on",
        label_template="{{ record.applicant_name }} ({{ vars.tier }})",
    )  # fmt: skip

    response = as_designer.post(url(draft), data, **HTMX)

    assert "Saved ✓" in response.content.decode()
    exported = export_definition(Version.objects.get(pk=draft.pk))
    assert exported["trigger"] == {
        "type": "manual", "model": "demo.LoanApplication", "create": True
    }  # fmt: skip
    assert exported["label"] == "{{ record.applicant_name }} ({{ vars.tier }})"


def test_a_label_that_reads_the_record_without_a_record_model_is_an_error(as_designer, draft):
    data = trigger_data(trigger_type="manual", trigger_model="", label_template="{{ record.name }}")

    response = as_designer.post(url(draft), data, **HTMX)

    html = response.content.decode()
    assert "Not saved" in html
    assert "&#x27;record&#x27; has no value here: the orchestration has no record model" in html
    assert Version.objects.get(pk=draft.pk).label_template == ""


def test_a_label_reads_no_steps_and_only_known_names(as_designer, draft):
    data = trigger_data(label_template="{{ steps.call.x }} {{ vars.tie }}")

    html = as_designer.post(url(draft), data, **HTMX).content.decode()

    assert "the label is made when the run starts, before any step has run" in html
    as_designer.post(url(draft), trigger_data(label_template="{{ vars.tie }}"), **HTMX)
    assert Version.objects.get(pk=draft.pk).label_template == ""


def test_the_label_is_checked_live_with_the_label_scope(as_designer, draft):
    check = reverse("builder:condition-check", args=[draft.pk])
    html = as_designer.get(url(draft)).content.decode()
    assert "&quot;check_setting&quot;: &quot;label&quot;" in html

    answer = as_designer.post(check, {
        "check_kind": "template", "check_setting": "label", "check_field": "label_template",
        "label_template": "Onboarding {{ record.email }}", "trigger_type": "manual",
        "trigger_model": "",
    }).content.decode()  # fmt: skip
    with_model = as_designer.post(check, {
        "check_kind": "template", "check_setting": "label", "check_field": "label_template",
        "label_template": "Onboarding {{ record.email }}", "trigger_type": "manual",
        "trigger_model": "auth.User",
    }).content.decode()  # fmt: skip

    assert "the orchestration has no record model" in answer
    assert "ok" in with_model
    assert "record model" not in with_model


def test_a_number_input_takes_a_range_and_refuses_one_upside_down(as_designer, draft):
    add = reverse("builder:input-add", args=[draft.pk])

    as_designer.post(add, spec_data(min_value="1", max_value="500"), **HTMX)
    upside_down = as_designer.post(
        add, spec_data(label="Rooms", min_value="9", max_value="2"), **HTMX
    )
    fractional = as_designer.post(add, spec_data(label="Beds", min_value="1.5"), **HTMX)
    outside = as_designer.post(
        add, spec_data(label="Desks", default="600", max_value="500"), **HTMX
    )

    seats = InputVariable.objects.get(version=draft, key="seats")
    assert (seats.min_value, seats.max_value) == (1, 500)
    assert export_definition(draft)["inputs"][-1]["min"] == 1
    assert "The largest value is below the smallest." in upside_down.content.decode()
    assert "A whole-number field&#x27;s range is whole numbers." in fractional.content.decode()
    assert "less than or equal to 500" in outside.content.decode()
    assert not InputVariable.objects.filter(key__in=["rooms", "beds", "desks"]).exists()


def test_a_person_input_is_offered_for_inputs_not_for_form_fields(as_designer, draft):
    html = as_designer.get(url(draft)).content.decode()
    form = draft.forms.get(key="call")
    fields = as_designer.get(reverse("builder:form-edit", args=[form.pk])).content.decode()

    assert '<option value="person">Person</option>' in html
    assert '<option value="person">' not in fields


def test_only_a_manual_trigger_with_a_model_creates_records(as_designer, draft):
    as_designer.post(url(draft), trigger_data(record_create="on"), **HTMX)
    assert not Version.objects.get(pk=draft.pk).record_create  # a record trigger

    as_designer.post(
        url(draft),
        trigger_data(trigger_type="manual", trigger_model="", record_create="on"),
        **HTMX,
    )
    assert not Version.objects.get(pk=draft.pk).record_create  # no model
