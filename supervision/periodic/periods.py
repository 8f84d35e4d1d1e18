"""Reporting periods: a day, an ISO week (Monday to Sunday), a calendar month or a quarter.

Seed 002's cadence (domain.md §13): flood relief daily, basic assistance weekly, data monthly,
effectiveness quarterly. A period is named by its kind and any date inside it, so a link such
as `?kind=week&date=2026-11-25` always opens the week 2026-11-23 to 2026-11-29.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from benefits.months import add_months, month_of


class Kind(models.TextChoices):
    DAY = "day", gettext_lazy("日报")
    WEEK = "week", gettext_lazy("周报")
    MONTH = "month", gettext_lazy("月报")
    QUARTER = "quarter", gettext_lazy("季报")


# "第一季度"; in English the quarter's number ("Q1 2026").
QUARTER_NAMES = (pgettext_lazy("季度", "一"), pgettext_lazy("季度", "二"),
                 pgettext_lazy("季度", "三"), pgettext_lazy("季度", "四"))


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # the last day, included

    @classmethod
    def of(cls, kind: str, day: date) -> Period:
        if kind == Kind.DAY:
            return cls(kind, day, day)
        if kind == Kind.WEEK:
            # ISO 8601: weeks start on Monday, so a week may straddle the new year.
            monday = day - timedelta(days=day.weekday())
            return cls(kind, monday, monday + timedelta(days=6))
        if kind == Kind.MONTH:
            first = month_of(day)
            return cls(kind, first, add_months(first, 1) - timedelta(days=1))
        if kind == Kind.QUARTER:
            first = _quarter_start(day)
            return cls(kind, first, add_months(first, 3) - timedelta(days=1))
        raise ValueError(kind)

    def shifted(self, n: int) -> Period:
        """The period n steps later (earlier when negative)."""
        if self.kind == Kind.DAY:
            return Period.of(self.kind, self.start + timedelta(days=n))
        if self.kind == Kind.WEEK:
            return Period.of(self.kind, self.start + timedelta(weeks=n))
        months = 3 if self.kind == Kind.QUARTER else 1
        return Period.of(self.kind, add_months(self.start, n * months))

    @property
    def previous(self) -> Period:
        return self.shifted(-1)

    @property
    def year_ago(self) -> Period | None:
        """The same month or quarter a year earlier (同比); days and weeks have none."""
        if self.kind in (Kind.MONTH, Kind.QUARTER):
            return Period.of(self.kind, self.start.replace(year=self.start.year - 1))
        return None

    def last(self, n: int) -> list[Period]:
        """The n periods ending with this one, oldest first (the charts' x axis)."""
        return [self.shifted(k) for k in range(1 - n, 1)]

    @property
    def starts_at(self) -> datetime:
        return local_midnight(self.start)

    @property
    def ends_at(self) -> datetime:
        """The first moment after the period (timestamps are compared half-open)."""
        return local_midnight(self.end + timedelta(days=1))

    def as_of(self, now: datetime) -> datetime:
        """The moment "at the period's end" figures are taken: the end, or now while the
        period is still running."""
        return min(self.ends_at, now)

    @property
    def label(self) -> str:
        if self.kind == Kind.DAY:
            return _("%(y)s年%(m)s月%(d)s日") % {"y": self.start.year, "m": self.start.month,
                                               "d": self.start.day}
        if self.kind == Kind.WEEK:
            year, week, _weekday = self.start.isocalendar()
            return _("%(y)s年第%(w)s周（%(a)s—%(b)s）") % {
                "y": year, "w": week, "a": f"{self.start:%m-%d}", "b": f"{self.end:%m-%d}"}
        if self.kind == Kind.MONTH:
            return _("%(y)s年%(m)s月") % {"y": self.start.year, "m": self.start.month}
        return _("%(y)s年第%(q)s季度") % {"y": self.start.year,
                                         "q": QUARTER_NAMES[(self.start.month - 1) // 3]}

    @property
    def short_label(self) -> str:
        """The chart's axis label."""
        if self.kind == Kind.DAY:
            return f"{self.start:%m-%d}"
        if self.kind == Kind.WEEK:
            return f"W{self.start.isocalendar()[1]:02d}"
        if self.kind == Kind.MONTH:
            return f"{self.start:%y-%m}"
        return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"

    @property
    def slug(self) -> str:
        """The period in file names: 2026-11-23, 2026-W48, 2026-11, 2026-Q4."""
        if self.kind == Kind.DAY:
            return f"{self.start:%Y-%m-%d}"
        if self.kind == Kind.WEEK:
            year, week, _weekday = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == Kind.MONTH:
            return f"{self.start:%Y-%m}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
