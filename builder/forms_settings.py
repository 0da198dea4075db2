"""The trigger of a version: manual (optionally about a record of a model, which a
person picks or creates when starting a run), or when a record of a model is
created/updated and a start condition holds; with the run's label, the run limits
(concurrency, stage visits) and the version's description."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import reverse

from orchestrations.definition.schema import MAX_STAGE_VISITS
from orchestrations.models import Orchestration, Version
from orchestrations.models.choices import TriggerOn, TriggerType

from . import scopes
from .forms_designer import EditorForm
from .forms_editors import check_errors, live_check
from .storable import StorableTextForm

# Apps whose models are machinery, not records a process is about.
INTERNAL_APPS = {"admin", "contenttypes", "sessions", "orchestrations", "django_celery_results"}
INTERNAL_MODELS = {"auth.Permission"}


def record_model_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Installed models a run can be about, grouped by app: ("demo.Account", "Account — …")."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for model in apps.get_models():
        opts = model._meta
        if opts.app_label in INTERNAL_APPS or opts.label in INTERNAL_MODELS:
            continue
        label = f"{opts.label} — {opts.verbose_name}"
        groups.setdefault(str(opts.app_config.verbose_name), []).append((opts.label, label))
    return [(app, sorted(models)) for app, models in sorted(groups.items())]


class TriggerForm(EditorForm):
    trigger_model = forms.ChoiceField(
        label="Record model",
        required=False,
        help_text="The kind of record a run is about. Record triggers: whose saves start "
        "runs. Manual: optional; a person starting a run then picks one (and conditions, "
        "emails and the label read its fields).",
    )

    class Meta:
        model = Version
        fields = [
            "description", "label_template", "trigger_type", "trigger_model", "record_create",
            "trigger_on", "trigger_condition", "allow_concurrent_runs", "max_stage_visits",
        ]  # fmt: skip
        labels = {
            "description": "Description",
            "label_template": "Run label",
            "record_create": "People starting a run may also create a new record",
            "trigger_type": "Runs start",
            "trigger_on": "When a record is",
            "trigger_condition": "Only when this holds",
            "allow_concurrent_runs": "Allow more than one open run per record",
            "max_stage_visits": "Most visits of one stage",
        }
        help_texts = {
            "description": "What the process is for, in a sentence or two. Shown on the Start "
            "run page and kept in the exported definition.",
            "trigger_condition": 'Optional. Reads record.<field>; changed("field") is true '
            "for a field the save changed.",
            "label_template": "What lists, pages and emails call a run, e.g. Loan for "
            "{{ record.applicant_name }} ({{ vars.term_months }} months). Made when the run "
            "starts and again when its record is saved. Empty: the process's name and the "
            "run's number.",
            "record_create": "Only for models that name the fields a new record needs "
            "(handoff_create_fields).",
            "max_stage_visits": "A run that enters one stage more often than this fails with a "
            "clear message instead of looping for ever. Empty: the server's limit.",
            "allow_concurrent_runs": "",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "trigger_type": forms.RadioSelect,
            "trigger_on": forms.RadioSelect,
            "trigger_condition": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, editable: bool = True, **kwargs: Any):
        kwargs.setdefault("auto_id", "trigger_%s")
        super().__init__(*args, **kwargs)
        self.editable = editable
        version: Version = self.instance
        fields: dict[str, Any] = self.fields
        fields["trigger_type"].choices = TriggerType.choices
        fields["trigger_on"].choices = TriggerOn.choices
        fields["trigger_on"].required = False
        choices: list[Any] = [("", "— none —"), *record_model_choices()]
        known = {value for _, group in choices[1:] for value, _ in group}
        if version.trigger_model and version.trigger_model not in known:
            choices.append((version.trigger_model, f"{version.trigger_model} (not installed)"))
        fields["trigger_model"].choices = choices
        fields["max_stage_visits"].validators.append(MinValueValidator(1))
        fields["max_stage_visits"].validators.append(MaxValueValidator(MAX_STAGE_VISITS))
        fields["max_stage_visits"].widget.attrs.update(min=1, max=MAX_STAGE_VISITS)
        self.initial["trigger_on"] = self.initial.get("trigger_on") or TriggerOn.CREATED
        url = reverse("builder:condition-check", args=[version.pk])
        live_check(
            self, "trigger_condition", kind=scopes.CONDITION, setting=scopes.TRIGGER, url=url,
            place={}, shown=self["trigger_type"].value() == TriggerType.RECORD,
        )  # fmt: skip
        live_check(
            self, "label_template", kind=scopes.TEMPLATE, setting=scopes.LABEL, url=url, place={}
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        record = data.get("trigger_type") == TriggerType.RECORD
        model = data.get("trigger_model")
        if record and not model:
            self.add_error("trigger_model", "Choose the model whose records start runs.")
        elif model and model not in {v for _, group in record_model_choices() for v, _ in group}:
            self.add_error("trigger_model", f"No model '{model}' is installed: choose another.")
        if record and not data.get("trigger_on"):
            self.add_error("trigger_on", "Choose which saves start a run.")
        if self.errors.get("trigger_model"):
            return data
        kind = data.get("trigger_type") or TriggerType.MANUAL.value
        trigger = {"type": kind, "model": model or ""}
        if record:
            place = scopes.place_for(self.instance, setting=scopes.TRIGGER, trigger=trigger)
            check_errors(self, "trigger_condition", scopes.CONDITION, place.full)
        # Only a manual start about a record can create one.
        data["record_create"] = not record and bool(model) and data.get("record_create", False)
        place = scopes.place_for(self.instance, setting=scopes.LABEL, trigger=trigger)
        check_errors(self, "label_template", scopes.TEMPLATE, place)
        return data


class OrchestrationNameForm(StorableTextForm, forms.ModelForm):
    """The process's name: not part of any one version, so it can change at any time
    (exports carry it; the key stays, since files and code refer to it)."""

    class Meta:
        model = Orchestration
        fields = ["name"]
        labels = {"name": "Name"}
        help_texts = {"name": "What people see in their inbox and in the builder."}

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("auto_id", "process_%s")
        super().__init__(*args, **kwargs)
