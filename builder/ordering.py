"""Putting positioned rows (stages, steps, form fields, input variables) in order:
one place up or down, or in the order a drag posts, then numbered 0, 1, 2…"""

from __future__ import annotations

from typing import Any


def moved(items: list[Any], item: object, direction: str) -> list[Any]:
    """`items` with `item` one place earlier ("up", "left") or later ("down", "right")."""
    i = items.index(item)
    j = i - 1 if direction in ("up", "left") else i + 1
    if 0 <= j < len(items):
        items[i], items[j] = items[j], items[i]
    return items


def reordered(items: list[Any], data: Any) -> list[Any] | None:
    """`items` in the order a request asks for: `order` (ids, comma-separated: a drag)
    or `move` (an id) and `to` ("up" or down); None if it names other items."""
    by_pk = {str(item.pk): item for item in items}
    if data.get("order"):
        ids = [i for i in data["order"].split(",") if i]
        if not set(ids) <= by_pk.keys():
            return None
        ordered = [by_pk[i] for i in dict.fromkeys(ids)]
        return ordered + [item for item in items if item not in ordered]
    item = by_pk.get(data.get("move", ""))
    if item is None:
        return None
    return moved(items, item, "up" if data.get("to") == "up" else "down")


def renumber(items: list[Any], *also: str) -> None:
    """Number the rows 0, 1, 2… in the order given, in one query (saving `also` too)."""
    for position, item in enumerate(items):
        item.position = position
    if items:
        type(items[0])._default_manager.bulk_update(items, ["position", *also])
