"""Text with `{{ expression }}` placeholders: email subjects and bodies, action inputs.

Each placeholder is a condition-language expression; positions in errors count from the
start of the whole text, so the builder can point at the broken placeholder. A placeholder
ends at the first `}}`, so an expression cannot contain that text (not even in quotes).
The placeholders of one text (or of one action input) share one budget, and the text
they render has a bounded length (see `limits`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .condition import CompiledCondition, compile_condition
from .errors import ConditionError, ConditionRuntimeError, ConditionSyntaxError
from .limits import MAX_PLACEHOLDERS, MAX_RENDERED_LENGTH, MAX_TEMPLATE_LENGTH, Budget
from .scope import Scope, check
from .values import TextTooLong, display

OPENING, CLOSING = "{{", "}}"


@dataclass(frozen=True)
class Placeholder:
    start: int  # index of "{{" in the text
    offset: int  # index where the expression begins
    expression: str


def render_template(
    text: str,
    namespaces: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
    changed_fields: Collection[str] | None = None,
) -> str:
    """`text` with every placeholder replaced by its value as a person reads it (None is
    blank, dates ISO-like, records by their `str()`). Raises `ConditionSyntaxError` or
    `ConditionRuntimeError` positioned in `text`."""
    if not isinstance(text, str):
        raise ConditionSyntaxError(f"a template must be text, not {type(text).__name__}")
    return _render(text, namespaces, (now, changed_fields), Budget())


def _render(text: str, namespaces: Mapping[str, Any], moment: Moment, budget: Budget) -> str:
    out: list[str] = []
    length = 0
    for part in _compiled(text):
        if isinstance(part, str):
            shown = part
        else:
            placeholder, condition = part
            value = _evaluate(text, placeholder, condition, namespaces, moment, budget)
            try:
                shown = display(value, MAX_RENDERED_LENGTH - length)
            except TextTooLong:
                shown = None
            except ConditionRuntimeError as error:
                raise ConditionRuntimeError(
                    error.message, source=text, position=placeholder.start + 1
                ) from None
            except Exception as error:  # a record's __str__ may fail; that is a runtime error
                raise ConditionRuntimeError(
                    f"the value of '{placeholder.expression.strip()}' cannot be shown as text",
                    source=text,
                    position=placeholder.start + 1,
                ) from error
        if shown is None or length + len(shown) > MAX_RENDERED_LENGTH:
            raise ConditionRuntimeError(
                f"the text would be longer than {MAX_RENDERED_LENGTH:,} characters",
                source=text,
                position=None if isinstance(part, str) else part[0].start + 1,
            )
        length += len(shown)
        out.append(shown)
    return "".join(out)


def resolve_value(
    value: Any,
    namespaces: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
    changed_fields: Collection[str] | None = None,
) -> Any:
    """An action input with its placeholders resolved. Text that is one placeholder and
    nothing else ("{{ vars.amount }}") gives the value itself, keeping its type; other
    text is rendered; lists and dicts are resolved item by item; anything else is kept."""
    return _resolve(value, namespaces, (now, changed_fields), Budget())


def _resolve(value: Any, namespaces: Mapping[str, Any], moment: Moment, budget: Budget) -> Any:
    if isinstance(value, str):
        parts = _compiled(value)
        placeholders = [part for part in parts if not isinstance(part, str)]
        if len(placeholders) == 1 and all(p.strip() == "" for p in parts if isinstance(p, str)):
            placeholder, condition = placeholders[0]
            return _evaluate(value, placeholder, condition, namespaces, moment, budget)
        return _render(value, namespaces, moment, budget)
    if isinstance(value, list | tuple):
        return [_resolve(item, namespaces, moment, budget) for item in value]
    if isinstance(value, dict):
        return {key: _resolve(item, namespaces, moment, budget) for key, item in value.items()}
    return value


def check_template(text_or_value: Any, scope: Scope) -> list[ConditionError]:
    """Problems with every placeholder in `text_or_value` (a text, or a list/dict with
    texts inside) where `scope` applies, positioned in the text they were found in."""
    errors: list[ConditionError] = []
    for text in _texts(text_or_value):
        try:
            placeholders = split(text)
        except ConditionSyntaxError as error:
            errors.append(error)
            continue
        for placeholder in placeholders:
            if isinstance(placeholder, Placeholder):
                found = check(placeholder.expression, scope)
                errors.extend(_relocated(error, text, placeholder) for error in found)
    return errors


def template_references(text_or_value: Any) -> list[tuple[str, ...]]:
    """The dotted paths the placeholders in `text_or_value` read, without repeats.
    Raises `ConditionSyntaxError` for a broken placeholder."""
    found: dict[tuple[str, ...], None] = {}
    for text in _texts(text_or_value):
        for part in _compiled(text):
            if not isinstance(part, str):
                found.update(dict.fromkeys(part[1].references))
    return list(found)


def split(text: str) -> list[str | Placeholder]:
    """`text` cut into literal pieces and placeholders. Raises `ConditionSyntaxError`
    for a `{{` that is never closed."""
    if not isinstance(text, str):
        raise ConditionSyntaxError(f"a template must be text, not {type(text).__name__}")
    if len(text) > MAX_TEMPLATE_LENGTH:
        raise ConditionSyntaxError(
            f"the text is too long ({len(text):,} characters, at most {MAX_TEMPLATE_LENGTH:,})",
            source=text,
        )
    parts: list[str | Placeholder] = []
    position = 0
    while (start := text.find(OPENING, position)) != -1:
        if len(parts) >= 2 * MAX_PLACEHOLDERS:
            raise ConditionSyntaxError(
                f"the text has too many placeholders (at most {MAX_PLACEHOLDERS:,})",
                source=text,
                position=start + 1,
            )
        end = text.find(CLOSING, start + len(OPENING))
        if end == -1:
            raise ConditionSyntaxError(
                "'{{' is never closed with '}}'", source=text, position=start + 1
            )
        parts.append(text[position:start])
        offset = start + len(OPENING)
        parts.append(Placeholder(start, offset, text[offset:end]))
        position = end + len(CLOSING)
    parts.append(text[position:])
    return [part for part in parts if part != ""]


CompiledPart = str | tuple[Placeholder, CompiledCondition]
# When a template is rendered: (now, changed_fields), as `CompiledCondition.evaluate` takes them.
Moment = tuple[dt.datetime | None, Collection[str] | None]


@lru_cache(maxsize=1024)
def _compiled(text: str) -> tuple[CompiledPart, ...]:
    compiled: list[CompiledPart] = []
    for part in split(text):
        if isinstance(part, str):
            compiled.append(part)
            continue
        try:
            compiled.append((part, compile_condition(part.expression)))
        except ConditionSyntaxError as error:
            raise _relocated(error, text, part) from None
    return tuple(compiled)


def _evaluate(
    text: str,
    placeholder: Placeholder,
    condition: CompiledCondition,
    namespaces: Mapping[str, Any],
    moment: Moment,
    budget: Budget,
) -> Any:
    now, changed_fields = moment
    try:
        return condition.evaluate(namespaces, now=now, changed_fields=changed_fields, budget=budget)
    except ConditionRuntimeError as error:
        raise _relocated(error, text, placeholder) from None


def _relocated(error: ConditionError, text: str, placeholder: Placeholder) -> ConditionError:
    moved = error.relocated(text, placeholder.offset)
    if moved.position is None:
        moved.position = placeholder.start + 1
    return moved


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
