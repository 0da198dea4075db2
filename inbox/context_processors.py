"""The counts in the navigation, computed only when a page shows them."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def inbox_counts(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def compute() -> dict[str, int]:
        from .counts import nav_counts

        return nav_counts(user)

    return {"inbox_counts": SimpleLazyObject(compute)}
