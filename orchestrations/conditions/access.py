"""How an expression reads into values: `a.b` and `a[b]`.

This is the heart of the sandbox. Mappings are read by key; Django model instances only
by their concrete field names (never methods, managers, reverse relations or secrets);
lists, tuples and text by whole-number index. Nothing else can be read into, so an
expression can never reach Python attributes such as `__class__` or a bound method.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from .errors import ConditionRuntimeError, Site
from .values import kind_of

HIDDEN_FIELDS = frozenset({"password"})

_readable_by_model: dict[type[models.Model], dict[str, str]] = {}


def readable_fields(model: type[models.Model]) -> dict[str, str]:
    """The names an expression may read on instances of `model`, each mapped to the
    attribute that holds it: concrete fields (a foreign key by its name, which gives the
    related instance, and by its `<name>_id`), plus `pk` and `id`."""
    fields = _readable_by_model.get(model)
    if fields is None:
        fields = {}
        for field in model._meta.concrete_fields:
            if field.name in HIDDEN_FIELDS or field.name.startswith("_"):
                continue
            fields[field.name] = field.name
            fields[field.attname] = field.attname
        fields["pk"] = "pk"
        fields.setdefault("id", "pk")
        _readable_by_model[model] = fields
    return fields


def read_field(obj: Any, name: str, site: Site) -> Any:
    """`obj.name`, as the language allows it (`site.text` describes `obj`)."""
    if obj is None:
        raise site.error(f"{site.text} is empty, cannot read '{name}'")
    if isinstance(obj, models.Model):
        return read_model_field(obj, name, site)
    if isinstance(obj, Mapping):
        try:
            return obj[name]
        except KeyError:
            raise missing_key(site, name) from None
    raise site.error(f"cannot read '{name}' of {site.text}: it is {kind_of(obj)}")


def read_item(obj: Any, key: Any, site: Site) -> Any:
    """`obj[key]`: a key of a mapping, a field of a record, an item of a list or text."""
    if isinstance(obj, list | tuple | str):
        if not isinstance(key, int):
            raise site.error(
                f"{site.text} is {kind_of(obj)}; pick an item with a whole number, "
                f"not {kind_of(key)}"
            )
        try:
            return obj[key]
        except IndexError:
            raise site.error(f"{site.text} has no item {shown(key)} (it has {len(obj)})") from None
    if obj is None:
        raise site.error(f"{site.text} is empty, cannot read item {shown(key)}")
    if isinstance(obj, models.Model):
        if isinstance(key, str):
            return read_model_field(obj, key, site)
        raise site.error(f"{site.text} is a record; read its fields by name")
    if isinstance(obj, Mapping):
        try:
            return obj[key]
        except KeyError:
            raise missing_key(site, key) from None
        except TypeError:
            raise site.error(f"{kind_of(key)} cannot be used as a key of {site.text}") from None
    raise site.error(f"cannot pick item {shown(key)} of {site.text}: it is {kind_of(obj)}")


def read_model_field(obj: models.Model, name: str, site: Site) -> Any:
    attribute = readable_fields(type(obj)).get(name)
    if attribute is None:
        raise site.error(f"{site.text} has no field '{name}'")
    try:
        return getattr(obj, attribute)
    except ObjectDoesNotExist:
        # A relation that is not set (or points at a row that is gone) reads as empty,
        # like a nullable foreign key that is None.
        return None


def shown(key: Any) -> str:
    """`key` as a message shows it: text and numbers as written (cut short when long),
    anything else by its kind in brackets (a record's own `repr()` may fail or say too
    much): `'amount'`, `3`, `<a list>`."""
    if key is None or isinstance(key, str | int | float | Decimal):
        text = repr(key)
        return text if len(text) <= 60 else f"{text[:60]}…"
    return f"<{kind_of(key)}>"


def missing_key(site: Site, key: Any) -> ConditionRuntimeError:
    """The error for a key a mapping does not have, worded for the namespace it is in:
    "steps.review has no output 'decision'", "vars has no 'csm'"."""
    path = site.path or ()
    if path == ("steps",):
        return site.error(f"steps has no step {shown(key)}")
    if len(path) == 2 and path[0] == "steps":
        return site.error(f"{site.text} has no output {shown(key)}")
    if path[:1] == ("record",):
        return site.error(f"{site.text} has no field {shown(key)}")
    return site.error(f"{site.text} has no {shown(key)}")
