"""What the language knows about values: how to name their kind in a message, how to
show them as text, and which results are too large or not plain values at all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from types import ModuleType
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils import timezone

from .errors import ConditionRuntimeError
from .limits import MAX_DEPTH, MAX_INT_BITS, MAX_LENGTH

NUMBER_TYPES = (int, float, Decimal)
# Exact types a result may have without a closer look (checked with `type(x) in`).
PLAIN_TYPES = frozenset(
    {bool, int, float, str, type(None), Decimal, dt.date, dt.datetime, dt.time, dt.timedelta}
)


def is_number(value: Any) -> bool:
    return isinstance(value, NUMBER_TYPES)


def kind_of(value: Any) -> str:
    """A short phrase for the kind of `value`, for error messages ("a number", "text")."""
    if value is None:
        return "empty (None)"
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, NUMBER_TYPES):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dt.datetime):
        return "a date and time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, models.Model):
        return f"a {type(value).__name__} record"
    return f"a value of type {type(value).__name__}"


def display(value: Any, limit: int = MAX_LENGTH) -> str:
    """`value` as a person should read it in an email or a message: None is blank,
    dates are ISO-like, users their full name, other records their own `str()`,
    lists are comma-separated, mappings `key: value, …`. Raises `TextTooLong` rather
    than make a text longer than `limit` (it stops as soon as it knows), and
    `ConditionRuntimeError` for values it cannot show."""
    text = _display(value, limit, 0)
    if len(text) > limit:
        raise _too_long(limit)
    return text


def _display(value: Any, limit: int, depth: int) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise ConditionRuntimeError("the number is too large to show")
        return str(value)
    if isinstance(value, list | tuple | Mapping):
        if depth >= MAX_DEPTH:
            raise ConditionRuntimeError("the value is nested too deeply to show")
        items = value.items() if isinstance(value, Mapping) else value
        pieces: list[str] = []
        length = 0
        for item in items:
            if isinstance(value, Mapping):
                key, item = item
                piece = f"{_display(key, limit - length, depth + 1)}: "
                piece += _display(item, limit - length - len(piece), depth + 1)
            else:
                piece = _display(item, limit - length, depth + 1)
            length += len(piece) + 2 * bool(pieces)
            if length > limit:
                raise _too_long(limit)
            pieces.append(piece)
        return ", ".join(pieces)
    try:
        if isinstance(value, AbstractBaseUser):  # people by name, not by login
            return value.get_full_name() or str(value)  # type: ignore[attr-defined]
        return str(value)
    except Exception:  # a record's own __str__ failed
        raise ConditionRuntimeError(f"{kind_of(value)} cannot be shown as text") from None


class TextTooLong(ConditionRuntimeError):
    """`display()` stopped: the text would be longer than it may be."""


def _too_long(limit: int) -> TextTooLong:
    return TextTooLong(f"the text would be longer than {limit:,} characters")


def too_large(value: Any) -> bool:
    """Whether an arithmetic result exceeds the size bounds above."""
    if type(value) is int:
        return value.bit_length() > MAX_INT_BITS
    if isinstance(value, str | list | tuple):
        return len(value) > MAX_LENGTH
    return False


def is_plain_value(value: Any) -> bool:
    """False for anything an expression must never hand back: functions, methods,
    classes, modules (also inside the lists and mappings it returns). Each list or
    mapping is looked through once, however often the value holds it."""
    seen: set[int] = set()
    pending = [(value, 0)]
    while pending:
        value, depth = pending.pop()
        if type(value) in PLAIN_TYPES:
            continue
        if callable(value) or isinstance(value, ModuleType | type):
            return False
        if isinstance(value, list | tuple | Mapping):
            if id(value) in seen:
                continue
            if depth > MAX_DEPTH:
                return False
            seen.add(id(value))
            items = [*value.keys(), *value.values()] if isinstance(value, Mapping) else value
            if PLAIN_TYPES.issuperset(map(type, items)):  # the usual case, at C speed
                continue
            pending.extend((item, depth + 1) for item in items)
    return True
