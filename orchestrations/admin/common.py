"""Pieces shared by the run-side admins: read-only pages, links, status badges, JSON."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models import Model
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from ..naming import person_name


def can_see_runs(request: HttpRequest) -> bool:
    user = request.user
    return user.has_perm("orchestrations.view_run") or user.has_perm("orchestrations.change_run")


def can_steer_runs(request: HttpRequest) -> bool:
    return request.user.has_perm("orchestrations.change_run")


def admin_link(obj: Model | None, text: Any = None) -> str:
    if obj is None:
        return "—"
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj if text is None else text)


def status_badge(obj: Any) -> str:
    """The status in its colour (static/css/admin.css: no inline style under the CSP)."""
    return badge(obj.get_status_display(), obj.status)


def badge(text: Any, kind: str) -> str:
    return format_html('<strong class="status-badge status-badge-{}">{}</strong>', kind, text)


def pretty_json(value: Any) -> str:
    if value in (None, {}, []):
        return "—"
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return format_html('<pre class="admin-json">{}</pre>', text)


def person(user: Any) -> str:
    return person_name(user, nobody="—")


def person_column(field: str, description: str) -> Any:
    """A column with a user's name rather than a link to a user page support can't open."""

    @admin.display(description=description, ordering=f"{field}__username")
    def column(model_admin: Any, obj: Model) -> str:
        return person(getattr(obj, field))

    return column


class ReadOnlyAdmin(admin.ModelAdmin):
    """Run-side records change only through the engine: their pages are views.

    The change permission still holds for the changelist (obj is None), where the
    actions that go through the engine are offered.
    """

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return flatten_fieldsets(self.get_fieldsets(request, obj))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """A run's parts, shown to whoever may see the run."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_see_runs(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
