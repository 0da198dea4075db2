"""Orchestration definitions as JSON files (format 1): export, import, validation.

See docs/definition-format.md for the format.
"""

from .export import export_definition
from .importer import import_definition
from .problems import ERROR, WARNING, DefinitionError, Problem, errors_of
from .validate import validate_definition

__all__ = [
    "ERROR",
    "WARNING",
    "DefinitionError",
    "Problem",
    "errors_of",
    "export_definition",
    "import_definition",
    "validate_definition",
]
