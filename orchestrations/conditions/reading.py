"""Compiling names, `a.b` and `a[b]`: what an expression reads from its namespaces.

The rules of what may be read at run time live in `access`; here names are checked at
compile time (only the four namespaces; nothing starting with `_`) and dotted paths
become one fast closure each.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from .access import missing_key, read_field, read_item
from .errors import ConditionSyntaxError, Site, did_you_mean
from .functions import REGISTRY, Context
from .parser import NAMESPACES, chain_of

if TYPE_CHECKING:
    from .compiler import Compiler, Evaluator


def compile_name(compiler: Compiler, node: ast.Name) -> Evaluator:
    """A namespace (`record`, `vars`, `steps`, `run`); any other name is refused."""
    name = node.id
    if name not in NAMESPACES:
        raise _unknown_name(compiler, node)
    unavailable = Site(compiler.source, compiler.parsed.position(node))

    def load(namespaces: Any, context: Context) -> Any:
        try:
            return namespaces[name]
        except KeyError:
            raise unavailable.error(f"'{name}' is not available here") from None

    return load


def compile_attribute(compiler: Compiler, node: ast.Attribute) -> Evaluator:
    at = compiler.parsed.attribute_position(node)
    _refuse_private(compiler, node, node.attr, at)
    if chain_of(node, compiler.parsed) is not None:
        return compile_dotted_path(compiler, node)
    base, name = compiler.compile(node.value), node.attr
    site = compiler.site(node, about=node.value, at=at)
    return lambda namespaces, context: read_field(base(namespaces, context), name, site)


def compile_subscript(compiler: Compiler, node: ast.Subscript) -> Evaluator:
    if chain_of(node, compiler.parsed) is not None:
        return compile_dotted_path(compiler, node)
    base, index = compiler.compile(node.value), compiler.compile(node.slice)
    site = compiler.site(node, about=node.value, at=compiler.parsed.position(node.slice))
    return lambda namespaces, context: read_item(
        base(namespaces, context), index(namespaces, context), site
    )


def compile_dotted_path(compiler: Compiler, node: ast.Attribute | ast.Subscript) -> Evaluator:
    """`steps.review.decision` (or `vars["a b"]`) as one closure that loops over the
    names, instead of one closure per dot: most expressions are mostly paths."""
    links: list[tuple[str, Site]] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute | ast.Subscript):
        if isinstance(current, ast.Attribute):
            name = current.attr
            at = compiler.parsed.attribute_position(current)
            _refuse_private(compiler, current, name, at)
        else:
            assert isinstance(current.slice, ast.Constant)  # chain_of checked it
            name, at = str(current.slice.value), compiler.parsed.position(current.slice)
        links.append((name, compiler.site(current, about=current.value, at=at)))
        current = current.value
    assert isinstance(current, ast.Name)
    links.reverse()
    compile_name(compiler, current)  # refuses names that are not namespaces
    root = current.id
    unavailable = Site(compiler.source, compiler.parsed.position(current))
    if len(links) == 1:
        return _read_one_level(root, *links[0], unavailable)

    def read_path(namespaces: Any, context: Context) -> Any:
        try:
            value = namespaces[root]
        except KeyError:
            raise unavailable.error(f"'{root}' is not available here") from None
        for name, site in links:
            if type(value) is dict:  # the common case, without a function call
                try:
                    value = value[name]
                except KeyError:
                    raise missing_key(site, name) from None
            else:
                value = read_field(value, name, site)
        return value

    return read_path


def _read_one_level(root: str, name: str, site: Site, unavailable: Site) -> Evaluator:
    """`record.amount`, the most common path, without the loop of `read_path`."""

    def read_one_level(namespaces: Any, context: Context) -> Any:
        try:
            value = namespaces[root]
        except KeyError:
            raise unavailable.error(f"'{root}' is not available here") from None
        if type(value) is dict:
            try:
                return value[name]
            except KeyError:
                raise missing_key(site, name) from None
        return read_field(value, name, site)

    return read_one_level


def _refuse_private(compiler: Compiler, node: ast.AST, name: str, at: int) -> None:
    if name.startswith("_"):
        message = f"names starting with '_' are not allowed ('{name}')"
        raise compiler.refuse(node, message, at=at)


def _unknown_name(compiler: Compiler, node: ast.Name) -> ConditionSyntaxError:
    name = node.id
    if name in REGISTRY:
        return compiler.refuse(node, f"'{name}' is a function; call it, e.g. {name}(…)")
    if name.startswith("_"):
        return compiler.refuse(node, f"names starting with '_' are not allowed ('{name}')")
    hint = did_you_mean(name, [*NAMESPACES, *REGISTRY])
    return compiler.refuse(node, f"unknown name '{name}'{hint}")
