"""Emails that participants read, checked against what is shared with them (warnings).

A step's notification is rendered for each recipient as they may see the answers it
reads (`orchestrations.visibility`): an answer an outside participant may not see is
blank in their email. Whom an expression gives is known only when the run starts, so
the check takes a step's email as shown to participants when the step is shared with
them (`visibility: participants`: the participants' own steps, typically) or assigned
by name to an outside participant. An action that emails (`send_email`) reads answers
as its readers may: the check warns when its texts read answers that an outside
reader would find blank.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model

from ..actions import UnknownActionError, get_action
from ..conditions import ConditionError, template_references
from ..membership import is_outside_participant
from ..models.choices import StepKind, Visibility
from ..visibility import effective_visibility
from .problems import WARNING, Problem, child, step_paths


def check_sharing(definition: dict[str, Any], problems: list[Problem]) -> None:
    for path, step, _ in step_paths(definition):
        if shown_to_participants(step):
            for name in ("subject", "body"):
                where = child(child(path, "email"), name)
                for message in unshared_reads(definition, step["email"][name]):
                    problems.append(Problem(where, message, WARNING))
        for name, text in emailed_inputs(step):
            where = child(child(path, "inputs"), name)
            for message in unshared_reads(definition, text, outside="an outside reader's"):
                problems.append(Problem(where, message, WARNING))


def emailed_inputs(step: dict[str, Any]) -> list[tuple[str, str]]:
    """The text inputs of a background step whose action emails them to its readers."""
    if step["type"] != StepKind.BACKGROUND or not step.get("action"):
        return []
    try:
        readers = get_action(step["action"]).readers
    except UnknownActionError:
        return []  # reported as an error elsewhere
    inputs = step.get("inputs") or {}
    if readers is None or readers not in inputs:
        return []
    return [(k, v) for k, v in inputs.items() if k != readers and isinstance(v, str)]


def shown_to_participants(step: dict[str, Any]) -> bool:
    """Whether the step's email may go to an outside participant, as far as the
    definition tells."""
    if step["type"] != StepKind.INTERACTIVE:
        return False
    if step["visibility"] == Visibility.PARTICIPANTS:
        return True
    username = (step["assignee"] or {}).get("user")
    if not username:
        return False
    user_model = get_user_model()
    user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
    return is_outside_participant(user)


def unshared_reads(
    definition: dict[str, Any], template: Any, *, outside: str = "their"
) -> list[str]:
    """What `template` reads that participants do not see, in sentences."""
    try:
        paths = template_references(template) if template else []
    except ConditionError:
        return []  # reported as an error elsewhere
    messages = []
    for key, name in _answers_read(paths):
        if not _shared(definition, key, name):
            what = "who completed it" if name == "completed_by" else "its answer"
            messages.append(
                f"Participants may not see steps.{key}.{name} ({what} is not shared with "
                f"them): it is blank in {outside} email. Share it (who sees the answers) "
                "or leave it out."
            )
    return messages


def _answers_read(paths: list[tuple[str, ...]]) -> Iterator[tuple[str, str]]:
    seen = set()
    for path in paths:
        read = path[1:3]
        if len(path) > 2 and path[0] == "steps" and path[2] != "completed_at" and read not in seen:
            seen.add(read)
            yield path[1], path[2]


def _shared(definition: dict[str, Any], key: str, name: str) -> bool:
    step = next((s for _, s, _ in step_paths(definition) if s["key"] == key), None)
    if step is None:
        return True  # an unknown step: an error of its own
    if name == "completed_by":
        return bool(step["visibility"] == Visibility.PARTICIPANTS)
    form = next((f for f in definition["forms"] if f["key"] == step["form"]), None)
    spec = next((f for f in (form or {}).get("fields", []) if f["key"] == name), None)
    visibility = effective_visibility(step["visibility"], spec["visibility"] if spec else None)
    return visibility == Visibility.PARTICIPANTS
