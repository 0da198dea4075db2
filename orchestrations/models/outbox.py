"""What must leave the process (Celery messages, emails), written in the transaction
that decided it, and the pulse of the periodic jobs that deliver what is left."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .runs import Run, StepRun


class OutboxKind(models.TextChoices):
    STEP_ATTEMPT = "step_attempt", "Background step attempt"
    EMAIL = "email", "Email"


class OutboxMessageQuerySet(models.QuerySet["OutboxMessage"]):
    def unsent(self) -> OutboxMessageQuerySet:
        return self.filter(sent_at__isnull=True, discarded_at__isnull=True)

    def due(self, now: object = None) -> OutboxMessageQuerySet:
        """Unsent messages whose time has come (a retry later than now waits)."""
        return self.unsent().filter(available_at__lte=now or timezone.now())


class OutboxMessage(models.Model):
    """One message to send after commit. Unsent while `sent_at` is empty; whoever
    sends it first claims it (`claim`, until `claimed_until`), so it is sent once."""

    kind = models.CharField(max_length=20, choices=OutboxKind.choices)
    payload = models.JSONField()
    run = models.ForeignKey(
        Run, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox_messages"
    )
    step_run = models.ForeignKey(
        StepRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox_messages"
    )
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now, help_text="Not sent before this")
    claim = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Sends that failed")
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    discarded_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        ordering = ["available_at", "pk"]
        indexes = [
            models.Index(
                fields=["available_at"],
                name="outbox_unsent_idx",
                condition=Q(sent_at__isnull=True, discarded_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Pulse(models.Model):
    """When a periodic job (the sweeper) last ran, and what it did: for /healthz and
    the admin's engine health page."""

    name = models.CharField(max_length=50, primary_key=True)
    seen_at = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
