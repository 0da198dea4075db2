"""The four demo processes: JSON definition files imported and activated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orchestrations.definition import import_definition
from orchestrations.models import Version
from orchestrations.versions import version_activate

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
PROCESS_KEYS = [
    "customer_onboarding",
    "employee_onboarding",
    "loan_origination",
    "patient_intake",
]


def definition_path(key: str) -> Path:
    return DEFINITIONS_DIR / f"{key}.json"


def read_definition(key: str) -> dict[str, Any]:
    return json.loads(definition_path(key).read_text(encoding="utf-8"))


def install_processes(*, by: Any = None) -> dict[str, Version]:
    """Import every demo definition as a draft and activate it; versions by key."""
    versions = {}
    for key in PROCESS_KEYS:
        draft = import_definition(read_definition(key), user=by)
        versions[key] = version_activate(draft, by=by)
    return versions
