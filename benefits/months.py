"""Month arithmetic on first-of-month dates, the only way the platform names a month."""

from __future__ import annotations

import calendar
from datetime import date


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def plus_months(day: date, n: int) -> date:
    """The same day `n` months later (or earlier), clamped to the month's last day."""
    month = add_months(month_of(day), n)
    return month.replace(day=min(day.day, calendar.monthrange(month.year, month.month)[1]))


def months_from(first: date, last: date) -> list[date]:
    """Every month from `first` to `last`, both included (empty when last < first)."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(month_of(first), i) for i in range(max(count, 0))]


def parse_month(text: str) -> date:
    """'2026-11' → 2026-11-01; ValueError on anything else."""
    year, month = text.strip().split("-")[:2]
    return date(int(year), int(month), 1)
