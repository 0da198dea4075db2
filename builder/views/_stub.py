"""Placeholder for views being built."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse


@login_required
@permission_required("orchestrations.change_orchestration", raise_exception=True)
def not_built(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("Not built yet.", status=501)
