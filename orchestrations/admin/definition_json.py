"""The JSON columns of a draft's parts (a step's action inputs, a field's choices and
default) as support staff edit them: read and checked as an import would, so JSON
nested 50,000 deep is a form error rather than a RecursionError, and a "\u0000" escape
a form error rather than a database error on PostgreSQL."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput

from ..definition import Problem
from ..definition.limits import DefinitionTextError, check_value, load_definition_text

# Each of these columns is the sixth level of a definition, under $, stages or forms,
# a stage or form, steps or fields, a step or field (see definition/limits.py).
LEVELS_ABOVE = 5


class DefinitionJSONField(forms.JSONField):
    def bound_data(self, data: Any, initial: Any) -> Any:
        # Shown again after an error: Django would parse the text again, recursively.
        if isinstance(data, str) and not self.disabled:
            try:
                load_definition_text(data, levels_above=LEVELS_ABOVE)
            except DefinitionTextError:
                return InvalidJSONInput(data)
        return super().bound_data(data, initial)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and not self.disabled and value not in self.empty_values:
            try:
                load_definition_text(value, levels_above=LEVELS_ABOVE)
            except DefinitionTextError as error:
                raise ValidationError(str(error), code="invalid") from None
        converted = super().to_python(value)
        problems: list[Problem] = []
        check_value(converted, "$", levels_above=LEVELS_ABOVE, problems=problems)
        if problems:
            raise ValidationError([str(problem) for problem in problems], code="invalid")
        return converted
