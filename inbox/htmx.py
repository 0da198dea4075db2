"""Small helpers for htmx responses."""

from django.http import HttpResponse
from django_htmx.http import trigger_client_event

WORK_CHANGED = "work-changed"


def work_changed(response: HttpResponse) -> HttpResponse:
    """Tell the page that the user's work changed: the nav counts and lists refresh."""
    return trigger_client_event(response, WORK_CHANGED, after="settle")
