"""Export a version as a JSON file and import one in the browser: a new orchestration,
the next draft of a known one, or a copy; errors that name the JSON path; nothing typed
is lost."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from playwright.sync_api import expect

from orchestrations.definition import export_definition, import_definition
from orchestrations.models import Orchestration, Version
from orchestrations.versions import version_activate
from tests.factories import make_user
from tests.orchestrations.definitions import make_people, rich_definition, small_definition
from tests.orchestrations.hostile import CASES, Case

pytestmark = pytest.mark.django_db

IMPORT = reverse("builder:orchestration-import")


@pytest.fixture
def rich(designer) -> Version:
    """The active version of a definition that uses every feature of the format."""
    make_people()
    return version_activate(import_definition(rich_definition()), by=designer)


def upload(data: object, name: str = "process.json", content_type: str = "application/json"):
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, body, content_type=content_type)


def test_export_downloads_the_definition_as_an_indented_json_file(as_designer, rich) -> None:
    response = as_designer.get(reverse("builder:version-export", args=[rich.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="customer_onboarding-v1.json"'
    text = response.content.decode()
    assert text.startswith('{\n  "format": 1,\n  "key": "customer_onboarding",')
    assert json.loads(text) == export_definition(rich)


def test_an_export_imported_as_a_new_orchestration_has_an_identical_definition(
    as_designer, designer, rich
) -> None:
    exported = as_designer.get(reverse("builder:version-export", args=[rich.pk])).content

    response = as_designer.post(
        IMPORT,
        {
            "file": upload(exported, "customer_onboarding-v1.json"),
            "as_copy": "on",
            "new_key": "onboarding_copy",
            "new_name": "Onboarding (copy)",
        },
    )

    copy = Orchestration.objects.get(key="onboarding_copy")
    draft = copy.versions.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("builder:version", args=[draft.pk])
    assert (copy.name, draft.number, draft.status, draft.created_by) == (
        "Onboarding (copy)", 1, "draft", designer
    )  # fmt: skip
    original, imported = export_definition(rich), export_definition(draft)
    assert {**imported, "key": original["key"], "name": original["name"]} == original
    assert rich.orchestration.versions.count() == 1


def test_a_known_key_becomes_the_next_draft_and_the_message_says_so(as_designer, rich) -> None:
    exported = export_definition(rich)

    response = as_designer.post(IMPORT, {"text": json.dumps(exported)}, follow=True)

    v2 = rich.orchestration.versions.get(number=2)
    assert v2.status == "draft"
    assert response.redirect_chain[-1][0] == reverse("builder:version", args=[v2.pk])
    assert "Imported as draft v2 of “Customer onboarding”." in response.content.decode()


def test_a_new_key_creates_an_orchestration_and_the_message_says_so(as_designer) -> None:
    make_people()

    response = as_designer.post(IMPORT, {"text": json.dumps(small_definition())}, follow=True)

    small = Orchestration.objects.get(key="small")
    assert small.versions.get().number == 1
    assert "Imported “Small” as a new orchestration: draft v1." in response.content.decode()


def test_checking_says_where_the_import_would_go_and_imports_nothing(as_designer, rich) -> None:
    response = as_designer.post(
        IMPORT, {"text": json.dumps(export_definition(rich)), "action": "check"}
    )

    html = response.content.decode()
    assert "This will add <strong>draft v2</strong>" in html
    assert "No problems found." in html
    assert rich.orchestration.versions.count() == 1
    assert "&quot;customer_onboarding&quot;" in html  # the text stays in the box


def test_import_errors_name_the_json_path_and_import_nothing(as_designer) -> None:
    make_people()
    data = small_definition()
    data["stages"][0]["steps"][0]["form"] = "missing"
    data["stages"][0]["steps"][0]["assignee"] = {"group": "<script>alert(1)</script>"}

    response = as_designer.post(IMPORT, {"text": json.dumps(data)})

    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert '<code class="problem-path">$.stages[0].steps[0].form</code>' in html
    assert '<code class="problem-path">$.stages[0].steps[0].assignee.group</code>' in html
    assert "<script>alert(1)</script>" not in html
    assert not Orchestration.objects.filter(key="small").exists()
    assert "&quot;missing&quot;" in html  # what was pasted is still there


def test_json_that_is_not_an_object_is_refused_at_its_root(as_designer) -> None:
    response = as_designer.post(IMPORT, {"text": "[1, 2]"})

    html = response.content.decode()
    assert response.status_code == 422
    assert '<code class="problem-path">$</code>' in html
    assert "This would create" not in html


def test_invalid_json_is_reported_with_its_line_and_column_and_the_text_stays(as_designer) -> None:
    text = '{\n  "format": 1,\n  "key": "x"\n  "name": "X"\n}'

    response = as_designer.post(IMPORT, {"text": text})

    assert response.status_code == 422
    html = response.content.decode()
    assert "This is not valid JSON: Expecting &#x27;,&#x27; delimiter at line 4, column 3." in html
    assert "  &quot;name&quot;: &quot;X&quot;\n  ^</code></pre>" in html
    assert "&quot;key&quot;: &quot;x&quot;\n  &quot;name&quot;" in html
    assert Orchestration.objects.count() == 0


def test_an_uploaded_file_with_an_error_lands_in_the_box_to_be_fixed(as_designer) -> None:
    response = as_designer.post(IMPORT, {"file": upload(b'{"format": 1,}', "broken.json")})

    html = response.content.decode()
    assert "This is not valid JSON" in html
    assert "{&quot;format&quot;: 1,}</textarea>" in html
    assert "The text of “broken.json” is in this box now" in html


@pytest.mark.parametrize(
    ("name", "content_type", "body", "error"),
    [
        ("photo.png", "image/png", b"\x89PNG", "Choose a .json file"),
        ("big.json", "application/json", b" " * (2 * 1024 * 1024 + 1), "is 2.0 MB: at most 2 MB."),
        ("latin.json", "application/json", b'{"name": "\xe9"}', "is not UTF-8 text."),
    ],
)
def test_a_wrong_file_is_refused_clearly(as_designer, name, content_type, body, error) -> None:
    response = as_designer.post(IMPORT, {"file": upload(body, name, content_type)})

    assert response.status_code == 422
    assert error in response.content.decode()
    assert Orchestration.objects.count() == 0


def test_pasted_json_over_two_megabytes_is_refused(as_designer) -> None:
    response = as_designer.post(IMPORT, {"text": "[" + " " * (2 * 1024 * 1024) + "]"})

    assert "The JSON is 2.0 MB: at most 2 MB." in response.content.decode()


def test_nothing_to_import_says_what_to_do(as_designer) -> None:
    response = as_designer.post(IMPORT, {"text": "  "})

    assert "Choose a file or paste the JSON of a definition." in response.content.decode()


def test_a_file_and_pasted_json_together_are_refused_and_the_paste_is_kept(as_designer) -> None:
    response = as_designer.post(
        IMPORT, {"file": upload({"format": 1}), "text": '{"typed": "by hand"}'}
    )

    html = response.content.decode()
    assert "You chose a file and pasted JSON too" in html
    assert "{&quot;typed&quot;: &quot;by hand&quot;}</textarea>" in html


def test_a_copy_needs_a_key_of_its_own_and_a_name(as_designer, rich) -> None:
    text = json.dumps(export_definition(rich))

    response = as_designer.post(
        IMPORT, {"text": text, "as_copy": "on", "new_key": "customer_onboarding"}
    )

    html = response.content.decode()
    assert "An orchestration with the key “customer_onboarding” exists already." in html
    assert "Give the copy a name." in html
    assert rich.orchestration.versions.count() == 1


def test_a_copy_without_key_or_name_gets_suggestions_to_check(as_designer, rich) -> None:
    text = json.dumps(export_definition(rich))

    response = as_designer.post(IMPORT, {"text": text, "as_copy": "on"})

    html = response.content.decode()
    assert "A key and name for the copy are filled in: check them." in html
    assert 'value="customer_onboarding_copy"' in html
    assert 'value="Customer onboarding (copy)"' in html
    assert Orchestration.objects.count() == 1

    as_designer.post(IMPORT, {"text": text, "as_copy": "on", "new_key": "customer_onboarding_copy",
                          "new_name": "Customer onboarding (copy)"})  # fmt: skip

    assert Orchestration.objects.get(key="customer_onboarding_copy").versions.count() == 1


@pytest.mark.django_db(transaction=True)
def test_in_a_browser_an_export_imported_as_a_new_orchestration_is_identical(
    live_server, page, screenshot, tmp_path
) -> None:
    make_people()
    designer = make_user("diego")
    designer.user_permissions.add(Permission.objects.get(codename="change_orchestration"))
    original = version_activate(import_definition(rich_definition()), by=designer)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("diego")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()

    # the versions of the orchestration; export v1
    page.goto(live_server.url + reverse("builder:version-list", args=[original.orchestration_id]))
    screenshot("versions")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export v1 as JSON").click()
    assert download.value.suggested_filename == "customer_onboarding-v1.json"
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)

    # import the file as a copy: first checked, then imported
    page.get_by_role("link", name="Import a file").click()
    page.get_by_label("A definition file").set_input_files(exported)
    page.get_by_label("Import as a new orchestration").check()
    page.get_by_role("button", name="Check without importing").click()
    expect(page.get_by_text("A key and name for the copy are filled in")).to_be_visible()
    screenshot("import checked")
    page.get_by_label("Name of the new orchestration").fill("Onboarding (copy)")
    page.get_by_role("button", name="Import as a draft").click()
    expect(page.get_by_text("Imported “Onboarding (copy)” as a new orchestration")).to_be_visible()
    screenshot("imported")

    copy = Orchestration.objects.get(key="customer_onboarding_copy").versions.get()
    expected = {**export_definition(original), "key": "customer_onboarding_copy",
                "name": "Onboarding (copy)"}  # fmt: skip
    assert export_definition(copy) == expected


def test_the_import_page_explains_new_orchestration_or_next_draft(as_designer) -> None:
    response = as_designer.get(IMPORT)

    assert response.status_code == 200
    html = response.content.decode()
    assert "A file whose key is new\n      creates an orchestration" in html
    assert 'enctype="multipart/form-data"' in html


def test_after_a_failed_file_a_corrected_file_replaces_the_text_it_left_in_the_box(
    as_designer, rich
) -> None:
    broken = {"format": 1, "key": "broken"}
    first = as_designer.post(IMPORT, {"file": upload(broken)})
    html = first.content.decode()
    shown = re.search(r'name="shown_file" value="([0-9a-f]+)"', html)
    assert shown is not None  # the file's text is in the box, with its fingerprint

    fixed = export_definition(rich)
    fixed.update(key="fixed_copy", name="Fixed copy")
    second = as_designer.post(
        IMPORT,
        {"file": upload(fixed), "text": json.dumps(broken), "shown_file": shown.group(1)},
    )

    assert second.status_code == 302
    assert Orchestration.objects.filter(key="fixed_copy").exists()


# Hostile definitions (the cases of tests/orchestrations/hostile.py, also tried through
# the functions and the command in tests/orchestrations/test_definition_hostile.py)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_hostile_definition_is_refused_with_its_message_and_the_text_stays(
    as_designer, case: Case
) -> None:
    response = as_designer.post(IMPORT, {"text": case.text})

    html = response.content.decode()
    assert response.status_code == 422
    assert case.page in html
    assert f">{escape(case.text)}</textarea>" in html
    assert not Orchestration.objects.exists()


def test_a_hostile_file_lands_in_the_box_with_its_message(as_designer) -> None:
    text = "[" * 50_000 + "]" * 50_000

    response = as_designer.post(IMPORT, {"file": upload(text.encode(), "deep.json")})

    html = response.content.decode()
    assert response.status_code == 422
    assert (
        "nested too deeply: more than 32 levels of objects and lists at line 1, column 33" in html
    )
    assert f">{text}</textarea>" in html
    assert '<pre class="json-error-context"' in html  # where, as for a syntax error


def test_checking_a_hostile_definition_refuses_it_too(as_designer) -> None:
    case = next(c for c in CASES if "surrogate in a name" in c.id)

    response = as_designer.post(IMPORT, {"text": case.text, "action": "check"})

    assert response.status_code == 422
    assert case.page in response.content.decode()
    assert "This will create" not in response.content.decode()
