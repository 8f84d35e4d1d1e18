"""Sampling reads (抽查核查): rounds, their checks and the accuracy rate (识别精准率) per township.

Rounds carry no personal data, so a township also sees the county-wide rounds that cover it
(`scope_with_ancestors`); the checks themselves are always read through `scope`, so a township
only ever sees its own households.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404

from regions.models import Level, Region
from regions.scoping import (
    code_range,
    scope,
    scope_with_ancestors,
    scoped_get_or_404,
    user_prefix,
)

from ..models import Finding, SampleCheck, SamplingRound

PERIOD_RE = re.compile(r"^(\d{4})Q([1-4])$")


# -- quarters ("2026Q4") -------------------------------------------------------------------------

def quarter_bounds(period: str) -> tuple[date, date] | None:
    """First and last day of a quarter label, or None when it is not one."""
    match = PERIOD_RE.match(period)
    if match is None:
        return None
    year, quarter = int(match.group(1)), int(match.group(2))
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarters_between(start: date, end: date) -> list[str]:
    """The quarter labels that overlap [start, end]."""
    labels = []
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while (year, quarter) <= (end.year, (end.month - 1) // 3 + 1):
        labels.append(f"{year}Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return labels


def region_prefix(code: str) -> str:
    region = Region.objects.filter(code=code).first()
    return region.prefix if region is not None else code


# -- rounds and checks ---------------------------------------------------------------------------

def round_list(user: Any) -> QuerySet[SamplingRound]:
    return scope_with_ancestors(user, SamplingRound.objects.all()).select_related("created_by")


def round_get(user: Any, round_id: int) -> SamplingRound:
    """A round of the user's region or of a region above it; 404 otherwise."""
    round_ = round_list(user).filter(pk=round_id).first()
    if round_ is None:
        raise Http404
    return round_


@dataclass(frozen=True)
class CheckFilter:
    township: str = ""
    finding: str = ""


def check_list(user: Any, round_: SamplingRound, f: CheckFilter) -> QuerySet[SampleCheck]:
    qs = scope(user, SampleCheck.objects.filter(round=round_))
    if len(f.township) == 12 and f.township.isdigit():
        qs = qs.filter(village_code__scope_range=code_range(f.township[:9]))
    if f.finding in Finding.values:
        qs = qs.filter(finding=f.finding)
    return qs.select_related("enrollment__programme", "household", "checked_by").order_by("id")


def check_get(user: Any, check_id: int) -> SampleCheck:
    return scoped_get_or_404(
        user, SampleCheck.objects.select_related("round", "enrollment__programme", "household",
                                                 "checked_by"), pk=check_id)


# -- accuracy rate -------------------------------------------------------------------------------

# An enrollment check that has a conclusion; pending ones are not yet evidence either way.
CHECKED = Q(enrollment__isnull=False) & ~Q(finding=Finding.PENDING)


@dataclass(frozen=True)
class Accuracy:
    """识别精准率 = correct / checked enrollment checks. 应保未保 households found during the
    check have no enrollment to be right or wrong about, so they are reported beside it."""

    drawn: int
    checked: int
    correct: int
    wrong_amount: int
    ineligible: int
    missing: int

    @property
    def pending(self) -> int:
        return self.drawn - self.checked

    @property
    def rate(self) -> Decimal | None:
        if not self.checked:
            return None
        return Decimal(self.correct) / Decimal(self.checked)

    @property
    def rate_percent(self) -> Decimal | None:
        rate = self.rate
        return None if rate is None else percent(rate)


def percent(rate: Decimal) -> Decimal:
    return (rate * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _counts() -> dict[str, Any]:
    return {
        "drawn": Count("id", filter=Q(enrollment__isnull=False)),
        "checked": Count("id", filter=CHECKED),
        "correct": Count("id", filter=Q(finding=Finding.CORRECT)),
        "wrong_amount": Count("id", filter=Q(finding=Finding.WRONG_AMOUNT)),
        "ineligible": Count("id", filter=Q(finding=Finding.INELIGIBLE)),
        "missing": Count("id", filter=Q(finding=Finding.MISSING)),
    }


def accuracy_of(checks: QuerySet[SampleCheck]) -> Accuracy:
    return Accuracy(**checks.aggregate(**_counts()))


@dataclass(frozen=True)
class TownshipAccuracy:
    township: Region
    # From the round's strata: the township's active enrollments and the rate on the day drawn.
    active: int | None
    sample_rate: Decimal | None
    accuracy: Accuracy

    @property
    def sample_percent(self) -> Decimal | None:
        return None if self.sample_rate is None else percent(self.sample_rate)


def accuracy_by_township(user: Any, round_: SamplingRound) -> list[TownshipAccuracy]:
    """One row per township of the round the user may see, with one grouped query."""
    grouped = {
        row.pop("township"): Accuracy(**row)
        for row in scope(user, SampleCheck.objects.filter(round=round_))
        .annotate(township=Substr("village_code", 1, 9)).values("township")
        .annotate(**_counts()).order_by("township")
    }
    empty = Accuracy(0, 0, 0, 0, 0, 0)
    rows = []
    for township in _townships(user, round_):
        stratum = round_.strata.get(township.code) or {}
        rate = stratum.get("rate")
        rows.append(TownshipAccuracy(township, stratum.get("active"),
                                     None if rate is None else Decimal(rate),
                                     grouped.get(township.code[:9], empty)))
    return rows


def _townships(user: Any, round_: SamplingRound) -> list[Region]:
    """The round's townships within the user's region: those in force, and any retired since
    the draw that the round's strata still name."""
    prefix = user_prefix(user)
    if prefix is None:
        return []
    qs = Region.objects.filter(level=Level.TOWNSHIP,
                               code__range=code_range(region_prefix(round_.region_code)))
    return [t for t in qs.order_by("code")
            if t.code.startswith(prefix) and (t.valid_to is None or t.code in round_.strata)]
