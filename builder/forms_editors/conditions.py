"""Condition, expression and template fields: checked live as they are typed (the
`condition_check` view) and on save against the whole version."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from orchestrations.conditions import Scope

from .. import scopes


def live_check(
    form: forms.BaseForm,
    name: str,
    *,
    kind: str,
    setting: str,
    url: str,
    place: dict[str, Any],
    shown: bool = True,
) -> None:
    """Make the field `name` ask `condition_check` about its text as it is typed; the
    answer appears in the element `#check-<field id>` below it. A field with text is
    checked at once if `shown`, else when editors.js shows it (event `shown`)."""
    bound = form[name]
    at_once = "load, shown" if shown and bound.value() else "shown"
    values = {"check_kind": kind, "check_setting": setting, "check_field": bound.html_name}
    values |= {f"check_{name}": value for name, value in place.items()}
    if not getattr(form, "editable", True):
        # A disabled field is not sent with the form: send its text along.
        values["check_text"] = bound.value() or ""
    field = form.fields[name]
    field.widget.attrs.update(
        {
            "hx-post": url,
            "hx-trigger": f"input changed delay:300ms, {at_once}",
            "hx-target": f"#check-{bound.auto_id}",
            "hx-swap": "innerHTML",
            "hx-sync": "this:replace",
            "aria-describedby": " ".join(
                [f"check-{bound.auto_id}"] + [f"{bound.auto_id}_helptext"] * bool(field.help_text)
            ),
            "spellcheck": "false",
            "autocomplete": "off",
            "class": "condition-input",
        }
    )
    # Read by _condition_field.html: the values go on the field's wrapper, so that both
    # the text (its check) and the "names" list (loaded when opened) send them.
    field.check = {"kind": kind, "url": url, "values": json.dumps(values)}  # type: ignore[attr-defined]


def check_errors(
    form: forms.BaseForm, name: str, kind: str, scope: Scope | scopes.Place, required: str = ""
) -> None:
    """Add the errors of the text in `name` (syntax, unknown names) to the field,
    checked against `scope` (a place's whole scope, with its reasons for names it has
    no value for)."""
    text = form.cleaned_data.get(name) or ""
    if not text.strip():
        if required:
            form.add_error(name, required)
        return
    place = scope if isinstance(scope, scopes.Place) else scopes.Place(scope, scope, [], {}, {})
    for finding in scopes.check_text(text, kind, place):
        where = f" (at {finding.location})" if finding.location else ""
        form.add_error(name, f"{finding.message.rstrip('.')}{where}.")


def wide(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})
