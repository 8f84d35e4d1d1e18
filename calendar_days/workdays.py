"""Working-day arithmetic (domain.md §9).

A working day is Monday–Friday plus 调休 working days, minus public holidays. The start day is
not counted (民法典§201). In a year whose schedule is not published only weekends are skipped,
and the result is marked provisional so it can be recomputed when the schedule arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .models import CalendarDay, DayKind, ScheduleYear


@dataclass(frozen=True)
class WorkingDate:
    date: date
    provisional: bool


def _overrides(first: date, last: date) -> dict[date, str]:
    return dict(
        CalendarDay.objects.filter(date__range=(first, last)).values_list("date", "kind")
    )


def _is_working(day: date, overrides: dict[date, str]) -> bool:
    kind = overrides.get(day)
    if kind == DayKind.HOLIDAY:
        return False
    if kind == DayKind.WORKDAY:
        return True
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> WorkingDate:
    if days < 0:
        raise ValueError("days must not be negative")
    # Generous window: n working days never span more than 2n + 30 calendar days, even
    # across the longest holiday run; fetch it in one query.
    window_end = start + timedelta(days=2 * days + 30)
    overrides = _overrides(start, window_end)
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if current > window_end:
            window_end = current + timedelta(days=2 * days + 30)
            overrides |= _overrides(current, window_end)
        if _is_working(current, overrides):
            counted += 1
    published = set(
        ScheduleYear.objects.filter(
            year__range=(start.year, current.year), published=True
        ).values_list("year", flat=True)
    )
    provisional = any(y not in published for y in range(start.year, current.year + 1))
    return WorkingDate(date=current, provisional=provisional)


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]: how many remain from `start` until `end` is due.

    Negative when `end` is before `start`: the working days by which it is overdue.
    """
    if end == start:
        return 0
    if end < start:
        return -working_days_between(end, start)
    overrides = _overrides(start, end)
    days = (end - start).days
    return sum(_is_working(start + timedelta(days=i), overrides) for i in range(1, days + 1))


class WorkingDayCounter:
    """`working_days_between` for many dates at once, with one calendar query (list pages)."""

    def __init__(self, first: date, last: date) -> None:
        self.first, self.last = first, last
        self.overrides = _overrides(first, last)

    def between(self, start: date, end: date) -> int:
        if end == start:
            return 0
        if end < start:
            return -self.between(end, start)
        if start < self.first or end > self.last:
            return working_days_between(start, end)
        days = (end - start).days
        return sum(_is_working(start + timedelta(days=i), self.overrides)
                   for i in range(1, days + 1))
