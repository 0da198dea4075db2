"""Changelist filters support staff reach for: how old, stuck on people, overdue."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from ..models import Version, WorkItem
from ..status import OPEN_WORK_ITEM_STATUSES


def _start_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


class RunAgeFilter(admin.SimpleListFilter):
    title = "started"
    parameter_name = "age"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("today", "Today"),
            ("7d", "In the last 7 days"),
            ("older_7d", "More than 7 days ago"),
            ("older_30d", "More than 30 days ago"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        now = timezone.now()
        match self.value():
            case "today":
                return queryset.filter(started_at__gte=_start_of_today())
            case "7d":
                return queryset.filter(started_at__gte=now - timedelta(days=7))
            case "older_7d":
                return queryset.filter(started_at__lt=now - timedelta(days=7))
            case "older_30d":
                return queryset.filter(started_at__lt=now - timedelta(days=30))
        return None


class HasOpenWorkItemsFilter(admin.SimpleListFilter):
    title = "open work items"
    parameter_name = "open_items"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Waiting for people"), ("no", "None open")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        open_items = Exists(
            WorkItem.objects.filter(run=OuterRef("pk"), status__in=OPEN_WORK_ITEM_STATUSES)
        )
        match self.value():
            case "yes":
                return queryset.filter(open_items)
            case "no":
                return queryset.exclude(open_items)
        return None


class VersionFilter(admin.SimpleListFilter):
    """Versions named with their orchestration, narrowed to the chosen orchestration."""

    title = "version"
    parameter_name = "version"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        versions = Version.objects.select_related("orchestration").order_by(
            "orchestration__name", "-number"
        )
        orchestration = request.GET.get("orchestration__id__exact", "")
        if orchestration.isdigit():
            versions = versions.filter(orchestration_id=orchestration)
        return [(str(v.pk), str(v)) for v in versions]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(version_id=value)
        return None


class OverdueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        overdue = {"status__in": OPEN_WORK_ITEM_STATUSES, "due_at__lt": timezone.now()}
        match self.value():
            case "yes":
                return queryset.filter(**overdue)
            case "no":
                return queryset.exclude(**overdue)
        return None
