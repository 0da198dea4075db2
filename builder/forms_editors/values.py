"""Action inputs as the step editor shows and reads them (text or JSON)."""

from __future__ import annotations

import json
from typing import Any

from django import forms


def input_text(value: Any, input_type: str) -> str:
    """A stored action input as the designer edits it."""
    if isinstance(value, str) and input_type in ("string", "datetime", "any"):
        return value
    indent = 2 if isinstance(value, dict | list) and len(json.dumps(value)) > 40 else None
    return json.dumps(value, ensure_ascii=False, indent=indent)


def input_value(text: str, input_type: str) -> Any:
    """An action input typed in the editor as its JSON value: text inputs as written;
    others as JSON, or as text when it holds a {{ }} placeholder (the value is computed
    when the step runs)."""
    if input_type in ("string", "datetime"):
        return text
    try:
        value = json.loads(text)
    except ValueError:
        if input_type == "any" or "{{" in text:
            return text
        example = {"number": "10", "boolean": "true", "object": '{"name": "value"}'}
        raise forms.ValidationError(
            f"Write {input_type} as JSON, e.g. {example.get(input_type, '[1, 2]')}."
        ) from None
    expected = {"number": (int, float), "boolean": (bool,), "object": (dict,), "list": (list,)}
    types = expected.get(input_type)
    wrong_bool = isinstance(value, bool) and input_type == "number"
    if types and (not isinstance(value, types) or wrong_bool):
        raise forms.ValidationError(f"This input takes a {input_type}.")
    return value
