"""The display helpers the lists use on every row write what Django's own date
formatting writes (they only skip its machinery), in any time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.template.defaultfilters import date
from django.utils import timezone
from django.utils.formats import date_format

from inbox.counts import CAP
from inbox.templatetags.inbox_tags import badge, due, exact, iso, when

MOMENTS = [
    datetime(2026, 1, 5, 0, 0, tzinfo=UTC),  # a Monday, midnight
    datetime(2026, 11, 24, 9, 8, tzinfo=UTC),
    datetime(2025, 12, 31, 23, 59, 30, tzinfo=UTC),
    datetime(2024, 2, 29, 13, 5, tzinfo=UTC),
]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize("moment", MOMENTS)
def test_moments_read_as_django_formats_them(settings, moment, zone):
    settings.TIME_ZONE = zone
    with timezone.override(zone):
        local = timezone.localtime(moment)

        assert exact(moment) == date_format(local, "D, M j, Y, H:i")
        assert iso(moment) == date(local, "c")
        short = "M j" if local.year == timezone.localdate().year else "M j, Y"
        assert when(moment) == date_format(local, short)


def test_when_gives_the_time_for_today_the_day_for_this_year_else_the_date():
    now = timezone.localtime(timezone.now())
    year_ago = now - timedelta(days=366)

    assert when(now) == date_format(now, "H:i")
    assert when(year_ago) == date_format(year_ago, "M j, Y")
    assert when(None) == exact(None) == iso(None) == ""


def test_due_marks_overdue_items_and_gives_the_exact_moment():
    late = timezone.now() - timedelta(hours=3)

    html = due(late)

    assert html == (
        f'<time datetime="{iso(late)}" title="{exact(late)}" class="overdue">'
        "overdue by 3\xa0hours</time>"
    )
    assert 'class="overdue"' not in due(late, is_open=False)
    assert due(None) == '<span class="list-muted">No due date</span>'


def test_a_badge_shows_a_capped_count_as_999_plus():
    assert [badge(n) for n in (None, 0, 7, CAP - 1, CAP, CAP + 5)] == [
        "0",
        "0",
        "7",
        "999",
        "999+",
        "999+",
    ]
