"""Definition files for tests: a small valid one, and a rich one that uses every feature.

Both assign work to the user "alice" and the group "Sales"; create them with
`make_people()` first.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib.auth.models import Group, User

from tests.factories import make_group, make_user


def make_people() -> tuple[User, Group]:
    sales = make_group("Sales")
    return make_user("alice", sales), sales


def field(key: str, type: str = "text", **options: Any) -> dict[str, Any]:
    return {"key": key, "label": key.replace("_", " ").capitalize(), "type": type, **options}


def small_definition(**top: Any) -> dict[str, Any]:
    """One stage, one interactive step: valid, with no warnings."""
    return {
        "format": 1,
        "key": "small",
        "name": "Small",
        "forms": [{"key": "notes", "name": "Notes", "fields": [field("notes")]}],
        "stages": [
            {
                "key": "only",
                "name": "Only",
                "steps": [
                    {
                        "key": "write",
                        "name": "Write notes",
                        "type": "interactive",
                        "form": "notes",
                        "assignee": {"group": "Sales"},
                        "due_in": "P1D",
                    }
                ],
            }
        ],
        **top,
    }


def _step(key: str, **options: Any) -> dict[str, Any]:
    """A step with every key, in canonical order (as an export writes it)."""
    step: dict[str, Any] = {
        "key": key,
        "name": key.replace("_", " ").capitalize(),
        "type": "interactive",
        "instructions": "",
        "start": "stage_start",
        "exit_condition": "",
        "form": None,
        "assignee": None,
        "reassign": "team",
        "due_in": None,
        "email": {"subject": "", "body": ""},
        "visibility": "members",
        "visibility_groups": [],
        "action": None,
        "inputs": {},
        "retry": {"max_attempts": 3, "backoff_seconds": 30},
    }
    assert set(options) <= set(step), set(options) - set(step)
    return {**step, **options}


def _input(key: str, type: str, **options: Any) -> dict[str, Any]:
    spec = {
        "key": key,
        "label": key.replace("_", " ").capitalize(),
        "type": type,
        "required": False,
        "choices": [],
        "help": "",
        "default": None,
        "min": None,
        "max": None,
    }
    return {**spec, **options}


def _field(key: str, type: str, **options: Any) -> dict[str, Any]:
    """A form field: an input's keys, then who sees its answer (null: as its step)."""
    return {**_input(key, type), "visibility": None, "visibility_groups": [], **options}


RICH: dict[str, Any] = {
    "format": 1,
    "key": "customer_onboarding",
    "name": "Customer onboarding",
    "description": "From closed-won to live.",
    "label": "Onboarding {{ record.name }} ({{ vars.tier }})",
    "trigger": {
        "type": "record",
        "model": "demo.Account",
        "on": "both",
        "condition": "record.stage == 'closed_won' and changed('stage')",
    },
    "allow_concurrent_runs": True,
    "max_stage_visits": 5,
    "inputs": [
        _input("csm", "person", label="CSM", help="Who looks after the account"),
        _input("tier", "choice", required=True, choices=["standard", "gold"], default="gold"),
        _input("seats", "number", default=10, min=1, max=10000),
    ],
    "forms": [
        {
            "key": "kickoff",
            "name": "Kickoff",
            "fields": [
                _field("notes", "text", required=True),
                _field("agenda", "long_text", help="What we covered"),
                _field("attendees", "number", default=2),
                _field("budget", "decimal", default="1500.50", min=0),
                _field("start_date", "date", default="2030-01-31"),
                _field("call_at", "datetime"),
            ],
        },
        {
            "key": "review",
            "name": "Review",
            "fields": [
                _field("approved", "yes_no", default=False, visibility="members"),
                _field(
                    "decision",
                    "choice",
                    required=True,
                    choices=["ok", "more_info", "no"],
                    visibility="participants",
                ),
                _field("modules", "multi_choice", choices=["crm", "billing"], default=["crm"]),
                _field("contact", "email", default="ops@example.com"),
                _field("portal", "url", visibility="groups", visibility_groups=["Sales"]),
            ],
        },
    ],
    "stages": [
        {
            "key": "welcome",
            "name": "Welcome",
            "exit_condition": "",
            "steps": [
                _step(
                    "kickoff",
                    name="Kickoff call",
                    instructions="Call the customer within two days.",
                    form="kickoff",
                    assignee={"user": "alice"},
                    due_in="P2DT00H00M00S",
                    email={
                        "subject": "Kickoff with {{ record.name }}",
                        "body": "Please call {{ record.name }} ({{ vars.tier }} tier).",
                    },
                    visibility="participants",
                ),
                _step(
                    "packet",
                    form="kickoff",
                    assignee={"group": "Sales"},
                    start={"after": ["kickoff"]},
                    due_in="P0DT04H00M00S",
                    exit_condition="record.go_live_ready",
                ),
                _step(
                    "welcome_mail",
                    type="background",
                    start={"condition": "steps.kickoff.attendees > 1"},
                    action="send_email",
                    inputs={
                        "to": ["{{ steps.kickoff.completed_by.email }}", "team@example.com"],
                        "subject": "Welcome, {{ record.name }}",
                        "body": "Budget: {{ steps.kickoff.budget }}",
                    },
                    retry={"max_attempts": 5, "backoff_seconds": 60},
                ),
            ],
            "decision": {"outcomes": [], "default": None},
            "on_error": "repair",
        },
        {
            "key": "review",
            "name": "Review",
            "exit_condition": "steps.check.decision == 'no'",
            "steps": [
                _step(
                    "check",
                    form="review",
                    assignee={"expression": "record.owner"},
                    due_in="P1DT00H00M00S",
                    visibility="groups",
                    visibility_groups=["Sales"],
                ),
            ],
            "decision": {
                "outcomes": [
                    {
                        "label": "Needs info",
                        "when": "steps.check.decision == 'more_info'",
                        "goto": "welcome",
                    },
                    {"label": "", "when": "steps.check.decision == 'no'", "goto": "end"},
                ],
                "default": "end",
            },
            "on_error": None,
        },
        {
            "key": "repair",
            "name": "Repair",
            "exit_condition": "",
            "steps": [
                _step(
                    "flag",
                    type="background",
                    action="set_variables",
                    inputs={"values": {"needs_repair": True, "by": "{{ run.started_by }}"}},
                ),
                _step(
                    "fix",
                    form="review",
                    assignee={"expression": "vars.csm"},
                    start={"after": ["flag"]},
                    due_in="P3DT00H00M00S",
                    exit_condition="vars.needs_repair == False",
                ),
            ],
            "decision": {"outcomes": [], "default": "review"},
            "on_error": None,
        },
    ],
}


def rich_definition() -> dict[str, Any]:
    """Every feature of the format, in canonical form (exactly what an export writes)."""
    return copy.deepcopy(RICH)
