"""Versions, diff, export / import, diagram. (Being built.)"""

from ._stub import not_built

version_list = version_activate = version_new_draft = version_diff = not_built
version_export = orchestration_import = version_diagram = not_built
