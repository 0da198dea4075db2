"""The type-ahead that picks whom to hand work to: the inbox's reassign and Out of office
forms and the admin's reassign page share it.

A text box (`find`) and a list of radio buttons (`to`): type part of a name or
username (htmx asks for the matches as you type; without JavaScript, the Search button
submits the form and the page comes back with them), then pick one. Only the people
and teams the engine's rule allows are searched (`engine.handover`), at most `LIMIT`
of them are shown, and nobody is listed before something is typed. A person's value
is their pk, a team's `team:<pk>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Prefetch

from .engine.handover import Targets, people_matching, teams_matching
from .engine.refusals import Refusal, Why
from .naming import person_name

LIMIT = 20
TEAM_PREFIX = "team:"
FIND_MAX_LENGTH = 100
SEARCH = "search"  # the name of the Search button: a submit that only searches


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    detail: str
    checked: bool = False


@dataclass(frozen=True)
class Picker:
    """What the results fragment shows: the radio buttons' name, the choices, and a
    sentence about them (read out by screen readers as it changes)."""

    name: str
    choices: list[Choice]
    status: str


def value_of(target: Any) -> str:
    return f"{TEAM_PREFIX}{target.pk}" if isinstance(target, Group) else str(target.pk)


class TargetField(forms.Field):
    """A person (their pk) or, unless `people_only`, a team (`team:<pk>`). Any active
    user or any team parses: whether this one is allowed is the engine's rule, which
    the form asks in its `clean` so the refusal is a sentence next to the field."""

    default_error_messages = {"invalid": "Choose a person or a team from the list."}
    widget = forms.RadioSelect

    def __init__(self, *, people_only: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.people_only = people_only
        if people_only and "invalid" not in kwargs.get("error_messages", {}):
            self.error_messages["invalid"] = "Choose a person from the list."

    def to_python(self, value: Any) -> Any:
        text = str(value or "").strip()
        if not text:
            return None
        if text.startswith(TEAM_PREFIX) and not self.people_only:
            found: Any = Group.objects.filter(pk=_number(text[len(TEAM_PREFIX) :])).first()
        else:
            users = get_user_model()._default_manager.filter(is_active=True)
            found = users.filter(pk=_number(text)).first()
        if found is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return found


def picker(targets: Targets, *, name: str, text: str, selected: Any = None) -> Picker:
    """The allowed people and teams matching `text` (teams first, then people by name),
    at most LIMIT; `selected` (a value) stays first while it is allowed. With nothing
    typed, only the teams are listed (never people)."""
    text = (text or "").strip()[:FIND_MAX_LENGTH]
    chosen = _allowed(targets, selected)
    choices = [_choice(chosen, checked=True)] if chosen is not None else []
    teams = teams_matching(targets.teams, text)
    if chosen is not None and isinstance(chosen, Group):
        teams = teams.exclude(pk=chosen.pk)
    choices += [_choice(team) for team in teams[:LIMIT]]
    more = False
    if text:
        people = people_matching(targets.people, text).prefetch_related(
            Prefetch("groups", queryset=Group.objects.order_by("name"))
        )
        if chosen is not None and not isinstance(chosen, Group):
            people = people.exclude(pk=chosen.pk)
        room = max(LIMIT - len(choices), 0)
        found = list(people[: room + 1])
        more = len(found) > room
        choices += [_choice(person) for person in found[:room]]
    choices = choices[:LIMIT]
    return Picker(name=name, choices=choices, status=_status(choices, text, more))


def shown_refusal(refusal: Refusal, field: forms.Field) -> str:
    """The sentence a form shows next to the choice: the engine's, except that it never
    names an outside participant, whose account is nobody's to look up, not even by a
    guessed id (the field's "invalid" message instead)."""
    if refusal.why == Why.TARGET_OUTSIDE_PARTICIPANT:
        return str(field.error_messages["invalid"])
    return refusal.message


def search_initial(data: Mapping[str, Any], prefix: str | None, names: list[str]) -> dict:
    """A search submit shows the form again, unbound (no errors yet), with what was
    typed in it: the initial values of `names` read from the posted `data`."""
    key = (lambda name: f"{prefix}-{name}") if prefix else (lambda name: name)
    return {name: data.get(key(name), "") for name in names}


def _allowed(targets: Targets, value: Any) -> Any:
    text = str(value or "")
    if not text:
        return None
    if text.startswith(TEAM_PREFIX):
        return targets.teams.filter(pk=_number(text[len(TEAM_PREFIX) :])).first()
    return targets.people.filter(pk=_number(text)).first()


def _choice(target: Any, *, checked: bool = False) -> Choice:
    if isinstance(target, Group):
        return Choice(value_of(target), target.name, "team queue", checked)
    teams = ", ".join(group.name for group in target.groups.all())
    detail = target.get_username() + (f" · {teams}" if teams else "")
    return Choice(value_of(target), person_name(target), detail, checked)


def _status(choices: list[Choice], text: str, more: bool) -> str:
    if not text and not choices:
        return "Type part of a name or username."
    if not choices:
        return f"Nobody you may choose matches “{text}”."
    if more:
        return f"The first {len(choices)} matches; type more to narrow them down."
    count = f"{len(choices)} match" + ("" if len(choices) == 1 else "es")
    return count if text else f"{count}; type part of a name or username to find people."


def _number(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 10 else 0


class PickerForm(forms.Form):
    """A form with the type-ahead: `find`, and the field named by `pick_field` (a
    TargetField). Subclasses say whom it searches (`targets`)."""

    pick_field = "to"

    find = forms.CharField(
        label="Find",
        required=False,
        max_length=FIND_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def targets(self) -> Targets:
        raise NotImplementedError

    def picker(self) -> Picker:
        chosen = self[self.pick_field]
        return picker(
            self.targets(),
            name=chosen.html_name,
            text=str(self["find"].value() or ""),
            selected=chosen.value(),
        )
