"""Which names an expression may read where it is used, and checking it against them.

A scope maps each namespace (record, vars, steps, run) to a schema: `OPEN` (anything
below is allowed), `LEAF` (a value; reading into it is an error) or a dict of the
allowed children, each a schema again. The builder checks every expression against the
scope of its place before saving, so `steps.revew.decision` is an error in the editor,
not in a run.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Mapping
from typing import TypeAlias

from django.db import models

from .access import HIDDEN_FIELDS
from .condition import compile_condition
from .errors import ConditionError, ConditionNameError, ConditionSyntaxError, did_you_mean
from .parser import Reference


class SchemaMarker(enum.Enum):
    OPEN = "open"
    LEAF = "leaf"

    def __repr__(self) -> str:
        return self.name


OPEN = SchemaMarker.OPEN
LEAF = SchemaMarker.LEAF
# Mappings rather than dicts so that literal scopes type-check (Mapping is covariant).
Schema: TypeAlias = SchemaMarker | Mapping[str, "Schema"]
Scope: TypeAlias = Mapping[str, Schema]


def check(source: str, scope: Scope) -> list[ConditionError]:
    """Problems with `source` where `scope` applies: its syntax error, or a
    `ConditionNameError` for every dotted reference the scope does not allow (with a
    "did you mean" for near misses). An empty list means the expression is fine."""
    try:
        compiled = compile_condition(source)
    except ConditionSyntaxError as error:
        return [error]
    errors: list[ConditionError] = []
    for reference in compiled.reference_spans:
        problem = _check_reference(reference, scope, source)
        if problem is not None:
            errors.append(problem)
    return errors


def _check_reference(reference: Reference, scope: Scope, source: str) -> ConditionNameError | None:
    path, positions = reference.path, reference.positions
    root = path[0]
    if root not in scope:
        available = ", ".join(scope) or "nothing"
        return ConditionNameError(
            f"'{root}' is not available here (available: {available})",
            source=source,
            position=positions[0],
        )
    schema = scope[root]
    for depth in range(1, len(path)):
        if schema is OPEN:
            return None
        name, parent = path[depth], ".".join(path[:depth])
        if not isinstance(schema, Mapping):
            message = f"{parent} is a value; it has no '{name}'"
            return ConditionNameError(message, source=source, position=positions[depth])
        if name not in schema:
            message = _unknown(path, depth) + did_you_mean(name, schema)
            return ConditionNameError(message, source=source, position=positions[depth])
        schema = schema[name]
    return None


def _unknown(path: tuple[str, ...], depth: int) -> str:
    """The message for an unknown name, worded for its namespace: `unknown step 'revew'`,
    `step 'review' has no output 'x'`, `record has no field 'x'`, …"""
    name, parent = path[depth], ".".join(path[:depth])
    if path[0] == "steps" and depth == 1:
        return f"unknown step '{name}'"
    if path[0] == "steps" and depth == 2:
        return f"step '{path[1]}' has no output '{name}'"
    if path[0] == "vars" and depth == 1:
        return f"unknown variable '{name}'"
    if path[0] == "record":
        return f"{parent} has no field '{name}'"
    return f"{parent} has no '{name}'"


def model_schema(model_class: type[models.Model], depth: int = 2) -> Schema:
    """The schema of what an expression may read on instances of `model_class`: its
    concrete fields, foreign keys and one-to-ones as nested schemas `depth` levels deep
    (plain values below that), each foreign key's `<name>_id`, `pk` and `id`. Never
    `password`. Mirrors what evaluation allows (see `access.readable_fields`)."""
    schema: dict[str, Schema] = {}
    for field in model_class._meta.concrete_fields:
        if field.name in HIDDEN_FIELDS or field.name.startswith("_"):
            continue
        related = field.related_model
        if field.is_relation and isinstance(related, type) and depth > 1:
            schema[field.name] = model_schema(related, depth - 1)
        else:
            schema[field.name] = LEAF
        schema.setdefault(field.attname, LEAF)
    schema.setdefault("pk", LEAF)
    schema.setdefault("id", LEAF)
    return schema


def available_names(scope: Scope, *, limit: int = 200) -> list[str]:
    """Every dotted name `scope` allows ("record", "record.owner.email", …) in tree order,
    at most `limit` of them, shallow names kept first when some must go."""
    kept: list[tuple[tuple[int, ...], str]] = []
    pending: deque[tuple[tuple[int, ...], str, Schema]] = deque(
        ((index,), name, schema) for index, (name, schema) in enumerate(scope.items())
    )
    while pending and len(kept) < limit:
        order, name, schema = pending.popleft()
        kept.append((order, name))
        if isinstance(schema, Mapping):
            pending.extend(
                ((*order, index), f"{name}.{child}", below)
                for index, (child, below) in enumerate(schema.items())
            )
    return [name for _, name in sorted(kept)]
