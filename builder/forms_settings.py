"""The trigger of a version: manual, or when a record of a model is created/updated
and a start condition holds; with the run limits (concurrency, stage visits) and the
version's description."""

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
        label="Model", required=False, help_text="The kind of record whose saves start runs."
    )

    class Meta:
        model = Version
        fields = [
            "description", "trigger_type", "trigger_model", "trigger_on", "trigger_condition",
            "allow_concurrent_runs", "max_stage_visits",
        ]  # fmt: skip
        labels = {
            "description": "Description",
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
        choices: list[Any] = [("", "— choose a model —"), *record_model_choices()]
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

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("trigger_type") != TriggerType.RECORD:
            return data
        model = data.get("trigger_model")
        if not model:
            self.add_error("trigger_model", "Choose the model whose records start runs.")
        elif model not in {v for _, group in record_model_choices() for v, _ in group}:
            self.add_error("trigger_model", f"No model '{model}' is installed: choose another.")
        if not data.get("trigger_on"):
            self.add_error("trigger_on", "Choose which saves start a run.")
        if model and not self.errors.get("trigger_model"):
            trigger = {"type": TriggerType.RECORD.value, "model": model}
            place = scopes.place_for(self.instance, setting=scopes.TRIGGER, trigger=trigger)
            check_errors(self, "trigger_condition", scopes.CONDITION, place.full)
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
