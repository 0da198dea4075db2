"""Keys derived from names, as the builder suggests them: lower-case, underscores,
starting with a letter. A new stage, step or orchestration gets a free key at once
(…_2, …_3); a form or field key derived from its label is checked for clashes by its
form instead (the admin sees the key and may change it)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from django.utils.text import slugify

KEY_LENGTH = 64


def derive_key(name: str, taken: Iterable[str], prefix: str, reserved: Collection[str] = ()) -> str:
    """A key for `name`: "Kick-off call!" → "kick_off_call", starting with a letter
    (else `prefix`_…), not a `reserved` word (else …_`prefix`: "End" → "end_stage"),
    not in `taken` (else …_2, …_3)."""
    base = re.sub(r"[^a-z0-9]+", "_", slugify(name)).strip("_")
    if not base[:1].isalpha():
        base = f"{prefix}_{base}".rstrip("_")
    if base in reserved:
        base = f"{base}_{prefix}"
    return numbered(base[: KEY_LENGTH - 4].rstrip("_"), taken)


def numbered(base: str, taken: Iterable[str]) -> str:
    """`base`, or `base`_2, `base`_3… whichever is not in `taken`."""
    taken = set(taken)
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def key_from(text: str) -> str:
    """A key derived from a label or name: "Start date" → "start_date"."""
    key = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if key and not key[0].isalpha():
        key = f"f_{key}"
    return key[:KEY_LENGTH]
