"""Data-defined forms (and a version's input variables): typed fields a person fills in."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import models

from .choices import FieldType, Visibility
from .definitions import Version, VersionPart, key_field


class FieldSpec(VersionPart):
    """A typed value a person enters: a form field or a run's input variable."""

    position = models.PositiveIntegerField(default=0)
    key = key_field()
    label = models.CharField(max_length=200)
    type = models.CharField(max_length=16, choices=FieldType.choices, default=FieldType.TEXT)
    required = models.BooleanField(default=False)
    choices = models.JSONField(default=list, blank=True, help_text="Allowed values, for choices")
    help_text = models.CharField(max_length=500, blank=True)
    default = models.JSONField(null=True, blank=True)
    # Numbers only (whole or decimal): the smallest and largest value accepted.
    min_value = models.JSONField(null=True, blank=True)
    max_value = models.JSONField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label


class InputVariable(FieldSpec):
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="inputs")

    class Meta(FieldSpec.Meta):
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="input_key_unique"),
        ]

    def owning_version(self) -> Version:
        return self.version


class Form(VersionPart):
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="forms")
    key = key_field()
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="form_key_unique")]

    def __str__(self) -> str:
        return self.name

    def owning_version(self) -> Version:
        return self.version


class FormField(FieldSpec):
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="fields")
    # Empty: as the step that shows the form says. A field may share the one answer an
    # applicant should see from a step whose other answers stay with the staff.
    visibility = models.CharField(
        "who sees the answer",
        max_length=16,
        choices=Visibility.choices,
        blank=True,
        help_text="Empty: as its step says.",
    )
    visibility_groups = models.ManyToManyField(
        Group, blank=True, related_name="+", help_text="The teams, when only they see it."
    )

    class Meta(FieldSpec.Meta):
        constraints = [
            models.UniqueConstraint(fields=["form", "key"], name="form_field_key_unique")
        ]

    def owning_version(self) -> Version:
        return self.form.version
