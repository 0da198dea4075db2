"""Forms of the orchestrations list and the canvas: create an orchestration, add a
stage, add a step. Keys are derived from names (`builder.keys`) and made unique;
only the orchestration's key can be edited here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import validate_slug
from django.db import transaction

from orchestrations.definition.schema import END
from orchestrations.models import Orchestration, Stage, Step, Version
from orchestrations.models.choices import StepKind

from .canvas import next_position
from .keys import KEY_LENGTH, derive_key
from .storable import StorableTextForm


class OrchestrationCreateForm(StorableTextForm, forms.Form):
    name = forms.CharField(
        max_length=200, help_text="What the process is called, e.g. Customer onboarding."
    )
    key = forms.CharField(
        max_length=KEY_LENGTH,
        required=False,
        validators=[validate_slug],
        help_text="Identifies it in exported files and in code. Letters, digits, _ and -. "
        "Leave empty to derive it from the name.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        name, key = cleaned.get("name"), cleaned.get("key")
        if key and Orchestration.objects.filter(key=key).exists():
            taken = Orchestration.objects.filter(key__startswith=key).values_list("key", flat=True)
            suggestion = derive_key(key, taken, "process")
            self.add_error(
                "key", f"An orchestration with the key “{key}” exists already; try “{suggestion}”."
            )
        elif not key and name and "key" not in self.errors:
            base = derive_key(name, (), "process")
            taken = Orchestration.objects.filter(key__startswith=base).values_list("key", flat=True)
            cleaned["key"] = derive_key(name, taken, "process")
        return cleaned

    def save(self, *, by: Any) -> Version:
        """The new orchestration's first version, a draft."""
        with transaction.atomic():
            orchestration = Orchestration.objects.create(
                name=self.cleaned_data["name"], key=self.cleaned_data["key"]
            )
            return Version.objects.create(orchestration=orchestration, number=1, created_by=by)


class StageAddForm(StorableTextForm, forms.Form):
    name = forms.CharField(max_length=200)

    def __init__(self, *args: Any, version: Version, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.version = version

    def save(self) -> Stage:
        stages = self.version.stages
        return Stage.objects.create(
            version=self.version,
            name=self.cleaned_data["name"],
            # "end" is the decision target that ends the run: a stage "End" is "end_stage".
            key=derive_key(
                self.cleaned_data["name"],
                stages.values_list("key", flat=True),
                "stage",
                reserved=[END],
            ),
            position=next_position(stages),
        )


class StepAddForm(StorableTextForm, forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=StepKind.choices, initial=StepKind.INTERACTIVE)

    def __init__(self, *args: Any, stage: Stage, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.stage = stage

    def save(self) -> Step:
        taken = Step.objects.filter(version_id=self.stage.version_id).values_list("key", flat=True)
        return Step.objects.create(
            version_id=self.stage.version_id,
            stage=self.stage,
            name=self.cleaned_data["name"],
            kind=self.cleaned_data["kind"],
            key=derive_key(self.cleaned_data["name"], taken, "step"),
            position=next_position(self.stage.steps),
        )
