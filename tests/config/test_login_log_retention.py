"""Login records are kept for HANDOFF_LOGIN_LOG_KEEP_DAYS, then deleted by a daily task."""

from datetime import timedelta

import pytest
from axes.models import AccessLog
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from config.celery import forget_old_logins

pytestmark = pytest.mark.django_db


def login_record(days_ago: int) -> AccessLog:
    record = AccessLog.objects.create(username="ann", ip_address="127.0.0.1", user_agent="x")
    AccessLog.objects.filter(pk=record.pk).update(
        attempt_time=timezone.now() - timedelta(days=days_ago)
    )
    return record


@override_settings(HANDOFF_LOGIN_LOG_KEEP_DAYS=90)
def test_records_older_than_the_limit_are_deleted_and_newer_ones_kept():
    old, recent = login_record(91), login_record(89)

    assert forget_old_logins() == 1

    assert list(AccessLog.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not AccessLog.objects.filter(pk=old.pk).exists()


def test_the_task_runs_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["forget-old-logins"]
    assert entry["task"] == forget_old_logins.name
    assert entry["schedule"] == timedelta(days=1)
