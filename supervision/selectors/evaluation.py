"""Evaluation reads: schemes (county pages only; they belong to no region), a region's
evaluation with its indicator table, the ranked table of a county's townships and the
year-on-year comparison. Evaluations are always read through `scope`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.shortcuts import get_object_or_404

from regions.models import Region
from regions.scoping import scope, scoped_get_or_404
from regions.selectors import townships_for_user

from ..models import Evaluation, EvaluationScheme, Indicator, Score


def scheme_list() -> QuerySet[EvaluationScheme]:
    return EvaluationScheme.objects.annotate(full_points=Sum("indicators__points"))


def scheme_get(scheme_id: int) -> EvaluationScheme:
    return get_object_or_404(EvaluationScheme, pk=scheme_id)


@dataclass(frozen=True)
class Row:
    indicator: Indicator
    score: Score | None


@dataclass(frozen=True)
class Dimension:
    name: str
    rows: list[Row]

    @property
    def points(self) -> Decimal:
        return sum((r.indicator.points for r in self.rows), Decimal(0))

    @property
    def scored(self) -> Decimal:
        return sum((r.score.points for r in self.rows if r.score), Decimal(0))


def dimensions(scheme: EvaluationScheme, evaluation: Evaluation | None = None) -> list[Dimension]:
    """The scheme's indicators grouped by dimension, in the scheme's order, with the scores."""
    scores = ({s.indicator_id: s for s in evaluation.scores.select_related("entered_by")}
              if evaluation else {})
    groups: dict[str, list[Row]] = {}
    for indicator in scheme.indicators.all():
        groups.setdefault(indicator.dimension, []).append(Row(indicator, scores.get(indicator.pk)))
    return [Dimension(name, rows) for name, rows in groups.items()]


def evaluation_list(user: Any) -> QuerySet[Evaluation]:
    return (scope(user, Evaluation.objects.all()).select_related("scheme", "region")
            .order_by("-scheme__year", "scheme__name", "region_id"))


def evaluation_get(user: Any, evaluation_id: int) -> Evaluation:
    return scoped_get_or_404(
        user, Evaluation.objects.select_related("scheme", "region", "finalized_by"),
        pk=evaluation_id)


def _by_township(user: Any, scheme: EvaluationScheme | None) -> dict[str, Evaluation]:
    if scheme is None:
        return {}
    return {e.region_id: e for e in scope(user, scheme.evaluations.all())}


@dataclass(frozen=True)
class RankRow:
    rank: int | None
    township: Region
    evaluation: Evaluation | None


def ranking(user: Any, scheme: EvaluationScheme) -> list[RankRow]:
    """The county's townships by total, highest first; equal totals share a rank (1, 2, 2, 4);
    townships whose evaluation is missing or not fully scored come last, unranked."""
    found = _by_township(user, scheme)
    townships = list(townships_for_user(user))
    # Only complete evaluations are ranked: a running total is not a result yet.
    indicators = scheme.indicators.count()
    scored = dict(scheme.evaluations.annotate(n=Count("scores")).values_list("region_id", "n"))
    totals = {code: e.total for code, e in found.items()
              if e.total is not None and scored.get(code) == indicators}
    rows: list[RankRow] = []
    rank, last_total = 0, None
    for position, township in enumerate(
            sorted((t for t in townships if t.code in totals),
                   key=lambda t: (-totals[t.code], t.code)), start=1):
        if totals[township.code] != last_total:
            rank, last_total = position, totals[township.code]
        rows.append(RankRow(rank, township, found[township.code]))
    rows += [RankRow(None, t, found.get(t.code)) for t in townships if t.code not in totals]
    return rows


def previous_scheme(scheme: EvaluationScheme) -> EvaluationScheme | None:
    return EvaluationScheme.objects.filter(name=scheme.name, year=scheme.year - 1).first()


@dataclass(frozen=True)
class YearOnYear:
    township: Region
    before: Evaluation | None
    now: Evaluation | None

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.now is None or None in (self.before.total, self.now.total):
            return None
        return self.now.total - self.before.total  # type: ignore[operator]


def year_on_year(user: Any, scheme: EvaluationScheme) -> list[YearOnYear]:
    """Each township's total and grade under this scheme and under the same-named scheme of
    the year before."""
    before = _by_township(user, previous_scheme(scheme))
    now = _by_township(user, scheme)
    return [YearOnYear(t, before.get(t.code), now.get(t.code)) for t in townships_for_user(user)]
