"""The rules that read the platform's own records (registry, re-checks, verification findings):
each fires on its event or condition, not beside it, and only for the monitored population."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from benefits.models import Enrollment, RecheckTask
from monitoring.models import RuleCode, WarningRule
from registry.models import Disability, Household, Person
from verification.models import Finding, RunKind, RunStatus, VerificationRun

from .engine_data import (
    ON,
    URBAN_VILLAGE,
    applicant,
    household,
    income,
    member,
    monitored,
    only_warning,
    raised,
    run,
    sources,  # noqa: F401 - fixture
    warning_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sources")]
R = RuleCode


# -- EARNER_DISABILITY ----------------------------------------------------------------------------

def _certificate(person: Person, issued: date) -> Disability:
    return Disability.objects.create(person=person, category="physical", grade=2,
                                     issued_on=issued)


def test_a_new_disability_certificate_of_the_main_earner_fires() -> None:
    h = household()
    fresh = _certificate(applicant(h), ON - timedelta(days=90))
    child = member(h, relation="child", birth=date(2010, 1, 1))
    _certificate(child, ON - timedelta(days=5))  # not the main earner
    old = household()
    _certificate(applicant(old), ON - timedelta(days=91))
    run()
    assert raised(R.EARNER_DISABILITY) == {(applicant(h).pk, f"disability:{fresh.pk}")}
    assert "肢体残疾" in only_warning(R.EARNER_DISABILITY).evidence


# -- PENSION_LOSS ---------------------------------------------------------------------------------

def test_a_pension_that_stopped_within_the_look_back_fires() -> None:
    # Run on 11-20 with 90 days: the look-back reaches 08-22, so pensions last paid for August
    # or later count.
    stopped, long_ago, replaced, ending_later = household(), household(), household(), household()
    pension = income(applicant(stopped), "1500", kind="pension", end=date(2026, 8, 1))
    income(applicant(long_ago), "1500", kind="pension", end=date(2026, 7, 1))
    income(applicant(replaced), "1500", kind="pension", end=date(2026, 9, 1))
    income(applicant(replaced), "1600", kind="pension", start=date(2026, 10, 1))
    income(applicant(ending_later), "1500", kind="pension", end=date(2026, 12, 1))
    income(applicant(long_ago), "900", kind="wage", end=date(2026, 10, 1))  # not a pension
    run()
    assert raised(R.PENSION_LOSS) == {(applicant(stopped).pk, f"income:{pension.pk}")}
    warning = only_warning(R.PENSION_LOSS)
    assert warning.value == Decimal("1500") and "2026-08" in warning.evidence


# -- SCHOOL_ENTRY ---------------------------------------------------------------------------------

def test_children_turning_15_or_18_this_year_fire_once_for_the_year() -> None:
    h = household()
    fifteen = member(h, relation="child", birth=date(2011, 12, 31))
    eighteen = member(h, relation="child", birth=date(2008, 1, 1))
    member(h, relation="child", birth=date(2010, 6, 1))  # 16: already in high school
    member(h, relation="child", birth=date(2012, 1, 1))  # 14
    member(h, relation="child", birth=date(2011, 5, 1), excluded=True)
    stranger = household(programme=None)
    member(stranger, relation="child", birth=date(2011, 5, 1))
    run()
    assert raised(R.SCHOOL_ENTRY) == {(fifteen.pk, "2026"), (eighteen.pk, "2026")}
    assert "高中" in warning_of(R.SCHOOL_ENTRY, fifteen).evidence
    assert "大学" in warning_of(R.SCHOOL_ENTRY, eighteen).evidence
    assert run().raised[R.SCHOOL_ENTRY] == 0


# -- INCOME_ABOVE_STANDARD ------------------------------------------------------------------------

def test_a_dibao_household_above_its_standard_fires_at_the_standard_does_not() -> None:
    above, at_standard, edge = household(), household(), household(programme="edge")
    income(applicant(above), "601.00")
    income(member(above), "600.00")  # 1,201 for two: 600.50 a head, over the rural 600
    income(applicant(at_standard), "300.10")
    income(member(at_standard), "899.90")  # exactly 600 a head
    income(applicant(edge), "5000")  # 低保边缘 is monitored, but has no dibao standard to pass
    run()
    assert raised(R.INCOME_ABOVE_STANDARD) == {(applicant(above).pk, "2026-11")}
    warning = only_warning(R.INCOME_ABOVE_STANDARD)
    assert warning.value == Decimal("600.50") and warning.household_id == above.pk
    assert "600.50" in warning.evidence and "600.00" in warning.evidence


def test_income_counts_only_counted_members_and_counted_income_in_force() -> None:
    h = household()
    spouse = member(h)
    income(applicant(h), "500")
    income(spouse, "650")  # 1,150 for two: 575, under 600 …
    income(spouse, "400", kind="basic_pension", excluded=True)  # … excluded by rule,
    income(spouse, "400", end=date(2026, 10, 1))  # ended last month,
    income(spouse, "400", start=date(2026, 12, 1))  # not started yet,
    income(member(h, excluded=True), "3000")  # an excluded member (in prison)
    run()
    assert raised(R.INCOME_ABOVE_STANDARD) == set()
    # The spouse earns most: the household's warning would name her.
    income(spouse, "100")  # 1,250 for two: 625
    run()
    assert raised(R.INCOME_ABOVE_STANDARD) == {(spouse.pk, "2026-11")}


def test_urban_households_use_the_urban_standard_and_a_multiple_can_be_set() -> None:
    town = household(URBAN_VILLAGE, programme="dibao_urban", urban_rural="urban")
    income(applicant(town), "760")  # over urban 750
    run()
    assert raised(R.INCOME_ABOVE_STANDARD) == {(applicant(town).pk, "2026-11")}
    WarningRule.objects.create(code=R.INCOME_ABOVE_STANDARD, threshold=Decimal("1.50"))
    rural = household()
    income(applicant(rural), "899")  # over 600, under 1.5 × 600
    assert run().raised[R.INCOME_ABOVE_STANDARD] == 0


# -- MISSED_RECHECK -------------------------------------------------------------------------------

def _task(h: Household, due: date, status: str = "open") -> RecheckTask:
    enrollment = Enrollment.objects.get(household=h)
    return RecheckTask.objects.create(enrollment=enrollment, kind="scheduled", due_on=due,
                                      status=status, outcome="keep" if status == "done" else "")


def test_an_open_recheck_past_its_due_date_fires_once_per_task() -> None:
    late, due_today, done = household(), household(), household()
    task = _task(late, ON - timedelta(days=1))
    _task(due_today, ON)
    _task(done, ON - timedelta(days=30), status="done")
    run()
    assert raised(R.MISSED_RECHECK) == {(applicant(late).pk, f"recheck:{task.pk}")}
    assert "定期复核" in only_warning(R.MISSED_RECHECK).evidence
    # The main earner changes: the same task is still not raised twice.
    income(member(late), "800")
    assert run().raised[R.MISSED_RECHECK] == 0


# -- ASSET_FOUND ----------------------------------------------------------------------------------

def _verification(finished: date) -> VerificationRun:
    moment = datetime(finished.year, finished.month, finished.day, 12,
                      tzinfo=timezone.get_current_timezone())
    return VerificationRun.objects.create(kind=RunKind.RECIPIENTS, region_code="620802000000",
                                          status=RunStatus.DONE, finished_at=moment)


def _finding(vrun: VerificationRun, person: Person, source: str, item: str,
             consequence: str, value: str | None = None, new: bool = True) -> Finding:
    return Finding.objects.create(run=vrun, person=person, village_code="620802100201",
                                  source_id=source, item=item, as_of=ON - timedelta(days=20),
                                  value_num=Decimal(value) if value else None,
                                  consequence=consequence, new=new)


def test_a_new_asset_finding_to_act_on_fires() -> None:
    recent, old = _verification(ON - timedelta(days=10)), _verification(ON - timedelta(days=95))
    car, business, known, minor, not_asset, stale = (household() for _ in range(6))
    hit = _finding(recent, applicant(car), "vehicles", "vehicle_value", "ineligible", "86000")
    flag = _finding(recent, applicant(business), "business", "registered", "review")
    _finding(recent, applicant(known), "vehicles", "vehicle_value", "ineligible", "86000",
             new=False)  # found by the run before: raised then
    _finding(recent, applicant(minor), "deposits", "balance", "", "800")  # recorded only
    _finding(recent, applicant(not_asset), "unemployment", "registered", "review")
    _finding(old, applicant(stale), "vehicles", "vehicle_value", "ineligible", "90000")
    run()
    assert raised(R.ASSET_FOUND) == {(applicant(car).pk, f"finding:{hit.pk}"),
                                     (applicant(business).pk, f"finding:{flag.pk}")}
    evidence = warning_of(R.ASSET_FOUND, applicant(car)).evidence
    assert "机动车登记" in evidence and "86000.00" in evidence


def test_other_low_income_households_are_watched_while_registered() -> None:
    watched = monitored()
    ended = monitored(until=ON - timedelta(days=1))
    until_today = monitored(until=ON)
    not_yet = monitored(since=ON + timedelta(days=1))
    for h in (watched, ended, until_today, not_yet):
        member(h, relation="child", birth=date(2011, 3, 1))
    result = run()
    assert {w[0] for w in raised(R.SCHOOL_ENTRY)} == {
        h.members.get(relation="child").pk for h in (watched, until_today)}
    assert result.monitored_persons == 4
