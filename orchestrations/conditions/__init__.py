"""The condition language: admin-written expressions such as
`record.amount > 10000 and steps.review.decision == "approve"`.

Safe by construction: the text is parsed with Python's `ast` and only an allow-list of
node types is compiled, into closures (never `eval`). Expressions read four namespaces
(`record`, `vars`, `steps`, `run`) and call only the functions in `FUNCTIONS`.

    compile_condition(source) -> CompiledCondition   (cached; .evaluate(namespaces, …))
    evaluate_condition(source, namespaces, …) -> bool
    check(source, scope) -> [errors]                  (the builder's validation)
    render_template(text, namespaces, …) -> str       ("Hello {{ record.owner }}")
"""

from .condition import CompiledCondition, compile_condition, evaluate_condition, references
from .errors import (
    ConditionError,
    ConditionNameError,
    ConditionRuntimeError,
    ConditionSyntaxError,
)
from .functions import FUNCTIONS
from .scope import LEAF, OPEN, Schema, Scope, available_names, check, model_schema
from .templates import check_template, render_template, resolve_value, template_references

__all__ = [
    "FUNCTIONS",
    "LEAF",
    "OPEN",
    "CompiledCondition",
    "ConditionError",
    "ConditionNameError",
    "ConditionRuntimeError",
    "ConditionSyntaxError",
    "Schema",
    "Scope",
    "available_names",
    "check",
    "check_template",
    "compile_condition",
    "evaluate_condition",
    "model_schema",
    "references",
    "render_template",
    "resolve_value",
    "template_references",
]
