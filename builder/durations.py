"""A step's `due_in` in words: typed in the editor ("2d 4h"), shown back in it, on the
step card ("due in 2 days 4 hours") and in the version diff ("2 days 4 hours")."""

from __future__ import annotations

import re
from datetime import timedelta

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


def days_hours_minutes(duration: timedelta) -> tuple[int, int, int]:
    """Whole days, hours and minutes (seconds are dropped)."""
    days, rest = divmod(duration // timedelta(minutes=1), 24 * 60)
    hours, minutes = divmod(rest, 60)
    return days, hours, minutes


def due_in_text(duration: timedelta | None) -> str:
    """As the editor shows it: "2d 4h"."""
    if duration is None:
        return ""
    parts = zip(days_hours_minutes(duration), ("d", "h", "m"), strict=True)
    return " ".join(f"{n}{unit}" for n, unit in parts if n) or "0m"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def duration_words(duration: timedelta, *, minutes_after_days: bool = True) -> str:
    """ "2 days 4 hours 5 minutes"; "" for less than a minute. Minutes can be left out
    when there are days (the step card rounds them away)."""
    days, hours, minutes = days_hours_minutes(duration)
    if days and not minutes_after_days:
        minutes = 0
    parts = zip((days, hours, minutes), ("day", "hour", "minute"), strict=True)
    return " ".join(plural(n, unit) for n, unit in parts if n)
