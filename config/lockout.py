"""Login throttling (django-axes), as the person at the login form sees it.

After `AXES_FAILURE_LIMIT` failed logins for one username from one address, axes refuses
that pair for `AXES_COOLOFF_TIME` (each further try starts the cool-off again). The refusal
is the same login form — the app's or the admin's, whichever was used — saying so, with
HTTP 429; `manage.py axes_reset` (or `axes_reset_username <name>`) unlocks at once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from .errors import render_error

LOCKED_OUT_STATUS = 429


def lockout_message() -> str:
    minutes = round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return (
        f"Too many failed attempts: try again in {wait}, "
        "or ask an administrator to unlock your account."
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """The login form that was just refused, with the lockout instead of "wrong password"."""
    message = lockout_message()
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    if not isinstance(original_response, TemplateResponse) or form is None:
        return render_error(request, "Too many failed attempts", message, LOCKED_OUT_STATUS)
    # The form was checked against the locked-out backend: its "wrong password" is not true.
    form.errors.clear()
    form.add_error(None, ValidationError(message, code="locked_out"))
    response = TemplateResponse(
        request, original_response.template_name, context, status=LOCKED_OUT_STATUS
    )
    return response.render()  # returned by a middleware: nothing renders it after this


def client_address(request: HttpRequest) -> str | None:
    """The address failed logins are counted for: REMOTE_ADDR, or behind HANDOFF_PROXY_COUNT
    proxies the entry of X-Forwarded-For the first of them was given (the ones to its left
    are the client's to invent)."""
    count = settings.HANDOFF_PROXY_COUNT
    if count <= 0:
        return request.META.get("REMOTE_ADDR")
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
