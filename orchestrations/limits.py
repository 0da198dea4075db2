"""How much a value people submit may hold, so that it can be stored and compared.

The forms built from field specs (`orchestrations.fields`) and the engine's checks of
its arguments (`orchestrations.engine.arguments`) ask these; docs/definition-format.md
("Limits on values") lists them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

TEXT_MAX_LENGTH = 1_000
LONG_TEXT_MAX_LENGTH = 20_000
EMAIL_MAX_LENGTH = 254  # the longest address SMTP carries (RFC 5321)
URL_MAX_LENGTH = 2_048  # what browsers and Django's URL validator accept

# Whole numbers of up to 15 digits: exact as a JSON number for every reader (JavaScript's
# safe integers end at 2**53, about 9e15), and more than any count or amount needs.
NUMBER_MAX_DIGITS = 15
NUMBER_LIMIT = 10**NUMBER_MAX_DIGITS - 1
NUMBER_MESSAGE = f"Enter a whole number of at most {NUMBER_MAX_DIGITS} digits."

# 28 significant digits is Python's default decimal precision, so arithmetic in
# conditions stays exact; up to 10 of them after the point.
DECIMAL_MAX_DIGITS = 28
DECIMAL_PLACES = 10
DECIMAL_DIGITS_MESSAGE = (  # Django's wording, for a number too long to be given as text
    f"Ensure that there are no more than {DECIMAL_MAX_DIGITS} digits in total."
)

# A reason for a cancel, a release or a reassignment, kept in the run's timeline.
REASON_MAX_LENGTH = 1_000

NULL_MESSAGE = "Null characters are not allowed."  # Django's own wording, for CharField
SURROGATE_MESSAGE = "Remove the invalid characters: this text is not valid Unicode."


def unstorable_text(text: str) -> str:
    """Why `text` cannot be stored, or "": PostgreSQL refuses NUL characters in text
    and JSON, and a lone surrogate (half of a UTF-16 pair) cannot be encoded at all."""
    if "\x00" in text:
        return NULL_MESSAGE
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return ""


def refuse_lone_surrogates(value: Any) -> None:
    """A form-field validator (CharField already refuses NUL characters itself)."""
    if isinstance(value, str) and unstorable_text(value) == SURROGATE_MESSAGE:
        raise ValidationError(SURROGATE_MESSAGE, code="surrogates")
