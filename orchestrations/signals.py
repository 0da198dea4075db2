"""Signal wiring: run events for every transition; record saves for triggers."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django_fsm.signals import post_transition

from .engine import triggers
from .events import record_transition

post_transition.connect(record_transition, dispatch_uid="handoff-run-events")


def _relevant(sender: type[models.Model], raw: bool) -> bool:
    """Only the host project's models can be records (never Django's own, e.g. the
    migration recorder, which saves before our tables exist)."""
    if raw or sender.__module__.startswith(("django.", "orchestrations.")):
        return False
    return triggers.is_watched(sender)


@receiver(pre_save, dispatch_uid="handoff-record-before")
def remember_record_before_save(
    sender: Any, instance: models.Model, raw: bool = False, **kwargs: Any
) -> None:
    if instance.pk is None or not _relevant(sender, raw):
        return
    attnames = [f.attname for f in sender._meta.concrete_fields]
    before = sender._default_manager.filter(pk=instance.pk).values(*attnames).first()
    instance.__dict__["_handoff_before"] = before


@receiver(post_save, dispatch_uid="handoff-record-saved")
def record_saved_after_commit(
    sender: Any, instance: models.Model, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not _relevant(sender, raw):
        return
    before = instance.__dict__.pop("_handoff_before", None)
    changed = triggers.changed_field_names(before, instance)
    transaction.on_commit(
        lambda: triggers.record_saved(instance, created=created, changed_fields=changed)
    )
