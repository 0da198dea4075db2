"""The outbox in the admin: what waits to be sent, what failed and why; send again
now, or discard a message that can never be sent (an address the server refuses)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from ..models import OutboxKind, OutboxMessage
from .common import ReadOnlyAdmin, admin_link, badge, pretty_json


class OutboxStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("due", "Due, not sent yet"),
            ("failing", "Failed at least once"),
            ("later", "Scheduled for later"),
            ("sent", "Sent"),
            ("discarded", "Discarded"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        now = timezone.now()
        unsent = Q(sent_at__isnull=True, discarded_at__isnull=True)
        match self.value():
            case "due":
                return queryset.filter(unsent, available_at__lte=now)
            case "failing":
                return queryset.filter(unsent, attempts__gt=0)
            case "later":
                return queryset.filter(unsent, available_at__gt=now)
            case "sent":
                return queryset.filter(sent_at__isnull=False)
            case "discarded":
                return queryset.filter(discarded_at__isnull=False)
        return None


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "state", "summary", "run_link", "available_at", "attempts",
                    "error", "sent_at"]  # fmt: skip
    list_filter = [OutboxStateFilter, "kind"]
    list_select_related = ["run__orchestration"]
    search_fields = ["last_error", "run__record_label"]
    search_help_text = "Last error, or the run's record."
    date_hierarchy = "created_at"
    actions = ["send_now", "discard"]
    fields = readonly_fields = ("kind", "state", "run_link", "step_run", "payload_json",
                                "created_at", "available_at", "attempts", "last_error",
                                "claimed_until", "sent_at", "discarded_at")  # fmt: skip

    @admin.display(description="state")
    def state(self, obj: OutboxMessage) -> str:
        if obj.sent_at:
            return "sent"
        if obj.discarded_at:
            return "discarded"
        if obj.available_at > timezone.now():
            return "retrying later" if obj.attempts else "scheduled"
        return badge("waiting", "waiting")

    @admin.display(description="what")
    def summary(self, obj: OutboxMessage) -> str:
        if obj.kind == OutboxKind.EMAIL:
            to = ", ".join(obj.payload.get("to", []))
            return f"“{obj.payload.get('subject', '')}” to {to}"
        return f"Step run {obj.payload.get('step_run')}"

    @admin.display(description="run", ordering="run")
    def run_link(self, obj: OutboxMessage) -> str:
        return admin_link(obj.run)

    @admin.display(description="last error")
    def error(self, obj: OutboxMessage) -> str:
        return obj.last_error[:120] or "—"

    @admin.display(description="payload")
    def payload_json(self, obj: OutboxMessage) -> str:
        return pretty_json(obj.payload)

    def has_send_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orchestrations.change_outboxmessage")

    @admin.action(description="Send selected messages at the next sweep", permissions=["send"])
    def send_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = queryset.filter(sent_at__isnull=True, discarded_at__isnull=True).update(
            available_at=timezone.now(), claim=None, claimed_until=None
        )
        self.message_user(request, f"{count} message(s) will be sent at the sweeper's next run.")

    @admin.action(description="Discard selected messages (never send them)", permissions=["send"])
    def discard(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        unsent = Q(sent_at__isnull=True, discarded_at__isnull=True)
        count = queryset.filter(unsent).update(discarded_at=timezone.now(), claim=None)
        self.message_user(request, f"{count} message(s) discarded.", messages.WARNING)
