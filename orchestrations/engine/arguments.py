"""What every public engine function checks of its arguments before it touches a run.

Three kinds of wrong input, three answers (docs/python-api.md, "Wrong input"):

- a person missing where one is required, anonymous or inactive: `NotAllowed`, with a
  sentence for whoever asked (a view passes `request.user`, signed in or not);
- values that are not a mapping, or text that cannot be stored: `ValidationError`, as
  a form would answer;
- an argument of the wrong Python type (a string where a WorkItem is expected):
  `TypeError` naming the argument, a bug in the caller rather than news for a person.

The functions check before they take the run's lock, so a refusal writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models

from .. import limits
from ..exceptions import NotAllowed
from ..naming import person_name

M = TypeVar("M", bound=models.Model)


def instance(value: Any, model: type[M], *, argument: str) -> M:
    """`value` when it is a saved `model`; otherwise a TypeError naming `argument`."""
    if not isinstance(value, model):
        raise wrong_type(argument, f"a {model.__name__}", value)
    if value.pk is None:
        raise TypeError(f"{argument} must be a saved {model.__name__}; this one has no pk.")
    return value


def optional_instance(value: Any, model: type[M], *, argument: str) -> M | None:
    return None if value is None else instance(value, model, argument=argument)


def person(value: Any, *, argument: str, to: str) -> Any:
    """The user who acts (`by`): signed in and active, else NotAllowed saying what they
    could not do (`to`, e.g. "complete this item")."""
    if value is None or getattr(value, "is_anonymous", False) is True:
        raise NotAllowed(f"Only a signed-in person can {to}.")
    user = instance(value, get_user_model(), argument=argument)
    if not user.is_active:
        raise NotAllowed(f"{person_name(user)} is not an active user and cannot {to}.")
    return user


def optional_person(value: Any, *, argument: str, to: str) -> Any:
    """As `person`, where None means the system acts (a trigger, the sweeper, a script)."""
    return None if value is None else person(value, argument=argument, to=to)


def is_person(value: Any, *, argument: str) -> bool:
    """For the permission questions (`can_act_on`): nobody, an anonymous visitor or an
    inactive user may do nothing, so the answer is False rather than an error."""
    if value is None or getattr(value, "is_anonymous", False) is True:
        return False
    return bool(instance(value, get_user_model(), argument=argument).is_active)


def values(value: Any, *, what: str) -> Mapping[str, Any]:
    """`value` when it is a mapping (a dict, a QueryDict); else a ValidationError whose
    one message (not tied to a field) says what was expected."""
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"The {what} must be a mapping of names to values, not {_described(value)}.",
            code="not_a_mapping",
        )
    return value


def text(value: Any, *, argument: str, max_length: int = limits.REASON_MAX_LENGTH) -> str:
    """A reason or a note kept in the timeline: None is "", else text that can be
    stored (a ValidationError keyed by `argument` otherwise)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise wrong_type(argument, "text (str)", value)
    problem = limits.unstorable_text(value)
    if not problem and len(value) > max_length:
        problem = f"Ensure this value has at most {max_length} characters (it has {len(value)})."
    if problem:
        raise ValidationError({argument: problem})
    return value


def day(value: Any, *, argument: str) -> dt.date:
    """A calendar day; a datetime is refused, since which day it is depends on a time zone."""
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise wrong_type(argument, "a date", value)
    return value


def optional_day(value: Any, *, argument: str) -> dt.date | None:
    return None if value is None else day(value, argument=argument)


def flag(value: Any, *, argument: str) -> bool:
    if not isinstance(value, bool):
        raise wrong_type(argument, "True or False", value)
    return value


def field_names(value: Any, *, argument: str) -> Collection[str] | None:
    """None, or a collection of field names (one name alone would read as its letters)."""
    if value is None:
        return None
    if (
        isinstance(value, str | bytes)
        or not isinstance(value, Collection)
        or not all(isinstance(name, str) for name in value)
    ):
        raise wrong_type(argument, "a collection of field names", value)
    return value


def wrong_type(argument: str, expected: str, value: Any) -> TypeError:
    return TypeError(f"{argument} must be {expected}, not {type(value).__name__}.")


def _described(value: Any) -> str:
    """What was given instead, for a person: "nothing", "text", "a list"."""
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"
