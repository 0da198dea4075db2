"""The import form: a definition file uploaded or pasted, read as JSON.

Nothing typed is lost: the text of an uploaded file is put in the paste box, so that
after an error the admin fixes it there and imports again without choosing the file
anew.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms

from orchestrations.definition import Problem
from orchestrations.definition.limits import (
    MAX_TEXT_BYTES,
    DefinitionTextError,
    check_limits,
    load_definition_text,
    megabytes,
)
from orchestrations.models import Orchestration

from .keys import numbered
from .storable import StorableTextForm

JSON_TYPES = ("application/json", "text/json")


class ImportForm(StorableTextForm, forms.Form):
    unlimited_text = ("text",)  # JSON, with a limit of its own (MAX_TEXT_BYTES)

    file = forms.FileField(
        required=False,
        label="A definition file",
        help_text=f"A .json file exported from Handoff (at most {megabytes(MAX_TEXT_BYTES)}).",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )
    text = forms.CharField(
        required=False,
        strip=False,
        label="Or paste the JSON",
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false", "class": "json-input"}),
    )
    as_copy = forms.BooleanField(
        required=False,
        label="Import as a new orchestration (a copy), whatever the file's key",
    )
    new_key = forms.SlugField(
        required=False,
        max_length=64,
        label="Key of the new orchestration",
        help_text="Letters, digits, - and _; not used by another orchestration.",
    )
    new_name = forms.CharField(
        required=False, max_length=200, label="Name of the new orchestration"
    )
    # A fingerprint of the file text this form put in the paste box: a file chosen next
    # replaces that text, while text the admin typed or pasted is never overwritten.
    shown_file = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.json_error: tuple[str, int] | None = None  # the line with the error, its column
        self.kept_file_name = ""

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        name = upload.name or "the file"
        if not name.lower().endswith(".json") and upload.content_type not in JSON_TYPES:
            raise forms.ValidationError(
                f"Choose a .json file (a definition exported from Handoff); “{name}” is not one."
            )
        if upload.size > MAX_TEXT_BYTES:
            raise forms.ValidationError(
                f"“{name}” is {megabytes(upload.size)}: at most {megabytes(MAX_TEXT_BYTES)}."
            )
        pasted = self.data.get("text", "")
        if pasted.strip() and _fingerprint(pasted) != self.data.get("shown_file"):
            raise forms.ValidationError(
                "You chose a file and pasted JSON too: clear the box below to import the file, "
                "or import what you pasted without choosing a file."
            )
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(f"“{name}” is not UTF-8 text.") from error
        self._show(text=text, shown_file=_fingerprint(text))  # see the module docstring
        self.kept_file_name = name
        return text

    def _show(self, **values: str) -> None:
        """Put `values` in the fields as the page shows them again."""
        data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict
        for name, value in values.items():
            data[name] = value
        self.data = data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        text = cleaned.get("file") or cleaned.get("text") or ""
        if "file" in self.errors:
            return cleaned
        field = "file" if cleaned.get("file") else "text"
        if not text.strip():
            self.add_error("text", "Choose a file or paste the JSON of a definition.")
        else:
            cleaned["data"] = self._parse(text, field)
        if cleaned.get("as_copy"):
            self._check_copy(cleaned)
        return cleaned

    def _parse(self, text: str, field: str) -> Any:
        """The definition in `text`, or None with the errors on `field`: text that isn't
        JSON (shown with its line), or a definition past the limits (too deep, too
        large, characters that can't be stored), which nothing else may read."""
        try:
            data = load_definition_text(text)
        except DefinitionTextError as error:
            if error.line is not None and error.column is not None:
                lines = text.splitlines() or [""]
                line = lines[min(error.line, len(lines)) - 1]
                start = max(error.column - 60, 0)  # a minified file is one long line
                self.json_error = (line[start : start + 120], error.column - start)
            self.add_error(field, str(error))
            return None
        problems: list[Problem] = []
        check_limits(data, problems)
        for problem in problems:
            self.add_error(field, str(problem))
        return None if problems else data

    def _check_copy(self, cleaned: dict[str, Any]) -> None:
        key, name = cleaned.get("new_key"), cleaned.get("new_name")
        data = cleaned.get("data")
        suggest = isinstance(data, dict) and not key and not name and "new_key" not in self.errors
        if suggest and isinstance(data, dict):
            self._show(
                new_key=_free_key(f"{data.get('key') or 'copy'}_copy"),
                new_name=f"{data.get('name') or 'Copy'} (copy)",
            )
            self.add_error("new_key", "A key and name for the copy are filled in: check them.")
        elif not key and "new_key" not in self.errors:
            self.add_error("new_key", "Give the copy a key of its own.")
        elif key and Orchestration.objects.filter(key=key).exists():
            self.add_error("new_key", f"An orchestration with the key “{key}” exists already.")
        if not name and not suggest:
            self.add_error("new_name", "Give the copy a name.")

    def definition(self) -> Any:
        """The parsed JSON, with the copy's key and name when importing as a copy."""
        data = self.cleaned_data["data"]
        if self.cleaned_data.get("as_copy") and isinstance(data, dict):
            copy = {"key": self.cleaned_data["new_key"], "name": self.cleaned_data["new_name"]}
            data = {**data, **copy}
        return data

    @property
    def json_error_caret(self) -> str:
        return " " * (self.json_error[1] - 1) + "^" if self.json_error else ""


def _free_key(key: str) -> str:
    key = key[:60]
    return numbered(
        key, Orchestration.objects.filter(key__startswith=key).values_list("key", flat=True)
    )


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.replace("\r\n", "\n").encode()).hexdigest()[:16]
