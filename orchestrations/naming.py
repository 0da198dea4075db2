"""How people (and teams) are named in messages, emails and pages."""

from __future__ import annotations

from typing import Any


def person_name(who: Any, nobody: str = "somebody") -> str:
    """A user's full name, else their username; a team's name; `nobody` for None."""
    if who is None:
        return nobody
    full_name = getattr(who, "get_full_name", lambda: "")()
    return full_name or str(who)
