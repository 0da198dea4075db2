"""The bounds on what one expression or template may cost, in one place.

Conditions are written in the builder and evaluated on the web and worker processes, so
no text may crash the parser, hang a worker or fill its memory. Each bound is far above
what a real condition needs; docs/definition-format.md lists them for designers.
"""

from __future__ import annotations

from .errors import Site

# Checked before Python's parser sees the text (it recurses on nesting).
MAX_SOURCE_LENGTH = 5000  # characters of one expression
MAX_DEPTH = 50  # levels of nesting: brackets, operators, calls, dotted names

# Values an expression builds.
MAX_INT_BITS = 4096  # a whole number
MAX_INT_DIGITS = 1233  # the same bound in digits, for messages
MAX_LENGTH = 100_000  # characters of a text, items of a list
MAX_DECIMAL_DIGITS = 1000  # int(Decimal("1e999999")) would build a million-digit int
MAX_ROUND_DIGITS = 100

# What one evaluation, or the rendering of one template, may build or search through in
# all: without it, each value stays under MAX_LENGTH but a list of a hundred of them
# does not.
MAX_WORK = 1_000_000  # characters and list items

# Templates (email texts, action inputs).
MAX_TEMPLATE_LENGTH = 100_000  # characters of the text with its placeholders
MAX_PLACEHOLDERS = 1000
MAX_RENDERED_LENGTH = 1_000_000  # characters of the text once rendered


class Budget:
    """What one evaluation may still build or search through (see MAX_WORK). One is made
    per evaluation (or per rendering of a template) and travels in the `Context`."""

    __slots__ = ("left",)

    def __init__(self, size: int = MAX_WORK):
        self.left = size

    def spend(self, size: int, site: Site) -> None:
        self.left -= size
        if self.left < 0:
            raise site.error(
                f"{site.text} goes through too much text or too many list items "
                f"(more than {MAX_WORK:,} in all)"
            )


class _NotCounted(Budget):
    """The budget of an expression the compiler found nothing to count in (most
    conditions): making none saves a fifth of the time of `record.amount > 10000`."""

    def spend(self, size: int, site: Site) -> None:
        raise RuntimeError(f"{site.source!r} was compiled as spending nothing")


NOT_COUNTED = _NotCounted()
