"""Who may use the builder, and the rule that only drafts change.

Every builder view is wrapped in `designer_required`: the change permission on
orchestrations, else 403. Views that change a definition call `refuse_unless_draft`
first: active and obsolete versions are read-only (the model layer refuses too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string

from inbox.access import DESIGN_PERMISSION
from inbox.htmx import HtmxRequest as HtmxRequest  # builder views import it from here
from orchestrations.models import Version


def designer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    return login_required(permission_required(DESIGN_PERMISSION, raise_exception=True)(view))


def get_version(pk: int) -> Version:
    return get_object_or_404(Version.objects.select_related("orchestration"), pk=pk)


def refuse_unless_draft(request: HttpRequest, version: Version) -> HttpResponse | None:
    """A 409 answer explaining why `version` cannot change, or None for a draft."""
    if version.is_editable:
        return None
    html = render_to_string("builder/partials/_locked.html", {"version": version}, request=request)
    return HttpResponse(html, status=409)


def locked_answer(request: HttpRequest, version: Version) -> HttpResponse:
    """The 409 for a change `draft_change` refused: the version was activated meanwhile."""
    version.refresh_from_db()
    return refuse_unless_draft(request, version) or HttpResponse(status=409)


def version_context(version: Version, tab: str, **extra: Any) -> dict[str, Any]:
    """What every page of one version needs for its header and tabs."""
    return {"version": version, "orchestration": version.orchestration, "tab": tab,
            "nav": "builder", **extra}  # fmt: skip
