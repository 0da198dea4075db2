"""Text typed in the builder that ends up in a definition, refused next to its field
(as an import would refuse it) when it holds a character that cannot be stored (NUL,
which PostgreSQL refuses; a lone surrogate, which no UTF-8 encoder writes) or is
longer than a definition's texts may be. Otherwise the save would fail with a
database error, or the export would be refused on import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator

from orchestrations.definition.limits import MAX_STRING, unstorable_character, unstorable_message


def validate_storable(value: Any) -> None:
    code = unstorable_character(value) if isinstance(value, str) else None
    if code is not None:
        raise ValidationError(unstorable_message(code), code="unstorable")


def make_storable(field: forms.Field, *, limit_length: bool = True) -> None:
    """Give a text field the check (in place of Django's NUL-only one, so a NUL is
    reported once, in the same words as elsewhere), and the length of a definition's
    texts unless it has a shorter limit of its own."""
    field.validators = [
        v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
    ]
    field.validators.append(validate_storable)
    if limit_length and getattr(field, "max_length", None) is None:
        field.validators.append(MaxLengthValidator(MAX_STRING))


class StorableTextForm(forms.BaseForm):
    """Mixed into every builder form whose text ends up in a definition: each of its
    text fields gets `make_storable` (but those in `unlimited_text`, which are not one
    text of the definition: pasted JSON, say)."""

    unlimited_text: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField):
                make_storable(field, limit_length=name not in self.unlimited_text)
