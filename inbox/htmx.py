"""Small helpers for htmx responses, and the request type the views see."""

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django_htmx.http import trigger_client_event
from django_htmx.middleware import HtmxDetails

WORK_CHANGED = "work-changed"


class HtmxRequest(HttpRequest):
    """A request after django-htmx's middleware, from a signed-in user (login_required);
    for type checking."""

    user: User
    htmx: HtmxDetails


def work_changed(response: HttpResponse) -> HttpResponse:
    """Tell the page that the user's work changed: the nav counts and lists refresh."""
    return trigger_client_event(response, WORK_CHANGED, after="settle")
