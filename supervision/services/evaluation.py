"""Evaluation writes (绩效评估, issue 8 §4; domain.md §13): compute a region's scores from the
platform, enter the evaluators' scores, finalize.

Scoring. A computed indicator scores points × measured rate, rounded half-up to the fen
(0.01), from the exact fraction (9 of 10 on 40 points is 36.00; 1 of 3 on 30 points is 10.00).
**A rate with nothing due scores full points, with the note "无此类事项"**: a township with no
hotline ticket in the year has broken no deadline, and scoring it zero (or dropping the
indicator and re-weighting) would make the total depend on how busy it was rather than how
well it worked. The total is the sum of the indicator scores; the grade is the first of the
scheme's cuts (highest first) the total reaches, and is given only once every indicator is
scored.

The evaluation's states, checked in one place (`_require`): draft (compute, recompute, enter
scores, finalize) → final (nothing changes any more; 定档).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import audit_record
from jiuzhu.errors import ApplicationError
from regions.models import Level, Region
from regions.scoping import region_in_scope

from ..metrics import measure
from ..models import Evaluation, EvaluationScheme, Indicator, IndicatorSource, Score

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")  # Score.measured
NOTE_MAX = 300  # Score.note
NO_ITEMS = "无此类事项"
DRAFT, FINAL = "draft", "final"
MOVES = {"compute": {DRAFT}, "score": {DRAFT}, "finalize": {DRAFT}}


def state_of(evaluation: Evaluation) -> str:
    return FINAL if evaluation.finalized_at else DRAFT


def _require(evaluation: Evaluation, action: str) -> None:
    if state_of(evaluation) not in MOVES[action]:
        raise ApplicationError(_("该考评已定档，不能再修改"), code="transition")


def _require_evaluator(actor: Any) -> None:
    # The county evaluates its townships (and itself, for the city); a township never scores
    # itself. The route map keeps townships off these pages too.
    if not (actor.is_superuser or actor.role == Role.COUNTY_ADMIN):
        raise ApplicationError(_("绩效考评由县级民政部门组织"), code="forbidden")


def computed_points(points: Decimal, done: int, due: int) -> Decimal:
    if not due:
        return points.quantize(CENT)
    return (points * done / due).quantize(CENT, rounding=ROUND_HALF_UP)


def grade_for(scheme: EvaluationScheme, total: Decimal) -> str:
    for cut, label in scheme.grades:
        if total >= Decimal(str(cut)):
            return str(label)
    return ""


def _refresh_total(evaluation: Evaluation) -> None:
    """Total of the scores so far; a grade only when every indicator has its score."""
    total = evaluation.scores.aggregate(total=Sum("points"))["total"] or Decimal("0.00")
    complete = (evaluation.scores.count()
                == Indicator.objects.filter(scheme_id=evaluation.scheme_id).count())
    evaluation.total = total
    evaluation.grade = grade_for(evaluation.scheme, total) if complete else ""
    evaluation.save(update_fields=["total", "grade"])


def _evaluated_region(actor: Any, region_code: str) -> Region:
    region = Region.objects.filter(code=region_code, level__in=[Level.COUNTY, Level.TOWNSHIP],
                                   valid_to__isnull=True).first()
    if region is None or not region_in_scope(actor, region.code):
        raise ApplicationError(_("请选择本辖区内的乡镇（街道）或本县"), field="region")
    return region


def _period(period_start: date | None, period_end: date | None) -> tuple[date, date]:
    if period_start is None:
        raise ApplicationError(_("请填写考评期起"), field="period_start")
    if period_end is None:
        raise ApplicationError(_("请填写考评期止"), field="period_end")
    if period_end < period_start:
        raise ApplicationError(_("考评期止不能早于考评期起"), field="period_end")
    return period_start, period_end


@transaction.atomic
def evaluation_compute(*, actor: Any, scheme: EvaluationScheme, region_code: str,
                       period_start: date | None, period_end: date | None) -> Evaluation:
    """Create the region's evaluation under the scheme, or refresh it: every computed indicator
    is measured again over the (possibly changed) period; manual scores are kept."""
    _require_evaluator(actor)
    region = _evaluated_region(actor, region_code)
    start, end = _period(period_start, period_end)
    evaluation = (Evaluation.objects.select_for_update()
                  .filter(scheme=scheme, region=region).first())
    created = evaluation is None
    if evaluation is None:
        evaluation = Evaluation.objects.create(scheme=scheme, region=region, period_start=start,
                                               period_end=end)
    _require(evaluation, "compute")
    before = {"period": f"{evaluation.period_start}~{evaluation.period_end}",
              "total": str(evaluation.total) if evaluation.total is not None else None}
    evaluation.period_start, evaluation.period_end = start, end
    evaluation.save(update_fields=["period_start", "period_end"])
    now = timezone.now()
    for indicator in scheme.indicators.exclude(source=IndicatorSource.MANUAL):
        result = measure(indicator.source, region_code=region.code, start=start, end=end,
                         now=now)
        rate = result.rate
        Score.objects.update_or_create(evaluation=evaluation, indicator=indicator, defaults={
            "measured": None if rate is None else rate.quantize(RATE_PLACES, ROUND_HALF_UP),
            "points": computed_points(indicator.points, result.done, result.due),
            "note": NO_ITEMS if rate is None else f"{result.done}/{result.due}",
            "entered_by": None,
        })
    _refresh_total(evaluation)
    audit_record(actor=actor, action="evaluation.compute", obj=evaluation,
                 region_code=region.code, before=None if created else before,
                 after={"scheme": scheme.pk, "period": f"{start}~{end}",
                        "total": str(evaluation.total)})
    return evaluation


def _locked(evaluation_id: int) -> Evaluation:
    evaluation = (Evaluation.objects.select_for_update().select_related("scheme")
                  .filter(pk=evaluation_id).first())
    if evaluation is None:
        raise ApplicationError(_("考评不存在"), code="not_found")
    return evaluation


def _points(raw: Any, indicator: Indicator) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(_("得分须为数字"), field="points") from exc
    if not value.is_finite():
        raise ApplicationError(_("得分须为数字"), field="points")
    if not Decimal(0) <= value <= indicator.points:
        raise ApplicationError(_("得分须在0到%(max)s之间") % {"max": indicator.points},
                               field="points")
    if value != value.quantize(CENT):
        raise ApplicationError(_("得分最多保留两位小数"), field="points")
    return value.quantize(CENT)


@transaction.atomic
def score_enter(*, actor: Any, evaluation: Evaluation, indicator: Indicator, points: Any,
                note: str = "") -> Score:
    """An evaluator's score on a manual indicator; below full points it needs the reason."""
    _require_evaluator(actor)
    evaluation = _locked(evaluation.pk)
    if not region_in_scope(actor, evaluation.region_id):
        raise ApplicationError(_("该考评不在您的辖区内"), code="forbidden")
    _require(evaluation, "score")
    if indicator.scheme_id != evaluation.scheme_id or indicator.source != IndicatorSource.MANUAL:
        raise ApplicationError(_("该指标由平台数据自动计算，不能手工打分"), field="indicator")
    value = _points(points, indicator)
    note = (note or "").strip()
    if value < indicator.points and not note:
        raise ApplicationError(_("扣分须填写扣分说明"), field="note")
    if len(note) > NOTE_MAX:
        raise ApplicationError(_("扣分说明不超过%(n)s字") % {"n": NOTE_MAX}, field="note")
    previous = Score.objects.filter(evaluation=evaluation, indicator=indicator).first()
    score, _created = Score.objects.update_or_create(
        evaluation=evaluation, indicator=indicator,
        defaults={"points": value, "note": note, "measured": None, "entered_by": actor})
    _refresh_total(evaluation)
    audit_record(actor=actor, action="evaluation.score_enter", obj=evaluation,
                 region_code=evaluation.region_id,
                 before={"indicator": indicator.pk,
                         "points": str(previous.points) if previous else None},
                 after={"indicator": indicator.pk, "points": str(value)}, reason=note)
    return score


@transaction.atomic
def evaluation_finalize(*, actor: Any, evaluation: Evaluation) -> Evaluation:
    """定档: every indicator scored; afterwards the evaluation never changes."""
    _require_evaluator(actor)
    evaluation = _locked(evaluation.pk)
    if not region_in_scope(actor, evaluation.region_id):
        raise ApplicationError(_("该考评不在您的辖区内"), code="forbidden")
    _require(evaluation, "finalize")
    scored = set(evaluation.scores.values_list("indicator_id", flat=True))
    missing = [i.name for i in evaluation.scheme.indicators.all() if i.pk not in scored]
    if missing:
        raise ApplicationError(_("尚有指标未打分：%(names)s") % {"names": "、".join(missing)},
                               code="transition")
    _refresh_total(evaluation)
    evaluation.finalized_at, evaluation.finalized_by = timezone.now(), actor
    evaluation.save(update_fields=["finalized_at", "finalized_by"])
    audit_record(actor=actor, action="evaluation.finalize", obj=evaluation,
                 region_code=evaluation.region_id,
                 after={"total": str(evaluation.total), "grade": evaluation.grade})
    return evaluation
