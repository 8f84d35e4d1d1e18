"""The dashboard's 12-month payroll chart, drawn on the server as inline SVG.

No JavaScript library and nothing from a CDN: the geometry is computed here and the template
writes the SVG elements, with the same figures in a data table for screen readers and print.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.models import PayrollRun, RunStatus
from benefits.months import add_months, month_of, months_from
from benefits.statistics import Tally, approved_lines, monthly_series
from jiuzhu.access import permission_for
from regions.scoping import scope, scope_with_ancestors

MONTHS = 12
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 52, 28, 36
TEN_THOUSAND = Decimal(10000)


@dataclass(frozen=True)
class Point:
    label: str
    funds: Decimal
    persons: int
    bar_x: float
    bar_y: float
    bar_height: float
    dot_x: float
    dot_y: float


@dataclass(frozen=True)
class Tick:
    y: float
    funds: str
    persons: str


def _nice(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above the value, so the axis ticks are round."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value)


def may_see(user: Any) -> bool:
    """The chart shows payroll funds: only to the roles that may read the monthly report."""
    rule = permission_for("report:monthly")
    return bool(user.is_superuser or (isinstance(rule, frozenset) and user.role in rule))


def payroll_chart(user: Any) -> dict[str, Any] | None:
    """Funds and person-times of the 12 months up to the latest approved payroll month of the
    user's county (or this month when none is approved yet), for the user's region."""
    if not may_see(user):
        return None
    latest = (scope_with_ancestors(user, PayrollRun.objects.filter(status=RunStatus.APPROVED))
              .aggregate(m=Max("month"))["m"])
    last = latest or month_of(timezone.localdate())
    first = add_months(last, -(MONTHS - 1))
    series = monthly_series(scope(user, approved_lines()), first, last)
    months = months_from(first, last)
    tallies = [series.get(m, Tally()) for m in months]
    top_funds = _nice(float(max(t.funds for t in tallies)))
    top_persons = _nice(float(max(t.persons for t in tallies)))
    in_wan = top_funds >= 100000  # 万元 keeps the axis labels short
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(months)
    points = []
    for i, (month, tally) in enumerate(zip(months, tallies, strict=True)):
        height = plot_h * float(tally.funds) / top_funds
        points.append(Point(
            label=f"{month:%Y-%m}", funds=tally.funds, persons=tally.persons,
            bar_x=round(LEFT + i * slot + slot * 0.2, 1), bar_y=round(TOP + plot_h - height, 1),
            bar_height=round(height, 1), dot_x=round(LEFT + (i + 0.5) * slot, 1),
            dot_y=round(TOP + plot_h * (1 - tally.persons / top_persons), 1)))
    ticks = []
    for k in range(5):
        share = k / 4
        funds = top_funds * share / (10000 if in_wan else 1)
        ticks.append(Tick(round(TOP + plot_h * (1 - share), 1), f"{funds:g}",
                          f"{top_persons * share:g}"))
    return {
        "points": points, "ticks": ticks, "width": WIDTH, "height": HEIGHT, "left": LEFT,
        "right": WIDTH - RIGHT, "bottom": TOP + plot_h, "bar_width": round(slot * 0.6, 1),
        "label_y": HEIGHT - 12, "funds_unit": _("万元") if in_wan else _("元"),
        "line": " ".join(f"{p.dot_x},{p.dot_y}" for p in points),
        "has_data": any(t.households for t in tallies),
    }
