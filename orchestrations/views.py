"""The one page the engine serves itself: /healthz, for a load balancer or a monitor."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .health import FAIL, engine_health


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The engine's checks as JSON: 200 while it serves ("ok" or "warn"), 503 when a
    check fails. No login: it shows states and counts, nothing about runs or people."""
    health = engine_health()
    return JsonResponse(health.as_json(), status=503 if health.status == FAIL else 200)
