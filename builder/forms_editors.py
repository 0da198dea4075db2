"""The side-panel editors' forms: a step with every setting of the format, a stage
with its decision. Conditions, expressions and templates are checked on save against
the whole version (what activation checks) and live, as typed, by `condition_check`."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q
from django.urls import reverse
from django.utils.dateparse import parse_duration

from orchestrations.actions import registered_actions
from orchestrations.conditions import Scope
from orchestrations.models import Stage, Step
from orchestrations.models.choices import AssigneeType, StartWhen, StepKind

from . import scopes
from .forms_designer import EditorForm, mark_invalid, unique_key_error

DURATION_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60}
DURATION_TOKEN = re.compile(r"(\d+)\s*(weeks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m)\b\s*,?\s*")
END = "end"


def parse_due_in(text: str) -> timedelta | None:
    """ "2d 4h", "3 days", "90m" or ISO 8601 ("P2DT4H") as a duration; None when empty.
    Raises `forms.ValidationError` with what to write instead."""
    text = text.strip().lower()
    if not text:
        return None
    duration = parse_duration(text.upper()) if text.startswith("p") else None
    if duration is None:
        seconds, position = 0, 0
        for match in DURATION_TOKEN.finditer(text):
            if match.start() != position:
                break
            seconds += int(match.group(1)) * DURATION_UNITS[match.group(2)[0]]
            position = match.end()
        if position != len(text) or not text:
            raise forms.ValidationError(
                f"“{text}” is not a duration: write days, hours and minutes "
                "like 2d, 4h, 1d 12h or 90m."
            )
        duration = timedelta(seconds=seconds)
    if duration.total_seconds() <= 0:
        raise forms.ValidationError("A due date must be some time after the start: e.g. 2d.")
    return duration


def due_in_text(duration: timedelta | None) -> str:
    if duration is None:
        return ""
    minutes = int(duration.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return " ".join(parts) or "0m"


def live_check(
    form: forms.BaseForm,
    name: str,
    *,
    kind: str,
    setting: str,
    url: str,
    place: dict[str, Any],
    shown: bool = True,
) -> None:
    """Make the field `name` ask `condition_check` about its text as it is typed; the
    answer appears in the element `#check-<field id>` below it. A field with text is
    checked at once if `shown`, else when editors.js shows it (event `shown`)."""
    bound = form[name]
    at_once = "load, shown" if shown and bound.value() else "shown"
    values = {"check_kind": kind, "check_setting": setting, "check_field": bound.html_name}
    values |= {f"check_{name}": value for name, value in place.items()}
    if not getattr(form, "editable", True):
        # A disabled field is not sent with the form: send its text along.
        values["check_text"] = bound.value() or ""
    field = form.fields[name]
    field.widget.attrs.update(
        {
            "hx-post": url,
            "hx-trigger": f"input changed delay:300ms, {at_once}",
            "hx-target": f"#check-{bound.auto_id}",
            "hx-swap": "innerHTML",
            "hx-sync": "this:replace",
            "aria-describedby": " ".join(
                [f"check-{bound.auto_id}"] + [f"{bound.auto_id}_helptext"] * bool(field.help_text)
            ),
            "spellcheck": "false",
            "autocomplete": "off",
            "class": "condition-input",
        }
    )
    # Read by _condition_field.html: the values go on the field's wrapper, so that both
    # the text (its check) and the "names" list (loaded when opened) send them.
    field.check = {"kind": kind, "url": url, "values": json.dumps(values)}  # type: ignore[attr-defined]


def check_errors(
    form: forms.BaseForm, name: str, kind: str, scope: Scope, required: str = ""
) -> None:
    """Add the errors of the text in `name` (syntax, unknown names) to the field."""
    text = form.cleaned_data.get(name) or ""
    if not text.strip():
        if required:
            form.add_error(name, required)
        return
    place = scopes.Place(scope, scope, [], {}, {})
    for finding in scopes.check_text(text, kind, place):
        where = f" (at {finding.location})" if finding.location else ""
        form.add_error(name, f"{finding.message.rstrip('.')}{where}.")


def _wide(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


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
            "assignee_expression", "due_in", "email_subject", "email_body", "action",
            "retry_max_attempts", "retry_backoff_seconds", "instructions", "start_when",
            "start_after", "start_condition", "exit_condition",
        ]  # fmt: skip
        labels = {
            "kind": "Type",
            "assignee_type": "Assign to",
            "assignee_user": "User",
            "assignee_group": "Team queue",
            "assignee_expression": "Expression",
            "email_subject": "Email subject",
            "email_body": "Email body",
            "retry_max_attempts": "Attempts",
            "retry_backoff_seconds": "Wait before retrying (seconds)",
            "start_when": "Starts",
            "start_after": "After these steps of the stage",
            "start_condition": "When this condition holds",
            "exit_condition": "Completes early when",
        }
        help_texts = {
            "key": "Conditions read its outputs as steps.<key>. Unique in the version.",
            "assignee_expression": "Gives a user or a team, e.g. record.owner or vars.csm.",
            "email_subject": "The notification for a new work item. {{ record.name }} "
            "placeholders are filled in.",
            "instructions": "Shown with the work item.",
            "exit_condition": "Optional: the step is done when this holds, whatever else happened.",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "assignee_type": forms.RadioSelect,
            "start_when": forms.RadioSelect,
            "start_after": forms.CheckboxSelectMultiple,
            "instructions": _wide(3),
            "email_body": _wide(4),
            "start_condition": _wide(),
            "exit_condition": _wide(),
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
        fields["form"].queryset = self.version.forms.all()
        fields["form"].empty_label = "— choose a form —"
        users = get_user_model()._default_manager.filter(
            Q(is_active=True) | Q(pk=step.assignee_user_id)
        )
        fields["assignee_user"].queryset = users.order_by("first_name", "last_name", "username")
        fields["assignee_user"].label_from_instance = _person
        fields["assignee_group"].queryset = Group.objects.order_by("name")
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
                    widget=_wide(1 if spec.type in ("string", "number", "boolean") else 3),
                    help_text=" ".join(filter(None, [needed, spec.help, hint])),
                )
                self.fields[field_name].action_input = (action_name, input_name, spec)  # type: ignore[attr-defined]
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
                values[input_name] = input_value(text, spec.type)
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

    def trail_back(pk: int, trail: list[int]) -> list[int] | None:
        for waited in waits.get(pk, []):
            if waited == step.pk:
                return trail
            if waited not in trail:
                found = trail_back(waited, [*trail, waited])
                if found:
                    return found
        return None

    found = trail_back(step.pk, [step.pk])
    return [by_pk[pk] for pk in [*found, step.pk]] if found else []


def input_text(value: Any, input_type: str) -> str:
    """A stored action input as the designer edits it."""
    if isinstance(value, str) and input_type in ("string", "datetime", "any"):
        return value
    indent = 2 if isinstance(value, dict | list) and len(json.dumps(value)) > 40 else None
    return json.dumps(value, ensure_ascii=False, indent=indent)


def input_value(text: str, input_type: str) -> Any:
    """An action input typed in the editor as its JSON value: text inputs as written;
    others as JSON, or as text when it holds a {{ }} placeholder (the value is computed
    when the step runs)."""
    if input_type in ("string", "datetime"):
        return text
    try:
        value = json.loads(text)
    except ValueError:
        if input_type == "any" or "{{" in text:
            return text
        example = {"number": "10", "boolean": "true", "object": '{"name": "value"}'}
        raise forms.ValidationError(
            f"Write {input_type} as JSON, e.g. {example.get(input_type, '[1, 2]')}."
        ) from None
    expected = {"number": (int, float), "boolean": (bool,), "object": (dict,), "list": (list,)}
    types = expected.get(input_type)
    wrong_bool = isinstance(value, bool) and input_type == "number"
    if types and (not isinstance(value, types) or wrong_bool):
        raise forms.ValidationError(f"This input takes a {input_type}.")
    return value


def _person(user: Any) -> str:
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()


class StageForm(EditorForm):
    default = forms.ChoiceField(
        label="When no outcome holds", required=False, help_text="The decision's default."
    )
    fault = forms.ChoiceField(
        label="When a step fails",
        required=False,
        help_text="The fault path: where the run goes when a step of this stage fails.",
    )

    class Meta:
        model = Stage
        fields = ["name", "key", "exit_condition"]
        labels = {"exit_condition": "Ends early when"}
        help_texts = {
            "key": "Unique in the version; decisions name stages by it.",
            "exit_condition": "Optional: the stage ends when this holds, even with steps "
            "still running (they are discontinued).",
        }
        widgets = {"exit_condition": _wide()}

    def __init__(self, *args: Any, editable: bool = True, **kwargs: Any):
        kwargs.setdefault("auto_id", f"stage{kwargs['instance'].pk}_%s")
        super().__init__(*args, **kwargs)
        stage: Stage = self.instance
        self.version, self.editable = stage.version, editable
        self.stages = list(self.version.stages.all())
        index = next(i for i, s in enumerate(self.stages) if s.pk == stage.pk)
        following = self.stages[index + 1] if index + 1 < len(self.stages) else None
        next_label = (
            f"the next stage ({following.name})" if following else "end the run (last stage)"
        )
        others = [(str(s.pk), s.name) for s in self.stages if s.pk != stage.pk]
        fields: dict[str, Any] = self.fields
        fields["default"].choices = [
            ("", f"Go to {next_label}"),
            (END, "End the run"),
            *[(str(s.pk), f"Go to {s.name}") for s in self.stages],
        ]
        fields["fault"].choices = [("", "No fault path: the run stops with an error"), *others]
        self.initial.setdefault(
            "default", END if stage.default_ends_run else str(stage.default_target_id or "")
        )
        self.initial.setdefault("fault", str(stage.fault_target_id or ""))
        url = reverse("builder:condition-check", args=[self.version.pk])
        live_check(
            self, "exit_condition", kind=scopes.CONDITION, setting=scopes.STAGE, url=url,
            place={"stage": stage.pk},
        )  # fmt: skip

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if key == END:
            raise forms.ValidationError("'end' is reserved: decisions use it to end the run.")
        error = unique_key_error(self.version.stages.all(), key, self.instance, "the stage")
        if error:
            raise forms.ValidationError(error)
        return key

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        scope = scopes.full_scope(self.version)
        check_errors(self, "exit_condition", scopes.CONDITION, scope)
        self.scope = scope
        return data

    def save(self, commit: bool = True) -> Stage:
        stage: Stage = super().save(commit=False)
        by_pk = {str(s.pk): s for s in self.stages}
        default = self.cleaned_data.get("default") or ""
        stage.default_ends_run = default == END
        stage.default_target = by_pk.get(default)
        stage.fault_target = by_pk.get(self.cleaned_data.get("fault") or "")
        stage.save()
        return stage


class OutcomeForm(forms.Form):
    label = forms.CharField(label="Label", required=False, max_length=200)
    condition = forms.CharField(label="When", widget=_wide())
    target = forms.ChoiceField(label="Go to")

    def __init__(
        self, *args: Any, stage: Stage, stages: list[Stage], editable: bool, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.editable = editable
        fields: dict[str, Any] = self.fields
        fields["target"].choices = [
            *[(str(s.pk), s.name) for s in stages],
            (END, "End the run"),
        ]
        self.fields["condition"].error_messages["required"] = "Write when this outcome is taken."
        url = reverse("builder:condition-check", args=[stage.version_id])
        live_check(
            self, "condition", kind=scopes.CONDITION, setting=scopes.STAGE, url=url,
            place={"stage": stage.pk},
        )  # fmt: skip

    def is_valid(self) -> bool:
        valid = super().is_valid()
        mark_invalid(self)
        return valid


OutcomeFormSet = forms.formset_factory(OutcomeForm, extra=0)


def outcome_rows(data: Any, prefix: str = "outcomes") -> list[dict[str, str]]:
    """The outcome rows as posted, in order (for re-showing them after a row action)."""
    try:
        count = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), 100)
    except ValueError:
        count = 0
    names = ("label", "condition", "target")
    return [{n: data.get(f"{prefix}-{i}-{n}", "") for n in names} for i in range(count)]


def apply_row_action(rows: list[dict[str, str]], action: str) -> list[dict[str, str]]:
    """`add`, `remove-<i>`, `up-<i>` or `down-<i>` applied to the rows."""
    rows = list(rows)
    verb, _, index_text = action.partition("-")
    index = int(index_text) if index_text.isdigit() else -1
    if verb == "add":
        rows.append({"label": "", "condition": "", "target": END})
    elif verb == "remove" and 0 <= index < len(rows):
        rows.pop(index)
    elif verb == "up" and 0 < index < len(rows):
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif verb == "down" and 0 <= index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return rows
