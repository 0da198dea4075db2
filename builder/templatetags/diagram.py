"""`{% load diagram %}{% version_diagram version %}` and `{% run_diagram run %}`: the
read-only SVG of a version (or of a run, each step coloured by its status), with its
legend and a text list of the same stages and steps."""

from __future__ import annotations

from typing import Any

from django import template

from builder import diagram as layout
from orchestrations.models import Run, Version

register = template.Library()


@register.inclusion_tag("builder/partials/_diagram.html")
def version_diagram(version: Version | None) -> dict[str, Any]:
    return {"diagram": layout.version_diagram(version) if version else None}


@register.inclusion_tag("builder/partials/_diagram.html")
def run_diagram(run: Run | None) -> dict[str, Any]:
    """Costs one query for the run's step runs (select the run's version with it)."""
    return {"diagram": layout.run_diagram(run) if run else None}
