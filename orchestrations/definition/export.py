"""A stored version as a definition file (format 1), every key in canonical order:
the schema's for its objects, free_form.py's inside values (the same from every
database)."""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from django.utils.duration import duration_iso_string

from ..models import DecisionOutcome, FormField, Step, Version
from ..models.choices import AssigneeType, StartWhen, TriggerType, Visibility
from .free_form import ordered_inputs, sorted_keys
from .schema import END, FORMAT, STAGE_START


def export_definition(version: Version) -> dict[str, Any]:
    """The definition of `version` as a JSON-ready dict. Importing it and exporting
    the result gives the same dict."""
    orchestration = version.orchestration
    steps = (
        Step.objects.filter(version=version)
        .select_related("form", "assignee_user", "assignee_group")
        .prefetch_related("start_after")
        .order_by("position", "pk")
    )
    steps_by_stage: dict[int, list[Step]] = {}
    for step in steps:
        steps_by_stage.setdefault(step.stage_id, []).append(step)
    outcomes: dict[int, list[DecisionOutcome]] = {}
    for outcome in DecisionOutcome.objects.filter(stage__version=version).select_related("target"):
        outcomes.setdefault(outcome.stage_id, []).append(outcome)
    stages = version.stages.select_related("default_target", "fault_target")
    forms = version.forms.prefetch_related("fields").order_by("pk")
    _with_teams([*steps, *(spec for form in forms for spec in form.fields.all())])
    return {
        "format": FORMAT,
        "key": orchestration.key,
        "name": orchestration.name,
        "description": version.description or orchestration.description,
        "label": version.label_template,
        "trigger": _trigger(version),
        "allow_concurrent_runs": version.allow_concurrent_runs,
        "max_stage_visits": version.max_stage_visits,
        "inputs": [_field(spec) for spec in version.inputs.all()],
        "forms": [
            {
                "key": form.key,
                "name": form.name,
                "fields": [_form_field(spec) for spec in form.fields.all()],
            }
            for form in forms
        ],
        "stages": [
            {
                "key": stage.key,
                "name": stage.name,
                "exit_condition": stage.exit_condition,
                "steps": [_step(step) for step in steps_by_stage.get(stage.pk, [])],
                "decision": {
                    "outcomes": [
                        {
                            "label": outcome.label,
                            "when": outcome.condition,
                            "goto": outcome.target.key if outcome.target else END,
                        }
                        for outcome in outcomes.get(stage.pk, [])
                    ],
                    "default": (
                        END
                        if stage.default_ends_run
                        else (stage.default_target.key if stage.default_target else None)
                    ),
                },
                "on_error": stage.fault_target.key if stage.fault_target else None,
            }
            for stage in stages
        ],
    }


def _trigger(version: Version) -> dict[str, Any]:
    if version.trigger_type != TriggerType.RECORD:
        if not version.trigger_model:
            return {"type": TriggerType.MANUAL.value}
        return {
            "type": TriggerType.MANUAL.value,
            "model": version.trigger_model,
            "create": version.record_create,
        }
    return {
        "type": TriggerType.RECORD.value,
        "model": version.trigger_model,
        "on": version.trigger_on,
        "condition": version.trigger_condition,
    }


def _field(spec: Any) -> dict[str, Any]:
    return {
        "key": spec.key,
        "label": spec.label,
        "type": spec.type,
        "required": spec.required,
        "choices": list(spec.choices or []),
        "help": spec.help_text,
        "default": sorted_keys(spec.default),
        "min": spec.min_value,
        "max": spec.max_value,
    }


def _form_field(spec: FormField) -> dict[str, Any]:
    return {
        **_field(spec),
        "visibility": spec.visibility or None,
        "visibility_groups": _group_names(spec.visibility, spec.visibility_groups.all()),
    }


def _with_teams(parts: list[Any]) -> None:
    """Fetch the teams of the parts whose visibility names some, in one query each for
    steps and fields (and none when no part does)."""
    for model in (Step, FormField):
        named = [p for p in parts if isinstance(p, model) and p.visibility == Visibility.GROUPS]
        if named:
            prefetch_related_objects(named, "visibility_groups")


def _group_names(visibility: str, groups: Any) -> list[str]:
    """The teams of a "groups" visibility, by name, sorted (none for another one)."""
    return sorted(group.name for group in groups) if visibility == Visibility.GROUPS else []


def _step(step: Step) -> dict[str, Any]:
    return {
        "key": step.key,
        "name": step.name,
        "type": step.kind,
        "instructions": step.instructions,
        "start": _start(step),
        "exit_condition": step.exit_condition,
        "form": step.form.key if step.form else None,
        "assignee": _assignee(step),
        "reassign": step.reassign,
        "due_in": duration_iso_string(step.due_in) if step.due_in is not None else None,
        "email": {"subject": step.email_subject, "body": step.email_body},
        "visibility": step.visibility,
        "visibility_groups": _group_names(step.visibility, step.visibility_groups.all()),
        "action": step.action or None,
        "inputs": ordered_inputs(step.action or None, step.action_inputs or {}),
        "retry": {
            "max_attempts": step.retry_max_attempts,
            "backoff_seconds": step.retry_backoff_seconds,
        },
    }


def _start(step: Step) -> Any:
    if step.start_when == StartWhen.AFTER:
        waited = sorted(step.start_after.all(), key=lambda s: (s.position, s.pk))
        return {"after": [s.key for s in waited]}
    if step.start_when == StartWhen.CONDITION:
        return {"condition": step.start_condition}
    return STAGE_START


def _assignee(step: Step) -> dict[str, str] | None:
    match step.assignee_type:
        case AssigneeType.USER:
            return {"user": step.assignee_user.get_username() if step.assignee_user else ""}
        case AssigneeType.GROUP:
            return {"group": step.assignee_group.name if step.assignee_group else ""}
        case AssigneeType.EXPRESSION:
            return {"expression": step.assignee_expression}
    return None
