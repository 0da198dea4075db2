"""From source text to a Python `ast` tree, with positions an admin can use.

The text is parsed by `ast.parse(mode="eval")` and nothing else: it is never compiled or
run by Python. Line breaks count as spaces (a long condition may be wrapped), leading
spaces are allowed, and every position is a 1-based character offset into the
original text.

Python's parser recurses on nesting and has its own ideas about odd characters, so a
cheap scan of the text comes first: it refuses deep nesting, characters that cannot be
stored, and comments (a `#` would hide the rest of a wrapped condition, since line
breaks are spaces here).
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field

from .errors import ConditionSyntaxError
from .limits import MAX_DEPTH, MAX_INT_DIGITS, MAX_SOURCE_LENGTH

NAMESPACES = frozenset({"record", "vars", "steps", "run"})
FILENAME = "<condition>"
# NUL and lone surrogates: no database column or mail server takes them.
UNUSABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")
PREFIX_OPERATORS = frozenset({"-", "+", "~", "not", "await"})
NOT_OUTSIDE_QUOTES = {
    "#": "comments (#) are not allowed",
    "\\": "'\\' is not allowed outside quotes (a condition may go on over several lines)",
}


@dataclass(frozen=True)
class Reference:
    """A dotted path the expression reads, e.g. ("steps", "review", "decision"), with the
    position of each part of it."""

    path: tuple[str, ...]
    positions: tuple[int, ...]


@dataclass
class Parsed:
    source: str
    tree: ast.expr
    lead: int  # characters skipped at the start
    _encoded: bytes = field(repr=False, default=b"")

    def position(self, node: ast.AST) -> int:
        """1-based position of `node` in the source."""
        return self._character_position(_columns(node)[0])

    def position_after(self, node: ast.AST) -> int:
        """1-based position of the first character after `node`."""
        return self._character_position(_columns(node)[1])

    def attribute_position(self, node: ast.Attribute) -> int:
        """1-based position of the name in `value.name`."""
        return self._character_position(_columns(node)[1] - len(node.attr.encode()))

    def _character_position(self, byte_column: int) -> int:
        # ast counts UTF-8 bytes; people count characters.
        column = byte_column
        if self._encoded:
            column = len(self._encoded[:byte_column].decode("utf-8", errors="ignore"))
        return self.lead + column + 1

    def text(self, node: ast.AST) -> str:
        """`node` written out (normalised by `ast.unparse`), for messages."""
        return ast.unparse(node)


def _columns(node: ast.AST) -> tuple[int, int]:
    """Start and end byte columns of an expression node (typeshed puts these on subclasses
    of `ast.AST` only)."""
    return node.col_offset, node.end_col_offset or node.col_offset  # type: ignore[attr-defined]


def parse(source: str) -> Parsed:
    """Parse `source` into a tree or raise `ConditionSyntaxError` with a position."""
    if not isinstance(source, str):
        raise ConditionSyntaxError(f"an expression must be text, not {type(source).__name__}")
    if len(source) > MAX_SOURCE_LENGTH:
        raise ConditionSyntaxError(
            f"the expression is too long ({len(source)} characters, at most {MAX_SOURCE_LENGTH})",
            source=source,
        )
    _scan(source)
    flat = source.replace("\r", " ").replace("\n", " ")
    body = flat.lstrip()
    lead = len(flat) - len(body)
    if not body.strip():
        raise ConditionSyntaxError("the expression is empty", source=source)
    try:
        with warnings.catch_warnings():
            # Python only warns about oddities such as `1and 2` or `1x`: for an admin's
            # expression they are mistakes, reported with their column like any other.
            warnings.simplefilter("error", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            tree = ast.parse(body, filename=FILENAME, mode="eval")
    except SyntaxError as error:
        raise _syntax_error(error, source, lead) from None
    except (RecursionError, MemoryError):
        raise ConditionSyntaxError(_too_deep(), source=source) from None
    except ValueError:
        raise ConditionSyntaxError(
            "the expression contains characters that cannot be used", source=source
        ) from None
    encoded = b"" if body.isascii() else body.encode()
    parsed = Parsed(source, tree.body, lead, encoded)
    _check_depth(parsed)
    return parsed


def _syntax_error(error: SyntaxError, source: str, lead: int) -> ConditionSyntaxError:
    message = error.msg or "invalid syntax"
    # Python suggests the walrus operator, which the language does not have.
    message = message.replace("'==' or ':=' instead of '='", "'==' instead of '='")
    if "null bytes" in message:
        message = "the expression contains characters that cannot be used"
    if "integer string conversion" in message:
        message = too_large_number()
    if not error.offset:
        # Python reports an expression that stops short at offset 0.
        if message == "invalid syntax":
            message = "the expression is incomplete"
        return ConditionSyntaxError(message, source=source, position=len(source.rstrip()))
    position = max(1, min(lead + error.offset, len(source)))
    return ConditionSyntaxError(message, source=source, position=position)


def _check_depth(parsed: Parsed) -> None:
    pending: list[tuple[ast.AST, int]] = [(parsed.tree, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise ConditionSyntaxError(
                _too_deep(),
                source=parsed.source,
                position=parsed.position(node) if hasattr(node, "col_offset") else None,
            )
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _scan(source: str) -> None:
    """Refuse what Python's parser should not see, with its position: a character that
    cannot be stored, a comment, a line continuation, more than MAX_DEPTH open brackets,
    or more than MAX_DEPTH prefix operators in a row (`not not -x`). Text in quotes is
    skipped; what is left broken is for the parser to report."""
    unusable = UNUSABLE_CHARACTER.search(source)
    if unusable:
        code = f"U+{ord(unusable.group()):04X}"
        raise ConditionSyntaxError(
            f"the expression contains a character that cannot be used ({code})",
            source=source,
            position=unusable.start() + 1,
        )
    brackets = prefixes = index = 0
    while index < len(source):
        char, start = source[index], index
        if char in "'\"":
            index, prefixes = _after_string(source, index), 0
            continue
        index += 1
        if char.isalnum() or char == "_":
            while index < len(source) and (source[index].isalnum() or source[index] == "_"):
                index += 1
            char = source[start:index]
        if char in PREFIX_OPERATORS:
            prefixes += 1
        elif not char.isspace():
            prefixes = 0
        if char in ("(", "[", "{"):
            brackets += 1
        elif char in (")", "]", "}"):
            brackets -= 1
        elif char in NOT_OUTSIDE_QUOTES:
            raise ConditionSyntaxError(NOT_OUTSIDE_QUOTES[char], source=source, position=start + 1)
        if brackets > MAX_DEPTH or prefixes > MAX_DEPTH:
            raise ConditionSyntaxError(_too_deep(), source=source, position=start + 1)


def _after_string(source: str, start: int) -> int:
    """The index after the quoted text that starts at `start` (the end of `source` when it
    is never closed)."""
    quote = source[start] * 3 if source.startswith(source[start] * 3, start) else source[start]
    index = start + len(quote)
    while index < len(source):
        if source[index] == "\\":
            index += 2
        elif source.startswith(quote, index):
            return index + len(quote)
        else:
            index += 1
    return len(source)


def _too_deep() -> str:
    return f"the expression is nested too deeply (more than {MAX_DEPTH} levels)"


def too_large_number() -> str:
    return f"the number is too large (whole numbers have at most {MAX_INT_DIGITS:,} digits)"


def chain_of(node: ast.AST, parsed: Parsed) -> Reference | None:
    """The dotted path `node` reads when it is one (`steps.review.decision`,
    `vars["amount"]`), else None. Subscripts by a literal text count as a dotted part."""
    parts: list[str] = []
    positions: list[int] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            positions.append(parsed.attribute_position(node))
            node = node.value
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            parts.append(node.slice.value)
            positions.append(parsed.position(node.slice))
            node = node.value
        elif isinstance(node, ast.Name) and node.id in NAMESPACES:
            parts.append(node.id)
            positions.append(parsed.position(node))
            return Reference(tuple(reversed(parts)), tuple(reversed(positions)))
        else:
            return None


def collect_references(parsed: Parsed) -> tuple[Reference, ...]:
    """Every dotted path the expression reads (the longest one at each place), in the
    order they appear. `changed("field")` counts as reading `record.field`."""
    found: list[Reference] = []
    pending: list[ast.AST] = [parsed.tree]
    while pending:
        node = pending.pop()
        reference = chain_of(node, parsed)
        if reference is not None:
            found.append(reference)
            continue
        field = _changed_field(node)
        if field is not None:
            position = parsed.position(field)
            found.append(Reference(("record", str(field.value)), (position, position)))
            continue
        pending.extend(reversed(list(ast.iter_child_nodes(node))))
    return tuple(sorted(found, key=lambda reference: reference.positions[0]))


def _changed_field(node: ast.AST) -> ast.Constant | None:
    """The literal field name of a `changed("field")` call."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    if node.func.id != "changed" or len(node.args) != 1:
        return None
    argument = node.args[0]
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument
    return None
