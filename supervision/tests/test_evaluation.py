"""Performance evaluation: the hand-computed example, the zero-denominator rule, grades, the
ranked and year-on-year tables, 定档, scope and bad input."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone

from cases.choices import CaseState
from cases.models import Case
from demo.evaluation import SCHEMES, load_evaluation_schemes
from demo.reference import COUNTY, TOWNSHIP_A, TOWNSHIP_B, TOWNSHIPS
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.cases import staff
from jiuzhu.testing.factories import household_with_applicant
from jiuzhu.testing.fixtures import client_for
from supervision.models import Evaluation, EvaluationScheme, Indicator, IndicatorSource, Score
from supervision.selectors.evaluation import ranking, year_on_year
from supervision.services.evaluation import (
    computed_points,
    evaluation_compute,
    evaluation_finalize,
    grade_for,
    score_enter,
)
from tickets.models import Channel, Ticket, TicketState, Topic, Urgency

pytestmark = pytest.mark.django_db

S = IndicatorSource
GRADES = [[90, "优秀"], [80, "良好"], [60, "合格"], [0, "不合格"]]
VILLAGE_A = "620802100201"
Q1 = (date(2026, 1, 1), date(2026, 3, 31))
TOWNSHIP_C, TOWNSHIP_D = "620802102000", "620802103000"
_serial = itertools.count(1)


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def decided_case(on_time: bool) -> Case:
    household = household_with_applicant(VILLAGE_A)
    return Case.objects.create(
        number=f"E{next(_serial):07d}", programme_id="dibao_rural", household=household,
        applicant=household.members.get(), village_id=VILLAGE_A, urban_rural="rural",
        state=CaseState.APPROVED, channel="counter", decided_on=date(2026, 2, 10),
        overall_due=date(2026, 2, 10) if on_time else date(2026, 2, 9))


def replied_ticket(on_time: bool) -> Ticket:
    due = at(date(2026, 3, 2))
    return Ticket.objects.create(
        number=f"RX{next(_serial):06d}", channel=Channel.COUNTY, topic=Topic.HELP,
        urgency=Urgency.GENERAL, subject="求助", content="求助", region_id=TOWNSHIP_A,
        received_at=due - timedelta(days=10), received_by=staff("county_admin"), due_at=due,
        state=TicketState.REPLIED, replied_at=due + timedelta(hours=-1 if on_time else 1))


def scheme_of(*indicators: tuple[str, str, str], name: str = "乡镇考评（测试）",
              year: int = 2026) -> EvaluationScheme:
    scheme = EvaluationScheme.objects.create(name=name, year=year, grades=GRADES)
    for order, (title, points, source) in enumerate(indicators):
        Indicator.objects.create(scheme=scheme, dimension=title[:4], name=title,
                                 points=Decimal(points), source=source, sort_order=order)
    return scheme


@pytest.fixture
def example(county_admin: Any) -> EvaluationScheme:
    """THE hand-computed example: 40 points on cases (9 of 10 on time), 30 points entered by
    hand, 30 points on tickets (3 of 4 on time)."""
    for i in range(10):
        decided_case(on_time=i < 9)
    for i in range(4):
        replied_ticket(on_time=i < 3)
    return scheme_of(("审核确认按时办结", "40", S.CASE_TIMELINESS),
                     ("组织领导和工作保障", "30", S.MANUAL),
                     ("热线诉求按时答复", "30", S.TICKET_TIMELINESS))


def compute(scheme: EvaluationScheme, region: str = TOWNSHIP_A, actor: Any = None,
            period: tuple[date, date] = Q1) -> Evaluation:
    return evaluation_compute(actor=actor or staff("county_admin"), scheme=scheme,
                              region_code=region, period_start=period[0], period_end=period[1])


def indicator(scheme: EvaluationScheme, source: str) -> Indicator:
    return scheme.indicators.get(source=source)


def enter(evaluation: Evaluation, points: Any, note: str = "", actor: Any = None,
          on: Indicator | None = None) -> Score:
    return score_enter(actor=actor or staff("county_admin"), evaluation=evaluation,
                       indicator=on or indicator(evaluation.scheme, S.MANUAL), points=points,
                       note=note)


def scores(evaluation: Evaluation) -> dict[str, tuple[Any, Decimal, str]]:
    return {s.indicator.source: (s.measured, s.points, s.note)
            for s in evaluation.scores.select_related("indicator")}


# -- the hand-computed example -----------------------------------------------------------------

def test_the_hand_computed_example(example: EvaluationScheme, county_admin: Any) -> None:
    evaluation = compute(example)
    assert scores(evaluation) == {
        S.CASE_TIMELINESS: (Decimal("0.9000"), Decimal("36.00"), "9/10"),
        S.TICKET_TIMELINESS: (Decimal("0.7500"), Decimal("22.50"), "3/4"),
    }
    # Until the manual indicator is scored there is a running total but no grade.
    assert (evaluation.total, evaluation.grade) == (Decimal("58.50"), "")
    enter(evaluation, "25.5", "培训记录不全，扣4.5分")
    evaluation.refresh_from_db()
    assert evaluation.total == Decimal("84.00") and evaluation.grade == "良好"
    manual = evaluation.scores.get(indicator__source=S.MANUAL)
    assert (manual.points, manual.note, manual.entered_by) == (
        Decimal("25.50"), "培训记录不全，扣4.5分", county_admin)


def test_recomputing_keeps_the_manual_scores(example: EvaluationScheme) -> None:
    evaluation = compute(example)
    enter(evaluation, "25.5", "扣分")
    replied_ticket(on_time=False)  # now 3 of 5: 30 × 3/5 = 18.00
    evaluation = compute(example)
    assert scores(evaluation)[S.TICKET_TIMELINESS] == (Decimal("0.6000"), Decimal("18.00"), "3/5")
    assert scores(evaluation)[S.MANUAL][1] == Decimal("25.50")
    assert (evaluation.total, evaluation.grade) == (Decimal("79.50"), "合格")
    assert Evaluation.objects.count() == 1 and Score.objects.count() == 3


def test_nothing_due_scores_full_points(example: EvaluationScheme) -> None:
    evaluation = compute(example, TOWNSHIP_B)  # township B had no case and no ticket
    assert scores(evaluation) == {
        S.CASE_TIMELINESS: (None, Decimal("40.00"), "无此类事项"),
        S.TICKET_TIMELINESS: (None, Decimal("30.00"), "无此类事项"),
    }


def test_the_county_is_evaluated_over_all_its_townships(example: EvaluationScheme) -> None:
    evaluation = compute(example, COUNTY[0])
    assert scores(evaluation)[S.CASE_TIMELINESS][2] == "9/10"


@pytest.mark.parametrize(("points", "done", "due", "expected"), [
    ("40", 9, 10, "36.00"), ("30", 3, 4, "22.50"), ("30", 1, 3, "10.00"),
    ("40", 2, 3, "26.67"), ("5", 1, 8, "0.63"),  # 0.625: half up, not to even
    ("10", 0, 5, "0.00"), ("15", 0, 0, "15.00"),
])
def test_computed_points(points: str, done: int, due: int, expected: str) -> None:
    assert computed_points(Decimal(points), done, due) == Decimal(expected)


@pytest.mark.parametrize(("total", "grade"), [
    ("100", "优秀"), ("90.00", "优秀"), ("89.99", "良好"), ("80", "良好"), ("79.99", "合格"),
    ("60", "合格"), ("59.99", "不合格"), ("0", "不合格"),
])
def test_grades_follow_the_schemes_cuts(total: str, grade: str) -> None:
    scheme = EvaluationScheme(name="x", year=2026, grades=GRADES)
    assert grade_for(scheme, Decimal(total)) == grade


# -- 定档 -----------------------------------------------------------------------------------------

def test_finalize_needs_every_score_and_then_locks(example: EvaluationScheme,
                                                   county_admin: Any) -> None:
    evaluation = compute(example)
    with pytest.raises(ApplicationError) as err:
        evaluation_finalize(actor=county_admin, evaluation=evaluation)
    assert err.value.code == "transition" and "组织领导和工作保障" in err.value.message
    evaluation.refresh_from_db()
    assert evaluation.finalized_at is None
    enter(evaluation, "25.5", "扣分")
    evaluation = evaluation_finalize(actor=county_admin, evaluation=evaluation)
    assert evaluation.finalized_by == county_admin and evaluation.grade == "良好"

    replied_ticket(on_time=False)
    attempts = [lambda: compute(example), lambda: enter(evaluation, "30"),
                lambda: evaluation_finalize(actor=county_admin, evaluation=evaluation)]
    for attempt in attempts:
        with pytest.raises(ApplicationError) as err:
            attempt()
        assert err.value.code == "transition"
    evaluation.refresh_from_db()
    assert (evaluation.total, evaluation.grade) == (Decimal("84.00"), "良好")
    assert scores(evaluation)[S.TICKET_TIMELINESS][1] == Decimal("22.50")
    assert scores(evaluation)[S.MANUAL][1] == Decimal("25.50")


# -- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("points", "note", "field"), [
    ("30.01", "", "points"), ("-1", "扣分", "points"), ("abc", "", "points"),
    ("1.234", "扣分", "points"), ("NaN", "", "points"), ("Infinity", "", "points"),
    ("", "", "points"), ("29", "", "note"), ("29", "x" * 301, "note"),
])
def test_bad_scores_change_nothing(example: EvaluationScheme, points: str, note: str,
                                   field: str) -> None:
    evaluation = compute(example)
    with pytest.raises(ApplicationError) as err:
        enter(evaluation, points, note)
    assert err.value.field == field
    evaluation.refresh_from_db()
    assert evaluation.total == Decimal("58.50") and evaluation.scores.count() == 2


def test_full_points_need_no_note(example: EvaluationScheme) -> None:
    evaluation = compute(example)
    assert enter(evaluation, "30").points == Decimal("30.00")


def test_computed_indicators_and_other_schemes_are_not_scored_by_hand(
        example: EvaluationScheme) -> None:
    evaluation = compute(example)
    other = scheme_of(("别的指标", "30", S.MANUAL), name="别的方案")
    for target in (indicator(example, S.CASE_TIMELINESS), other.indicators.get()):
        with pytest.raises(ApplicationError) as err:
            enter(evaluation, "30", on=target)
        assert err.value.field == "indicator"
    assert scores(evaluation)[S.CASE_TIMELINESS][1] == Decimal("36.00")
    assert evaluation.scores.count() == 2


@pytest.mark.parametrize(("region", "period", "field"), [
    ("620802100201", Q1, "region"),  # a village
    ("620902000000", Q1, "region"),  # another county
    (TOWNSHIP_A, (date(2026, 3, 1), date(2026, 2, 1)), "period_end"),
    (TOWNSHIP_A, (None, date(2026, 2, 1)), "period_start"),
])
def test_bad_compute_input_creates_nothing(example: EvaluationScheme, region: str,
                                           period: Any, field: str) -> None:
    with pytest.raises(ApplicationError) as err:
        compute(example, region, period=period)
    assert err.value.field == field
    assert not Evaluation.objects.exists() and not Score.objects.exists()


def test_townships_do_not_evaluate(example: EvaluationScheme, clerk_a: Any,
                                   reviewer_a: Any) -> None:
    for user in (clerk_a, reviewer_a):
        with pytest.raises(ApplicationError) as err:
            compute(example, actor=user)
        assert err.value.code == "forbidden"
    assert not Evaluation.objects.exists()
    evaluation = compute(example)
    with pytest.raises(ApplicationError) as err:
        enter(evaluation, "30", actor=clerk_a)
    assert err.value.code == "forbidden" and evaluation.scores.count() == 2


# -- ranking and year on year ---------------------------------------------------------------------

def manual_scheme(year: int) -> EvaluationScheme:
    return scheme_of(("综合评价", "100", S.MANUAL), name="年度考评", year=year)


def scored(scheme: EvaluationScheme, township: str, points: str) -> Evaluation:
    evaluation = compute(scheme, township, period=(date(scheme.year, 1, 1),
                                                   date(scheme.year, 12, 31)))
    enter(evaluation, points, "扣分")
    evaluation.refresh_from_db()
    return evaluation


def test_ranking_of_the_countys_townships(county_admin: Any) -> None:
    scheme = manual_scheme(2026)
    scored(scheme, TOWNSHIP_A, "84")
    scored(scheme, TOWNSHIP_B, "92.5")
    scored(scheme, TOWNSHIP_C, "84")
    scored(scheme, "620802001000", "55")
    compute(scheme, TOWNSHIP_D, period=(date(2026, 1, 1), date(2026, 12, 31)))  # not scored
    rows = ranking(county_admin, scheme)
    assert [(r.rank, r.township.code, r.evaluation and r.evaluation.grade) for r in rows] == [
        (1, TOWNSHIP_B, "优秀"), (2, TOWNSHIP_A, "良好"), (2, TOWNSHIP_C, "良好"),
        (4, "620802001000", "不合格"),
        # Not evaluated, and evaluated but not fully scored: listed, unranked.
        (None, "620802002000", None), (None, TOWNSHIP_D, "")]
    assert len(rows) == len(TOWNSHIPS)


def test_year_on_year(county_admin: Any) -> None:
    before, now = manual_scheme(2025), manual_scheme(2026)
    scored(before, TOWNSHIP_A, "80")
    scored(now, TOWNSHIP_A, "84.5")
    scored(before, TOWNSHIP_B, "91")
    scored(now, TOWNSHIP_B, "78")
    scored(now, TOWNSHIP_C, "88")  # no evaluation the year before
    rows = {r.township.code: r for r in year_on_year(county_admin, now)}
    a, b, c = rows[TOWNSHIP_A], rows[TOWNSHIP_B], rows[TOWNSHIP_C]
    assert (a.before and a.before.grade, a.now and a.now.grade, a.change) == (
        "良好", "良好", Decimal("4.50"))
    assert (b.before and b.before.grade, b.now and b.now.grade, b.change) == (
        "优秀", "合格", Decimal("-13.00"))
    assert (c.before, c.change) == (None, None)
    # Another scheme name is not "the same scheme the year before".
    other = scheme_of(("综合评价", "100", S.MANUAL), name="另一考评", year=2026)
    assert all(r.before is None for r in year_on_year(county_admin, other))


# -- pages and scope -----------------------------------------------------------------------------

def test_county_evaluates_through_the_pages(example: EvaluationScheme, county_admin: Any) -> None:
    web = client_for(county_admin)
    assert "审核确认按时办结" in web.get(
        f"/supervision/evaluation/schemes/{example.pk}/").content.decode()
    bad = web.post(f"/supervision/evaluation/schemes/{example.pk}/compute/", {
        "region": TOWNSHIP_A, "period_start": "2026-03-31", "period_end": "2026-01-01"})
    assert bad.status_code == 200 and "考评期止不能早于考评期起" in bad.content.decode()
    assert not Evaluation.objects.exists()
    response = web.post(f"/supervision/evaluation/schemes/{example.pk}/compute/", {
        "region": TOWNSHIP_A, "period_start": "2026-01-01", "period_end": "2026-03-31"})
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302
    manual = indicator(example, S.MANUAL)
    url = f"/supervision/evaluation/{evaluation.pk}/"
    page = web.post(url + "score/", {"indicator": manual.pk, "points": "31", "note": "x"})
    assert page.status_code == 200 and "得分须在0到30" in page.content.decode()
    assert 'value="31"' in page.content.decode()
    assert web.post(url + "score/", {"indicator": manual.pk, "points": "25.5",
                                     "note": "扣分"}).status_code == 302
    assert web.post(url + "finalize/").status_code == 302
    text = web.get(url).content.decode()
    assert "84.00" in text and "良好" in text and "已定档" in text and "36.00" in text
    assert "9/10" in text and "90.00%" in text
    ranked = web.get(f"/supervision/evaluation/schemes/{example.pk}/ranking/").content.decode()
    assert "崆峒镇" in ranked and "84.00" in ranked


def test_evaluation_pages_are_scoped(example: EvaluationScheme, clerk_a: Any, clerk_b: Any,
                                     auditor: Any) -> None:
    evaluation = compute(example)
    url = f"/supervision/evaluation/{evaluation.pk}/"
    b = client_for(clerk_b)
    assert b.get(url).status_code == 404
    assert f"/supervision/evaluation/{evaluation.pk}/" not in b.get(
        "/supervision/evaluation/").content.decode()
    a = client_for(clerk_a)
    assert a.get(url).status_code == 200
    assert f"/supervision/evaluation/{evaluation.pk}/" in a.get(
        "/supervision/evaluation/").content.decode()
    assert a.get(f"/supervision/evaluation/schemes/{example.pk}/").status_code == 403
    assert a.get(f"/supervision/evaluation/schemes/{example.pk}/ranking/").status_code == 403
    manual = indicator(example, S.MANUAL)
    assert a.post(url + "score/", {"indicator": manual.pk, "points": "30"}).status_code == 403
    audit = client_for(auditor)
    assert audit.get(url).status_code == 200
    assert audit.get(f"/supervision/evaluation/schemes/{example.pk}/year-on-year/"
                     ).status_code == 200
    assert audit.post(url + "finalize/").status_code == 403
    assert evaluation.scores.count() == 2


# -- the demo schemes -----------------------------------------------------------------------------

def test_demo_schemes_are_data_and_add_up_to_100(county_admin: Any) -> None:
    load_evaluation_schemes()
    load_evaluation_schemes()  # again: updates, never duplicates
    assert EvaluationScheme.objects.count() == 2 * len(SCHEMES)
    for scheme in EvaluationScheme.objects.all():
        assert scheme.indicators.aggregate(n=Sum("points"))["n"] == Decimal("100.00")
    national = EvaluationScheme.objects.get(name__contains="242号", year=2026)
    dims = {d: sum(i.points for i in national.indicators.filter(dimension=d))
            for d in national.indicators.values_list("dimension", flat=True)}
    assert list(dims) == ["工作保障", "工作管理", "工作效果", "工作创新"]
    assert dims["工作保障"] == Decimal("30.00")
    local = EvaluationScheme.objects.get(name__contains="五维度", year=2026)
    assert list(dict.fromkeys(local.indicators.values_list("dimension", flat=True))) == [
        "制度体系", "动态监测", "巩固成果", "资金保障", "督察督办"]
    # A demo scheme computes end to end.
    evaluation = compute(local, TOWNSHIP_A, period=(date(2026, 1, 1), date(2026, 12, 31)))
    assert evaluation.scores.count() == local.indicators.exclude(source=S.MANUAL).count()
