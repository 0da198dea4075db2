"""Turns a parsed expression into nested Python closures, refusing everything that is
not on the allow-list.

Each allowed node type has a handler that returns an `Evaluator`, a closure taking the
namespaces and the evaluation `Context`. A node type without a handler is refused, so
new Python syntax is refused until someone decides to allow it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from .calls import compile_call
from .comparisons import compile_compare
from .errors import ConditionSyntaxError, Site, quoted
from .functions import Context
from .limits import MAX_INT_BITS
from .operators import arithmetic, negate, positive
from .parser import UNUSABLE_CHARACTER, Parsed, chain_of, too_large_number
from .reading import compile_attribute, compile_name, compile_subscript
from .values import kind_of

Evaluator = Callable[[Any, Context], Any]

LITERAL_TYPES = (str, int, float, bool, type(None))
ARITHMETIC_SYMBOLS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
}
REFUSED_OPERATORS = {
    ast.Pow: "'**' is not allowed",
    ast.BitAnd: "'&' is not allowed (use 'and')",
    ast.BitOr: "'|' is not allowed (use 'or')",
    ast.BitXor: "'^' is not allowed",
    ast.LShift: "'<<' is not allowed",
    ast.RShift: "'>>' is not allowed",
    ast.MatMult: "'@' is not allowed",
}
REFUSED_NODES = {
    ast.Lambda: "lambda functions are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed (join text with +)",
    ast.NamedExpr: "assignments (:=) are not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.Slice: "slices are not allowed (pick one item, e.g. items[0])",
    ast.Set: "sets are not allowed (use a list)",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
}


class Compiler:
    """Compiles the tree of one `Parsed` expression."""

    def __init__(self, parsed: Parsed):
        self.parsed = parsed
        self.source = parsed.source
        # Whether some part may spend from the evaluation's budget; most conditions
        # (`record.amount > 10000`) never do, and then evaluating makes no budget.
        self.spends = False

    def compile(self, node: ast.AST) -> Evaluator:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            message = REFUSED_NODES.get(type(node), f"{type(node).__name__} is not allowed")
            raise self.refuse(node, message)
        return handler(self, node)

    def refuse(self, node: ast.AST, message: str, *, at: int | None = None) -> ConditionSyntaxError:
        position = at if at is not None else self.parsed.position(node)
        return ConditionSyntaxError(message, source=self.source, position=position)

    def site(self, node: ast.AST, *, about: ast.AST | None = None, at: int | None = None) -> Site:
        """Where `node` is evaluated; `about` is the value it reads from (for messages)."""
        position = at if at is not None else self.parsed.position(node)
        if about is None:
            return Site(self.source, position, quoted(self.parsed.text(node)))
        reference = chain_of(about, self.parsed)
        if reference is None:  # not a plain path: quote it so the message reads clearly
            return Site(self.source, position, quoted(self.parsed.text(about)))
        return Site(self.source, position, self.parsed.text(about), reference.path)

    def literal(self, node: ast.AST) -> tuple[bool, Any]:
        """(True, value) when `node` is a value fixed at compile time."""
        if isinstance(node, ast.Constant) and isinstance(node.value, LITERAL_TYPES):
            return True, node.value
        if (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant)
        ):
            number = node.operand.value
            if isinstance(number, int | float) and not isinstance(number, bool):
                return True, -number
        return False, None

    # Handlers, one per allowed node type.

    def constant(self, node: ast.Constant) -> Evaluator:
        value = node.value
        if not isinstance(value, LITERAL_TYPES):
            kind = "'...' is" if value is Ellipsis else f"{type(value).__name__} literals are"
            raise self.refuse(node, f"{kind} not allowed")
        if type(value) is int and value.bit_length() > MAX_INT_BITS:
            raise self.refuse(node, too_large_number())
        if type(value) is str and (unusable := UNUSABLE_CHARACTER.search(value)):
            code = f"U+{ord(unusable.group()):04X}"
            raise self.refuse(node, f"the text contains a character that cannot be used ({code})")
        return lambda namespaces, context: value

    def boolean(self, node: ast.BoolOp) -> Evaluator:
        parts = [self.compile(value) for value in node.values]
        if len(parts) == 2:  # the usual `a and b`, without a loop
            first, second = parts
            if isinstance(node.op, ast.And):
                return lambda namespaces, context: (
                    first(namespaces, context) and second(namespaces, context)
                )
            return lambda namespaces, context: (
                first(namespaces, context) or second(namespaces, context)
            )
        if isinstance(node.op, ast.And):

            def all_hold(namespaces: Any, context: Context) -> Any:
                for part in parts:
                    value = part(namespaces, context)
                    if not value:
                        return value
                return value

            return all_hold

        def any_holds(namespaces: Any, context: Context) -> Any:
            for part in parts:
                value = part(namespaces, context)
                if value:
                    return value
            return value

        return any_holds

    def unary(self, node: ast.UnaryOp) -> Evaluator:
        fixed, value = self.literal(node)
        if fixed:
            return lambda namespaces, context: value
        operand, site = self.compile(node.operand), self.site(node)
        if isinstance(node.op, ast.Not):
            return lambda namespaces, context: not operand(namespaces, context)
        if isinstance(node.op, ast.USub):
            return lambda namespaces, context: negate(operand(namespaces, context), site)
        if isinstance(node.op, ast.UAdd):
            return lambda namespaces, context: positive(operand(namespaces, context), site)
        raise self.refuse(node, "'~' is not allowed")

    def binary(self, node: ast.BinOp) -> Evaluator:
        symbol = ARITHMETIC_SYMBOLS.get(type(node.op))
        if symbol is None:
            message = REFUSED_OPERATORS.get(type(node.op), "this operator is not allowed")
            raise self.refuse(node, message, at=self.operator_position(node))
        left, right = self.compile(node.left), self.compile(node.right)
        calculate, site = arithmetic(symbol), self.site(node)
        if symbol != "+":
            return lambda namespaces, context: calculate(
                left(namespaces, context), right(namespaces, context), site
            )
        self.spends = True

        def add(namespaces: Any, context: Context) -> Any:
            result = calculate(left(namespaces, context), right(namespaces, context), site)
            kind = type(result)
            if kind is str or kind is list or kind is tuple:  # joined: a new value to pay for
                context[2].spend(len(result), site)
            return result

        return add

    def operator_position(self, node: ast.BinOp) -> int:
        """Where the operator sits: the first non-space after the left operand."""
        after_left = self.parsed.position_after(node.left)
        text = self.source
        while after_left <= len(text) and text[after_left - 1] in " ()\t\n\r":
            after_left += 1
        return min(after_left, len(text))

    def choice(self, node: ast.IfExp) -> Evaluator:
        test, body, orelse = (
            self.compile(node.test),
            self.compile(node.body),
            self.compile(node.orelse),
        )
        return lambda namespaces, context: (
            body(namespaces, context) if test(namespaces, context) else orelse(namespaces, context)
        )

    def sequence(self, node: ast.List | ast.Tuple) -> Evaluator:
        items = [self.compile(item) for item in node.elts]
        build = list if isinstance(node, ast.List) else tuple
        return lambda namespaces, context: build([item(namespaces, context) for item in items])

    def mapping(self, node: ast.Dict) -> Evaluator:
        if any(key is None for key in node.keys):
            raise self.refuse(node, "'**' unpacking is not allowed")
        pairs = [
            (self.compile(k), self.compile(v))
            for k, v in zip(node.keys, node.values, strict=True)
            if k
        ]
        site = self.site(node)

        def build(namespaces: Any, context: Context) -> dict[Any, Any]:
            mapping = {}
            for key, value in pairs:
                name, item = key(namespaces, context), value(namespaces, context)
                try:
                    mapping[name] = item
                except TypeError:  # unhashable
                    raise site.error(f"{kind_of(name)} cannot be a key in {site.text}") from None
            return mapping

        return build


_HANDLERS: dict[type[ast.AST], Callable[[Compiler, Any], Evaluator]] = {
    ast.Constant: Compiler.constant,
    ast.Name: compile_name,
    ast.Attribute: compile_attribute,
    ast.Subscript: compile_subscript,
    ast.Compare: compile_compare,
    ast.BoolOp: Compiler.boolean,
    ast.UnaryOp: Compiler.unary,
    ast.BinOp: Compiler.binary,
    ast.IfExp: Compiler.choice,
    ast.List: Compiler.sequence,
    ast.Tuple: Compiler.sequence,
    ast.Dict: Compiler.mapping,
    ast.Call: compile_call,
}

__all__ = ["Compiler", "Evaluator"]
