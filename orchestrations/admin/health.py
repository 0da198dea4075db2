"""The admin's engine health page: the same checks as /healthz, and the background
steps and outbox messages support staff should look at."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from ..health import engine_health, retrying_attempts, running_attempts, stuck_attempts
from ..models import OutboxMessage
from .common import can_see_runs

SHOWN = 20


def engine_health_page(request: HttpRequest) -> HttpResponse:
    if not can_see_runs(request):
        raise PermissionDenied
    health = engine_health()
    stuck = stuck_attempts()
    retrying = retrying_attempts()
    running = running_attempts()
    unsent = OutboxMessage.objects.unsent().select_related("run__orchestration")
    context = {
        **admin.site.each_context(request),
        "title": "Engine health",
        "health": health,
        "stuck": stuck[:SHOWN],
        "stuck_count": stuck.count(),
        "retrying": retrying[:SHOWN],
        "retrying_count": retrying.count(),
        "running": running[:SHOWN],
        "running_count": running.count(),
        "unsent": unsent.order_by("available_at", "pk")[:SHOWN],
        "can_see_outbox": request.user.has_perm("orchestrations.view_outboxmessage"),
    }
    return TemplateResponse(request, "admin/orchestrations/health.html", context)
