"""Action inputs as the step editor shows and reads them (text or JSON)."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from orchestrations.definition import Problem
from orchestrations.definition.limits import (
    STEP_INPUT_LEVELS,
    DefinitionTextError,
    check_value,
    load_definition_text,
)


def input_text(value: Any, input_type: str) -> str:
    """A stored action input as the designer edits it."""
    if isinstance(value, str) and input_type in ("string", "datetime", "any"):
        return value
    indent = 2 if isinstance(value, dict | list) and len(json.dumps(value)) > 40 else None
    return json.dumps(value, ensure_ascii=False, indent=indent)


def input_value(text: str, input_type: str, name: str = "") -> Any:
    """An action input typed in the editor as its JSON value: text inputs as written;
    others as JSON, or as text when it holds a {{ }} placeholder (the value is computed
    when the step runs). Refused, as an import would refuse it: nesting too deep,
    texts too long, characters that can't be stored."""
    value = text if input_type in ("string", "datetime") else _json_value(text, input_type)
    problems: list[Problem] = []
    check_value(value, name, levels_above=STEP_INPUT_LEVELS, problems=problems)
    if problems:
        raise forms.ValidationError([p.message if p.path == name else str(p) for p in problems])
    return value


def _json_value(text: str, input_type: str) -> Any:
    try:
        value = load_definition_text(text, levels_above=STEP_INPUT_LEVELS)
    except DefinitionTextError as error:
        if not error.not_json:
            raise forms.ValidationError(str(error)) from None
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
