"""The step editor's form: every setting of a step in the definition format."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q
from django.urls import reverse

from orchestrations.actions import registered_actions
from orchestrations.conditions import Scope
from orchestrations.models import Step
from orchestrations.models.choices import (
    AssigneeType,
    ReassignScope,
    StartWhen,
    StepKind,
    Visibility,
)

from .. import scopes
from ..durations import due_in_text, parse_due_in
from ..forms_designer import EditorForm, unique_key_error
from ..storable import make_storable
from .conditions import check_errors, live_check, wide
from .values import input_text, input_value


class StepForm(EditorForm):
    due_in = forms.CharField(
        label="Due in",
        required=False,
        help_text="How long the assignee has, e.g. 2d, 4h or 1d 12h. Empty: never overdue.",
    )
    action = forms.ChoiceField(label="Action", required=False)

    class Meta:
        model = Step
        fields = [
            "name", "key", "kind", "form", "assignee_type", "assignee_user", "assignee_group",
            "assignee_expression", "reassign", "due_in", "email_subject", "email_body", "action",
            "retry_max_attempts", "retry_backoff_seconds", "instructions", "start_when",
            "start_after", "start_condition", "exit_condition", "visibility", "visibility_groups",
        ]  # fmt: skip
        labels = {
            "kind": "Type",
            "assignee_type": "Assign to",
            "assignee_user": "User",
            "assignee_group": "Team queue",
            "assignee_expression": "Expression",
            "reassign": "Who may reassign its items",
            "email_subject": "Email subject",
            "email_body": "Email body",
            "retry_max_attempts": "Attempts",
            "retry_backoff_seconds": "Wait before retrying (seconds)",
            "start_when": "Starts",
            "start_after": "After these steps of the stage",
            "start_condition": "When this condition holds",
            "exit_condition": "Completes early when",
            "visibility": "Who sees its answers later",
            "visibility_groups": "The teams",
        }
        help_texts = {
            "key": "Conditions read its outputs as steps.<key>. Unique in the version.",
            "assignee_expression": "Gives a user or a team, e.g. record.owner or vars.csm.",
            "reassign": "Whom the people working an item may hand it to. Support staff may "
            "always reassign it, to any member or team; outside participants never can.",
            "email_subject": "The notification for a new work item. {{ record.name }} "
            "placeholders are filled in.",
            "instructions": "Shown with the work item.",
            "start_condition": "Checked again whenever the run changes. When nothing else in "
            "the stage runs and it does not hold, the step is skipped, unless the stage has "
            "an exit condition: then it waits.",
            "exit_condition": "Optional: the step is done when this holds, whatever else happened.",
            "visibility": "Support staff, and whoever gave an answer, always see it. Shared "
            "with participants, the names of who holds and completed the step are shown to "
            "them too; otherwise they see the team's name. A form field may say otherwise "
            "for its own answer (in the form designer).",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "assignee_type": forms.RadioSelect,
            "reassign": forms.RadioSelect,
            "start_when": forms.RadioSelect,
            "start_after": forms.CheckboxSelectMultiple,
            "visibility": forms.RadioSelect,
            "visibility_groups": forms.CheckboxSelectMultiple,
            "instructions": wide(3),
            "email_body": wide(4),
            "start_condition": wide(),
            "exit_condition": wide(),
            "assignee_expression": forms.TextInput,
        }

    def __init__(self, *args: Any, editable: bool = True, **kwargs: Any):
        kwargs.setdefault("auto_id", f"step{kwargs['instance'].pk}_%s")
        super().__init__(*args, **kwargs)
        step: Step = self.instance
        self.version, self.editable = step.version, editable
        fields: dict[str, Any] = self.fields
        fields["kind"].choices = StepKind.choices
        fields["assignee_type"].choices = AssigneeType.choices
        fields["assignee_type"].required = False
        fields["reassign"].choices = ReassignScope.choices
        fields["reassign"].required = False  # a background step has no choice to make
        fields["form"].queryset = self.version.forms.all()
        fields["form"].empty_label = "— choose a form —"
        users = get_user_model()._default_manager.filter(
            Q(is_active=True) | Q(pk=step.assignee_user_id)
        )
        fields["assignee_user"].queryset = users.order_by("first_name", "last_name", "username")
        fields["assignee_user"].label_from_instance = _person
        fields["assignee_group"].queryset = Group.objects.order_by("name")
        fields["visibility"].choices = Visibility.choices
        fields["visibility"].required = False  # not sent (an older page): kept as it is
        fields["visibility_groups"].queryset = Group.objects.order_by("name")
        fields["visibility_groups"].required = False
        fields["start_after"].queryset = step.stage.steps.exclude(pk=step.pk)
        fields["start_after"].required = False
        self.actions = registered_actions()
        fields["action"].choices = [("", "— choose an action —")] + [
            (name, f"{name}: {action.description}" if action.description else name)
            for name, action in self.actions.items()
        ]
        if step.action and step.action not in self.actions:
            fields["action"].choices.append((step.action, f"{step.action} (not registered)"))
        self.initial["due_in"] = due_in_text(step.due_in)
        self.action_fields = self._add_action_inputs(step)
        self._live_checks(step)

    def _add_action_inputs(self, step: Step) -> dict[str, list[tuple[str, str]]]:
        """One field per declared input of every action (only the chosen action's are
        shown and saved): {action: [(input name, form field name)]}."""
        found: dict[str, list[tuple[str, str]]] = {}
        for action_name, action in self.actions.items():
            for input_name, spec in action.inputs.items():
                field_name = re.sub(r"\W", "_", f"input__{action_name}__{input_name}")
                hint = {"string": "Text; {{ }} placeholders are filled in."}.get(
                    spec.type, f"JSON ({spec.type}); text with {{{{ }}}} placeholders works too."
                )
                needed = "Required." if spec.required else "Optional."
                self.fields[field_name] = forms.CharField(
                    label=input_name,
                    required=False,
                    widget=wide(1 if spec.type in ("string", "number", "boolean") else 3),
                    help_text=" ".join(filter(None, [needed, spec.help, hint])),
                )
                self.fields[field_name].action_input = (action_name, input_name, spec)  # type: ignore[attr-defined]
                # The value's limits are those of a definition's (input_value checks them).
                make_storable(self.fields[field_name], limit_length=False)
                if step.action == action_name and input_name in (step.action_inputs or {}):
                    self.initial[field_name] = input_text(step.action_inputs[input_name], spec.type)
                found.setdefault(action_name, []).append((input_name, field_name))
        return found

    def _live_checks(self, step: Step) -> None:
        url = reverse("builder:condition-check", args=[self.version.pk])
        place = {"step": step.pk}
        # Only the fields on show are checked when the editor opens (see editors.js).
        interactive = self["kind"].value() != StepKind.BACKGROUND
        for name, kind, setting, shown in (
            ("start_condition", scopes.CONDITION, scopes.STEP_CONDITION,
             self["start_when"].value() == StartWhen.CONDITION),
            ("exit_condition", scopes.CONDITION, scopes.STEP_CONDITION, True),
            ("assignee_expression", scopes.EXPRESSION, scopes.STEP_START,
             interactive and self["assignee_type"].value() == AssigneeType.EXPRESSION),
            ("email_subject", scopes.TEMPLATE, scopes.STEP_START, interactive),
            ("email_body", scopes.TEMPLATE, scopes.STEP_START, interactive),
        ):  # fmt: skip
            live_check(self, name, kind=kind, setting=setting, url=url, place=place, shown=shown)
        chosen = None if interactive else self["action"].value()
        for action_name, inputs in self.action_fields.items():
            for _, field_name in inputs:
                live_check(
                    self, field_name, kind=scopes.TEMPLATE, setting=scopes.STEP_START, url=url,
                    place=place, shown=action_name == chosen,
                )  # fmt: skip

    def action_groups(self) -> list[dict[str, Any]]:
        """The chosen-action-dependent inputs for the template, one group per action."""
        return [
            {
                "name": name,
                "description": self.actions[name].description,
                "fields": [self[field_name] for _, field_name in inputs],
            }
            for name, inputs in self.action_fields.items()
        ] + [
            {"name": name, "description": "", "fields": []}
            for name in self.actions
            if name not in self.action_fields
        ]

    def clean_due_in(self) -> timedelta | None:
        return parse_due_in(self.cleaned_data["due_in"] or "")

    def clean_reassign(self) -> str:
        return self.cleaned_data.get("reassign") or ReassignScope.TEAM

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        error = unique_key_error(self.version.steps.all(), key, self.instance, "the step")
        if error:
            raise forms.ValidationError(error)
        return key

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        scope = scopes.full_scope(self.version)
        if data.get("kind") == StepKind.BACKGROUND:
            self._clean_background(data, scope)
        else:
            self._clean_interactive(data, scope)
        self._clean_start(data, scope)
        check_errors(self, "exit_condition", scopes.CONDITION, scope)
        data["visibility"] = data.get("visibility") or self.instance.visibility
        no_teams = not data.get("visibility_groups") and "visibility_groups" not in self.errors
        if data.get("visibility") == Visibility.GROUPS and no_teams:
            self.add_error("visibility_groups", "Tick the teams that see the answers.")
        return data

    def _clean_interactive(self, data: dict[str, Any], scope: Scope) -> None:
        if not data.get("form") and "form" not in self.errors:
            self.add_error("form", "Choose the form this step shows (create one on the Forms tab).")
        assignee = data.get("assignee_type")
        user = data.get("assignee_user")
        if not assignee:
            self.add_error("assignee_type", "Choose who does this step.")
        elif assignee == AssigneeType.USER and not user and "assignee_user" not in self.errors:
            self.add_error("assignee_user", "Choose the user.")
        elif assignee == AssigneeType.USER and user and not user.is_active:
            self.add_error("assignee_user", f"{_person(user)} is inactive: choose someone else.")
        elif assignee == AssigneeType.GROUP and not data.get("assignee_group"):
            self.add_error("assignee_group", "Choose the team queue.")
        elif assignee == AssigneeType.EXPRESSION:
            required = "Write the expression that gives the assignee, e.g. record.owner."
            check_errors(self, "assignee_expression", scopes.EXPRESSION, scope, required)
        for name in ("email_subject", "email_body"):
            check_errors(self, name, scopes.TEMPLATE, scope)
        data["action_inputs"] = {}

    def _clean_background(self, data: dict[str, Any], scope: Scope) -> None:
        name = data.get("action")
        if not name:
            self.add_error("action", "Choose the action this step runs.")
            return
        if name not in self.actions:
            self.add_error("action", f"No action '{name}' is registered: choose another.")
            return
        values: dict[str, Any] = {}
        for input_name, field_name in self.action_fields.get(name, []):
            spec = self.actions[name].inputs[input_name]
            text = self.cleaned_data.get(field_name) or ""
            if not text.strip():
                if spec.required:
                    self.add_error(field_name, f"The action {name} needs this input.")
                continue
            try:
                values[input_name] = input_value(text, spec.type, input_name)
            except forms.ValidationError as error:
                self.add_error(field_name, error)
                continue
            check_errors(self, field_name, scopes.TEMPLATE, scope)
        data["action_inputs"] = values
        retries = data.get("retry_max_attempts")
        if retries is not None and not 1 <= retries <= 100:
            self.add_error("retry_max_attempts", "From 1 to 100 attempts.")
        backoff = data.get("retry_backoff_seconds")
        if backoff is not None and backoff > 86400:
            self.add_error("retry_backoff_seconds", "At most 86400 seconds (a day).")

    def _clean_start(self, data: dict[str, Any], scope: Scope) -> None:
        when = data.get("start_when")
        if when == StartWhen.CONDITION:
            required = "Write the condition that starts this step."
            check_errors(self, "start_condition", scopes.CONDITION, scope, required)
        if when != StartWhen.AFTER:
            return
        after = list(data.get("start_after") or [])
        if not after:
            if "start_after" not in self.errors:
                self.add_error("start_after", "Tick the steps this one waits for.")
            return
        circle = waiting_circle(self.instance, after)
        if circle:
            shown = " → ".join(s.name for s in circle)
            self.add_error(
                "start_after",
                f"Steps would wait for each other in a circle: {shown}. None of them could "
                "start; untick one.",
            )

    def save(self, commit: bool = True) -> Step:
        step: Step = super().save(commit=False)
        data = self.cleaned_data
        if step.kind == StepKind.BACKGROUND:
            step.form = None
            step.assignee_type, step.assignee_user, step.assignee_group = "", None, None
            step.assignee_expression = ""
            step.reassign = ReassignScope.TEAM  # no work item to reassign
            step.action_inputs = data["action_inputs"]
        else:
            step.action, step.action_inputs = "", {}
            kept = step.assignee_type
            step.assignee_user = step.assignee_user if kept == AssigneeType.USER else None
            step.assignee_group = step.assignee_group if kept == AssigneeType.GROUP else None
            if kept != AssigneeType.EXPRESSION:
                step.assignee_expression = ""
        if step.start_when != StartWhen.CONDITION:
            step.start_condition = ""
        step.save()
        step.start_after.set(data["start_after"] if step.start_when == StartWhen.AFTER else [])
        groups = data.get("visibility_groups") or []
        step.visibility_groups.set(groups if step.visibility == Visibility.GROUPS else [])
        return step


def waiting_circle(step: Step, after: list[Step]) -> list[Step]:
    """The steps of a circle of "after" dependencies the new `after` of `step` closes
    (starting and ending with `step`), or []."""
    stage_steps = Step.objects.filter(stage_id=step.stage_id).prefetch_related("start_after")
    by_pk = {s.pk: s for s in stage_steps}
    waits = {
        s.pk: [w.pk for w in s.start_after.all()] if s.start_when == StartWhen.AFTER else []
        for s in stage_steps
    }
    waits[step.pk] = [s.pk for s in after]
    by_pk[step.pk] = step

    # Depth first from `step` along "waits for", with a stack of our own (a long
    # chain must not overflow Python's); reaching `step` again closes the circle.
    trail = [step.pk]
    seen = {step.pk}
    unvisited = [iter(waits.get(step.pk, []))]
    while unvisited:
        waited = next(unvisited[-1], None)
        if waited is None:
            unvisited.pop()
            trail.pop()
        elif waited == step.pk:
            return [by_pk[pk] for pk in [*trail, step.pk]]
        elif waited not in seen:
            seen.add(waited)
            trail.append(waited)
            unvisited.append(iter(waits.get(waited, [])))
    return []


def _person(user: Any) -> str:
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()
