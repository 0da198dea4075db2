"""The site's error pages — 400, 403, 404, 500 and a refused CSRF check — in the app's frame.

- A 404 says nothing about what exists, unless the code that refused knows the viewer may
  be told more: it raises `ExplainedNotFound` with a sentence for them (the inbox does for
  an item that was the viewer's before it was reassigned).
- A 403 shows the refusal's message: a `PermissionDenied` message is written for the person
  who meets it ("You may not reassign this item."); a bare one gets a general sentence.
- A 400 (a request Django refuses before any view: a host name it does not serve, a
  malformed upload) says the request could not be read, in the frame.
- The 500 page is rendered without the request — no context processors, no database, no
  session — from a template that needs nothing but static files; if even that fails, a
  page written here.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

NOT_FOUND = (
    "There is nothing at this address, or it is not yours to see. "
    "Check the link, or start again from your work."
)
BAD_REQUEST = "Handoff could not read this request. Check the address, or go back and try again."
FORBIDDEN = "You do not have permission to do this. If you think you should, ask an administrator."
CSRF_REFUSED = (
    "The form you sent had expired: the page was open a long time, or you signed in or out "
    "in another tab. Go back, reload the page and send it again (copy anything long you "
    "typed first)."
)
SERVER_ERROR_FALLBACK = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Something went wrong · Handoff</title></head>
<body><main><h1>Something went wrong</h1>
<p>Handoff could not finish this request. Try again in a moment; if it keeps happening,
tell your administrator.</p><p><a href="/">Go to My work</a></p></main></body></html>
"""


class ExplainedNotFound(Http404):
    """A 404 whose `explanation` may be shown to the person who got it."""

    def __init__(self, explanation: str) -> None:
        super().__init__(explanation)
        self.explanation = explanation


@requires_csrf_token  # base.html puts the token in its logout form and htmx headers
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, ExplainedNotFound):
        return render_error(request, "Not here any more", exception.explanation, 404)
    return render_error(request, "Not found", NOT_FOUND, 404)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render_error(request, "Bad request", BAD_REQUEST, 400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    message = exception.args[0] if exception.args else None
    if not isinstance(message, str) or not message:
        message = FORBIDDEN
    return render_error(request, "Not allowed", message, 403)


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    detail = f"Django's reason: {reason}" if settings.DEBUG and reason else ""
    return render_error(request, "This form has expired", CSRF_REFUSED, 403, detail=detail)


def server_error(request: HttpRequest) -> HttpResponse:
    html: str
    try:
        html = loader.render_to_string("500.html")
    except Exception:  # the error page must not become the error
        logger.exception("The 500 page could not be rendered")
        html = SERVER_ERROR_FALLBACK
    return HttpResponseServerError(html)


def render_error(
    request: HttpRequest, title: str, message: str, status: int, **extra: Any
) -> HttpResponse:
    context = {"title": title, "message": message, "status": status, **extra}
    return render(request, "error.html", context, status=status)
