"""The order of keys in the free-form parts of a definition, which the schema does
not fix: a step's action inputs, the values inside them, field defaults.

PostgreSQL's jsonb keeps an object's keys in an order of its own (shortest first),
SQLite as they were written: without one order of ours, the same definition would
export differently from each database, and a file moved between them would diff.
So the exporter and `normalize` both write:

- a step's `inputs` in the order its action declares them, then any others sorted;
- the keys of every object inside a value (an input's, a field's default) sorted;
- lists in their own order.
"""

from __future__ import annotations

from typing import Any

from ..actions import UnknownActionError, get_action


def ordered_inputs(action: str | None, inputs: dict[str, Any]) -> dict[str, Any]:
    """A step's action inputs in canonical order (see the module docstring)."""
    try:
        declared = list(get_action(action).inputs) if action else []
    except UnknownActionError:
        declared = []
    names = [name for name in declared if name in inputs]
    names += sorted(name for name in inputs if name not in declared)
    return {name: sorted_keys(inputs[name]) for name in names}


def sorted_keys(value: Any) -> Any:
    """A copy of `value` with the keys of every object in it sorted; lists keep their
    order. Walked with a stack of our own, whatever the depth."""
    pending: list[tuple[Any, Any]] = []  # (an object or list, its copy to fill in)
    root = _copied(value, pending)
    while pending:
        source, copy = pending.pop()
        if isinstance(source, dict):
            for key in sorted(source):
                copy[key] = _copied(source[key], pending)
        else:
            copy.extend(_copied(item, pending) for item in source)
    return root


def _copied(value: Any, pending: list[tuple[Any, Any]]) -> Any:
    """`value` itself, or an empty object or list that `pending` will fill in."""
    if not isinstance(value, dict | list):
        return value
    copy: Any = {} if isinstance(value, dict) else []
    pending.append((value, copy))
    return copy
