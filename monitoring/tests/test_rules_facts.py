"""The rules that read department data (医保, 卫健 死亡登记, 人社 失业登记, 应急管理 受灾登记):
each fires on its event or condition, not beside it, and only for the monitored population."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from monitoring.models import RuleCode, WarningRule
from verification.models import SnapshotStatus

from .engine_data import (
    ON,
    TOWNSHIP_A,
    TOWNSHIP_B,
    VILLAGE_B,
    applicant,
    fact,
    household,
    income,
    member,
    only_warning,
    raised,
    run,
    snapshot,
    sources,  # noqa: F401 - fixture
    warning_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sources")]
R = RuleCode


# -- MEDICAL_EXPENSE ------------------------------------------------------------------------------

def test_medical_spending_above_the_line_fires_at_the_line_does_not() -> None:
    snap = snapshot("medical")
    over, at_line, stranger = household(), household(), household(programme=None)
    inmate = member(over, excluded=True)
    fact(snap, applicant(over), "out_of_pocket_12m", "20000.01")
    fact(snap, applicant(at_line), "out_of_pocket_12m", "20000.00")
    fact(snap, applicant(stranger), "out_of_pocket_12m", "90000")  # not monitored
    fact(snap, inmate, "out_of_pocket_12m", "90000")  # excluded member: not monitored
    result = run()
    assert raised(R.MEDICAL_EXPENSE) == {(applicant(over).pk, "2026-11-15")}
    warning = only_warning(R.MEDICAL_EXPENSE)
    assert warning.value == Decimal("20000.01") and warning.household_id == over.pk
    assert "20000.01" in warning.evidence and "20000.00" in warning.evidence
    assert (warning.raised_on, warning.run_id, warning.village_code) == (
        ON, result.pk, over.village_id)
    assert result.raised[R.MEDICAL_EXPENSE] == 1


def test_a_townships_own_medical_line_applies_only_there() -> None:
    WarningRule.objects.create(code=R.MEDICAL_EXPENSE, region_id=TOWNSHIP_A,
                               threshold=Decimal("10000"))
    snap = snapshot("medical")
    in_a, in_b = household(), household(VILLAGE_B)
    fact(snap, applicant(in_a), "out_of_pocket_12m", "15000")
    fact(snap, applicant(in_b), "out_of_pocket_12m", "15000")
    run()
    assert raised(R.MEDICAL_EXPENSE) == {(applicant(in_a).pk, "2026-11-15")}


def test_persisting_medical_spending_is_raised_again_only_after_the_repeat_interval() -> None:
    h = household()
    first = snapshot("medical", as_of=date(2026, 5, 31))
    fact(first, applicant(h), "out_of_pocket_12m", "30000")
    run(on=date(2026, 6, 1))
    first.status = SnapshotStatus.SUPERSEDED
    first.save()
    fact(snapshot("medical", as_of=date(2026, 10, 31)), applicant(h), "out_of_pocket_12m",
         "31000")
    # 172 days later: within the default year, nothing new.
    assert run().raised[R.MEDICAL_EXPENSE] == 0
    # The county shortens the interval: 173 days is still a day too long; at 172 days (the
    # last warning was raised exactly that long ago) the newer extract raises again.
    rule = WarningRule.objects.create(code=R.MEDICAL_EXPENSE, lookback_days=173)
    assert run().raised[R.MEDICAL_EXPENSE] == 0
    rule.lookback_days = 172
    rule.save()
    assert run().raised[R.MEDICAL_EXPENSE] == 1
    assert raised(R.MEDICAL_EXPENSE) == {(applicant(h).pk, "2026-05-31"),
                                         (applicant(h).pk, "2026-10-31")}


def test_of_two_active_medical_extracts_only_the_newest_value_counts() -> None:
    older, newer = snapshot("medical", date(2026, 9, 30)), snapshot("medical", date(2026, 10, 31))
    recovered, worse = household(), household()
    fact(older, applicant(recovered), "out_of_pocket_12m", "25000")
    fact(newer, applicant(recovered), "out_of_pocket_12m", "5000")
    fact(older, applicant(worse), "out_of_pocket_12m", "21000")
    fact(newer, applicant(worse), "out_of_pocket_12m", "26000")
    run()
    assert raised(R.MEDICAL_EXPENSE) == {(applicant(worse).pk, "2026-10-31")}


# -- EARNER_DEATH ---------------------------------------------------------------------------------

def test_death_of_the_main_earner_within_the_look_back_fires() -> None:
    snap = snapshot("death")
    h = household()
    spouse = member(h)
    income(spouse, "1200")  # the spouse earns: the main earner, not the applicant
    fact(snap, spouse, "death_date", day=ON - timedelta(days=90))  # the look-back's first day
    # The applicant of the same household is not the main earner: not this rule.
    fact(snap, applicant(h), "death_date", day=ON - timedelta(days=10))
    late = household()
    fact(snap, applicant(late), "death_date", day=ON - timedelta(days=91))
    future = household()
    fact(snap, applicant(future), "death_date", day=ON + timedelta(days=1))
    run()
    assert raised(R.EARNER_DEATH) == {(spouse.pk, "2026-08-22")}
    assert "2026-08-22" in only_warning(R.EARNER_DEATH).evidence


def test_without_income_the_applicant_is_the_main_earner() -> None:
    snap = snapshot("death")
    h = household()
    member(h)  # no income either: the applicant goes first
    fact(snap, applicant(h), "death_date", day=ON - timedelta(days=3))
    run()
    assert raised(R.EARNER_DEATH) == {(applicant(h).pk, "2026-11-17")}


def test_excluded_income_does_not_make_a_main_earner() -> None:
    snap = snapshot("death")
    h = household()
    spouse = member(h)
    income(spouse, "900", kind="basic_pension", excluded=True)
    fact(snap, spouse, "death_date", day=ON - timedelta(days=3))
    run()
    assert raised(R.EARNER_DEATH) == set()


# -- JOB_LOSS -------------------------------------------------------------------------------------

def test_registered_unemployment_fires_for_any_member_unless_switched_off_there() -> None:
    WarningRule.objects.create(code=R.JOB_LOSS, region_id=TOWNSHIP_B, enabled=False)
    snap = snapshot("unemployment")
    in_a, in_b = household(), household(VILLAGE_B)
    son = member(in_a, relation="child", birth=date(2000, 1, 1))
    fact(snap, son, "registered")
    fact(snap, applicant(in_b), "registered")
    result = run()
    assert raised(R.JOB_LOSS) == {(son.pk, "2026-11-15")}
    assert "失业" in only_warning(R.JOB_LOSS).evidence
    assert result.raised[R.JOB_LOSS] == 1


def test_a_rule_off_by_default_can_be_switched_on_for_one_township() -> None:
    WarningRule.objects.create(code=R.JOB_LOSS, enabled=False)
    WarningRule.objects.create(code=R.JOB_LOSS, region_id=TOWNSHIP_B, enabled=True)
    snap = snapshot("unemployment")
    in_a, in_b = household(), household(VILLAGE_B)
    fact(snap, applicant(in_a), "registered")
    fact(snap, applicant(in_b), "registered")
    run()
    assert raised(R.JOB_LOSS) == {(applicant(in_b).pk, "2026-11-15")}


def test_a_source_without_active_data_raises_nothing() -> None:
    h = household()
    fact(snapshot("unemployment", status=SnapshotStatus.SUPERSEDED), applicant(h), "registered")
    assert run().raised[R.JOB_LOSS] == 0


# -- DISASTER -------------------------------------------------------------------------------------

def test_a_disaster_within_the_look_back_fires_with_its_loss() -> None:
    snap = snapshot("disaster")
    hit, long_ago, no_loss = household(), household(), household()
    fact(snap, applicant(hit), "disaster_date", day=ON - timedelta(days=5))
    fact(snap, applicant(hit), "loss_amount", "35000")
    fact(snap, applicant(long_ago), "disaster_date", day=ON - timedelta(days=91))
    fact(snap, applicant(no_loss), "disaster_date", day=ON - timedelta(days=1))
    run()
    assert raised(R.DISASTER) == {(applicant(hit).pk, "2026-11-15"),
                                  (applicant(no_loss).pk, "2026-11-19")}
    hit_warning = warning_of(R.DISASTER, applicant(hit))
    assert hit_warning.value == Decimal("35000") and "35000.00" in hit_warning.evidence
    assert warning_of(R.DISASTER, applicant(no_loss)).value is None
