"""Reporting periods: ISO weeks across the new year, months, quarters and their comparisons."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone, translation

from supervision.periodic import Kind, Period


def test_a_week_runs_monday_to_sunday_across_the_new_year() -> None:
    week = Period.of(Kind.WEEK, date(2027, 1, 1))  # a Friday in ISO week 2026-W53
    assert (week.start, week.end) == (date(2026, 12, 28), date(2027, 1, 3))
    assert week.slug == "2026-W53" and week.label.startswith("2026年第53周")
    assert week.shifted(1).start == date(2027, 1, 4) and week.shifted(1).slug == "2027-W01"
    first = Period.of(Kind.WEEK, date(2026, 1, 1))  # ISO 2026-W01 starts in December 2025
    assert (first.start, first.end, first.slug) == (date(2025, 12, 29), date(2026, 1, 4),
                                                    "2026-W01")
    assert first.previous.slug == "2025-W52"
    assert week.year_ago is None  # 同比 only for months and quarters


def test_every_day_of_a_week_names_the_same_week() -> None:
    weeks = {Period.of(Kind.WEEK, date(2026, 11, 23) + timedelta(days=i)) for i in range(7)}
    assert len(weeks) == 1
    assert Period.of(Kind.WEEK, date(2026, 11, 30)).start == date(2026, 11, 30)


def test_quarters_and_their_comparisons() -> None:
    q4 = Period.of(Kind.QUARTER, date(2026, 11, 23))
    assert (q4.start, q4.end, q4.slug, q4.label) == (date(2026, 10, 1), date(2026, 12, 31),
                                                     "2026-Q4", "2026年第四季度")
    assert (q4.previous.start, q4.previous.end) == (date(2026, 7, 1), date(2026, 9, 30))
    assert q4.year_ago == Period(Kind.QUARTER, date(2025, 10, 1), date(2025, 12, 31))
    assert q4.shifted(1) == Period(Kind.QUARTER, date(2027, 1, 1), date(2027, 3, 31))
    q1 = Period.of(Kind.QUARTER, date(2026, 3, 31))
    assert (q1.start, q1.end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert q1.previous.start == date(2025, 10, 1)
    series = q4.last(12)
    assert len(series) == 12 and series[0].slug == "2024-Q1" and series[-1] == q4


def test_a_quarter_is_numbered_in_english() -> None:
    with translation.override("en"):
        assert Period.of(Kind.QUARTER, date(2026, 11, 23)).label == "Q4 2026"


def test_months_end_on_their_last_day() -> None:
    february = Period.of(Kind.MONTH, date(2028, 2, 10))
    assert (february.start, february.end) == (date(2028, 2, 1), date(2028, 2, 29))
    january = Period.of(Kind.MONTH, date(2026, 1, 31))
    assert january.previous == Period(Kind.MONTH, date(2025, 12, 1), date(2025, 12, 31))
    assert january.year_ago == Period(Kind.MONTH, date(2025, 1, 1), date(2025, 1, 31))
    assert january.slug == "2026-01" and january.label == "2026年1月"


def test_timestamps_are_bounded_by_local_midnight_and_a_running_period_ends_now() -> None:
    day = Period.of(Kind.DAY, date(2026, 10, 18))
    tz = timezone.get_current_timezone()
    assert day.starts_at == datetime(2026, 10, 18, tzinfo=tz)
    assert day.ends_at == datetime(2026, 10, 19, tzinfo=tz)
    now = datetime(2026, 10, 18, 15, 0, tzinfo=tz)
    assert day.as_of(now) == now  # still running: "at the end" means now
    assert day.as_of(now + timedelta(days=3)) == day.ends_at
    assert day.previous.start == date(2026, 10, 17) and day.slug == "2026-10-18"


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="year"):
        Period.of("year", date(2026, 1, 1))
