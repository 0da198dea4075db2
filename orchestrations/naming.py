"""How people (and teams) are named in messages, emails and pages, and how a name
someone typed is read back."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model


def person_name(who: Any, nobody: str = "somebody") -> str:
    """A user's full name, else their username; a team's name; `nobody` for None."""
    if who is None:
        return nobody
    full_name = getattr(who, "get_full_name", lambda: "")()
    return full_name or str(who)


def person_named(text: str) -> Any:
    """The active person `text` names: their username, else their email address (in
    any case); None when nobody active has it. A person input on the Start page and an
    assignee expression that gives text are read the same way."""
    name = text.strip()
    if not name:
        return None
    people = get_user_model()._default_manager.filter(is_active=True)
    username = get_user_model().USERNAME_FIELD
    return (
        people.filter(**{username: name}).first()
        or people.filter(email__iexact=name).order_by("pk").first()
    )
