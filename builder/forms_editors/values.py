"""Values as the editors show and read them: durations ("2d 4h") and action inputs
(text or JSON)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from django import forms
from django.utils.dateparse import parse_duration

DURATION_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60}
DURATION_TOKEN = re.compile(r"(\d+)\s*(weeks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m)\b\s*,?\s*")


def parse_due_in(text: str) -> timedelta | None:
    """ "2d 4h", "3 days", "90m" or ISO 8601 ("P2DT4H") as a duration; None when empty.
    Raises `forms.ValidationError` with what to write instead."""
    text = text.strip().lower()
    if not text:
        return None
    duration = parse_duration(text.upper()) if text.startswith("p") else None
    if duration is None:
        seconds, position = 0, 0
        for match in DURATION_TOKEN.finditer(text):
            if match.start() != position:
                break
            seconds += int(match.group(1)) * DURATION_UNITS[match.group(2)[0]]
            position = match.end()
        if position != len(text) or not text:
            raise forms.ValidationError(
                f"“{text}” is not a duration: write days, hours and minutes "
                "like 2d, 4h, 1d 12h or 90m."
            )
        duration = timedelta(seconds=seconds)
    if duration.total_seconds() <= 0:
        raise forms.ValidationError("A due date must be some time after the start: e.g. 2d.")
    return duration


def due_in_text(duration: timedelta | None) -> str:
    if duration is None:
        return ""
    minutes = int(duration.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return " ".join(parts) or "0m"


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
