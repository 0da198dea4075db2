"""What people add around a run: out-of-office delegations and comments."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .runs import Run
from .work_items import WorkItem

USER = settings.AUTH_USER_MODEL


class DelegationQuerySet(models.QuerySet["Delegation"]):
    def active_on(self, day: dt.date) -> DelegationQuerySet:
        return self.filter(starts_on__lte=day, ends_on__gte=day, canceled_at__isnull=True)

    def current_or_future(self, day: dt.date) -> DelegationQuerySet:
        return self.filter(ends_on__gte=day, canceled_at__isnull=True)


class Delegation(models.Model):
    """While `user` is away (starts_on..ends_on, both inclusive), their new work goes
    to `delegate`, who may also act on their open items, on their behalf."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="delegations")
    delegate = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="delegated_to_me")
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=200, blank=True, help_text="e.g. On holiday")
    created_at = models.DateTimeField(default=timezone.now)
    canceled_at = models.DateTimeField(null=True, blank=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "pk"]
        indexes = [
            models.Index(fields=["user", "ends_on"], name="delegation_user_idx"),
            models.Index(fields=["delegate", "ends_on"], name="delegation_delegate_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="delegation_dates_in_order"
            ),
            models.CheckConstraint(
                condition=~Q(user=models.F("delegate")), name="delegation_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.delegate} ({self.starts_on} to {self.ends_on})"


class Comment(models.Model):
    """A note on a run, optionally written from one of its work items."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="comments")
    work_item = models.ForeignKey(
        WorkItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    # Internal comments are for members; shared ones also for the run's outside
    # participants (whose own comments are always shared).
    shared = models.BooleanField(
        default=False, help_text="Shown to the run's outside participants too."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.run}"
