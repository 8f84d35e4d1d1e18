"""Monthly report figures against a small county computed by hand (domain.md §13).

The data set (two townships, Oct and Nov 2026 paid and approved):

  household  village    area   programme    persons  monthly amount      paid
  a1         大寨村 (A) rural  dibao_rural  3 → 2    900.00 → 600.00     Oct, Nov (change from Nov)
  a2         大寨村 (A) urban  dibao_urban  2        500.00              Nov (new in Nov)
  a3         大寨村 (A) rural  dibao_rural  1        200.00              Oct (清退 decided 10-20)
  a4         太统村 (A) rural  tekun        1        1980.00             Oct, Nov (集中, 完全丧失)
  a5         大寨村 (A) rural  temporary    2        1500.00 one-off     Oct
  b1         白水村 (B) rural  dibao_rural  2        450.50              Oct, Nov (+100 补发 −50 追回 in Nov)
  b2         白水村 (B) rural  dibao_rural  1        300.00              Oct, Nov (清退 decided 11-05)
  b3         白水村 (B) urban  tekun        1        1380.00             Oct, Nov (分散, 具备自理)
  b4         白水村 (B) rural  temporary    3        2000.00 one-off     Nov (先行救助 2000 from B's fund)

October's dibao_rural run is reopened and approved again as version 2, so its version-1 lines
stay in the table as history and must not be counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from benefits.models import (
    AmountChange,
    BackPay,
    BackPayReason,
    Enrollment,
    EnrollmentStatus,
    PayrollLine,
    PayrollRun,
    Recovery,
)
from benefits.services.payroll import payroll_approve, payroll_compute, payroll_reopen
from benefits.statistics import ZERO, latest_approved_month, monthly_report
from demo.reference import COUNTY, TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import VILLAGE_A, VILLAGE_B, household_of
from relief.models import EntryKind, ReserveEntry, ReserveFund

OCT, NOV, DEC = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)
PROGRAMMES = ("dibao_urban", "dibao_rural", "tekun", "temporary")
COUNTY_CODE = COUNTY[0]
VILLAGE_A2 = "620802100202"  # 太统村, township A


@dataclass
class Data:
    enrollments: dict[str, Enrollment]


def _household(size: int, village: str, area: str = "rural") -> Any:
    household = household_of(size, village=village)
    household.urban_rural = area
    household.save()
    return household


def pay(month: date, admin: Any, checker: Any, programmes: tuple[str, ...] = PROGRAMMES) -> None:
    for programme in programmes:
        run = payroll_compute(actor=admin, programme_id=programme, month=month).run
        payroll_approve(actor=checker, run_id=run.pk)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=timezone.get_current_timezone())


def build_county(admin: Any, checker: Any, clerk_b: Any) -> Data:
    """The data set above, paid and approved for October and November."""
    e = {
        "a1": enrolled(_household(3, VILLAGE_A), "900.00"),
        "a2": enrolled(_household(2, VILLAGE_A, "urban"), "500.00", programme="dibao_urban",
                       start=NOV),
        "a3": enrolled(_household(1, VILLAGE_A), "200.00", end_month=OCT,
                       ended_on=date(2026, 10, 20), end_reason="家庭收入超过低保标准"),
        "a4": enrolled(_household(1, VILLAGE_A2), "1980.00", programme="tekun",
                       care_class="full", support_form="centralized"),
        "a5": enrolled(_household(2, VILLAGE_A), "1500.00", programme="temporary", start=OCT,
                       one_off=True),
        "b1": enrolled(_household(2, VILLAGE_B), "450.50"),
        "b2": enrolled(_household(1, VILLAGE_B), "300.00", end_month=NOV,
                       ended_on=date(2026, 11, 5), end_reason="家庭收入超过低保标准"),
        "b3": enrolled(_household(1, VILLAGE_B, "urban"), "1380.00", programme="tekun",
                       care_class="self", support_form="dispersed"),
        "b4": enrolled(_household(3, VILLAGE_B), "2000.00", programme="temporary", start=NOV,
                       one_off=True),
    }
    AmountChange.objects.create(
        enrollment=e["a1"], effective_month=NOV, old_amount=Decimal("900.00"),
        new_amount=Decimal("600.00"), old_persons=3, new_persons=2, reason="成员外出务工",
        decision="复核决定")
    pay(OCT, admin, checker)
    october = PayrollRun.objects.get(programme_id="dibao_rural", month=OCT)
    payroll_reopen(actor=checker, run_id=october.pk, reason="核对发放名册")
    pay(OCT, admin, checker, ("dibao_rural",))
    # After October: a 追回 plan and a 补发, both carried by b1's November line.
    Recovery.objects.create(enrollment=e["b1"], total=Decimal("100.00"),
                            monthly_deduction=Decimal("50.00"), reason="多发", decision="追回决定")
    BackPay.objects.create(enrollment=e["b1"], month_owed=date(2026, 9, 1),
                           amount=Decimal("100.00"), reason=BackPayReason.OTHER)
    pay(NOV, admin, checker)
    fund = ReserveFund.objects.create(township_id=TOWNSHIP_B, balance=Decimal("7500.00"))
    for day, amount in ((date(2025, 12, 15), "-500.00"), (date(2026, 11, 10), "-2000.00")):
        entry = ReserveEntry.objects.create(fund=fund, kind=EntryKind.PAYMENT,
                                            amount=Decimal(amount), balance_after=fund.balance,
                                            case=e["b4"].case, actor=clerk_b)
        ReserveEntry.objects.filter(pk=entry.pk).update(at=_at(day))
    return Data(e)


@pytest.fixture
def data(county_admin: Any, county_checker: Any, clerk_b: Any) -> Data:
    return build_county(county_admin, county_checker, clerk_b)


def _month(row: Any) -> tuple[int, int, Decimal, Decimal | None]:
    return (row.month.households, row.month.persons, row.month.funds, row.month.average)


def _ytd(row: Any) -> tuple[int, Decimal, Decimal | None]:
    return (row.ytd.persons, row.ytd.funds, row.ytd.average)


def _moves(row: Any) -> tuple[int, int, int, int, int]:
    return (row.new.households, row.new.persons, row.changed, row.ended.households,
            row.ended.persons)


def test_county_november_matches_the_hand_computation(data: Data) -> None:
    report = monthly_report(COUNTY_CODE, NOV)

    urban = report.row("dibao_urban", "urban")
    assert _month(urban) == (1, 2, Decimal("500.00"), Decimal("250.00"))  # 500.00 / 2
    assert _ytd(urban) == (2, Decimal("500.00"), Decimal("250.00"))
    assert _moves(urban) == (1, 2, 0, 0, 0)  # a2 starts in November
    assert _month(report.row("dibao_urban", "rural")) == (0, 0, ZERO, None)
    assert _month(report.row("dibao_urban")) == _month(urban)

    rural = report.row("dibao_rural", "rural")
    # a1 600.00 (2 persons) + b1 450.50 + 100.00 − 50.00 (2) + b2 300.00 (1)
    assert _month(rural) == (3, 5, Decimal("1400.50"), Decimal("280.10"))  # 1400.50 / 5
    assert (rural.month.base_amount, rural.month.back_pay, rural.month.deduction) == (
        Decimal("1350.50"), Decimal("100.00"), Decimal("50.00"))
    # Oct 3 + 1 + 2 + 1 = 7 persons, 1850.50; Nov 5 persons, 1400.50 → 12, 3251.00
    assert _ytd(rural) == (12, Decimal("3251.00"), Decimal("270.92"))  # 3251.00 / 12 = 270.916…
    # changed: a1 from November; ended: b2, decided 11-05 and still paid in November
    assert _moves(rural) == (0, 0, 1, 1, 1)
    assert _month(report.row("dibao_rural", "urban")) == (0, 0, ZERO, None)

    assert _month(report.row("tekun", "urban")) == (1, 1, Decimal("1380.00"), Decimal("1380.00"))
    assert _month(report.row("tekun", "rural")) == (1, 1, Decimal("1980.00"), Decimal("1980.00"))
    tekun = report.row("tekun")
    assert _month(tekun) == (2, 2, Decimal("3360.00"), Decimal("1680.00"))
    assert _ytd(tekun) == (4, Decimal("6720.00"), Decimal("1680.00"))  # two months each

    total = report.total
    assert total.area == "合计" and report.row("", "") is total
    # 500.00 + 1400.50 + 3360.00 = 5260.50 for 2 + 5 + 2 = 9 persons
    assert _month(total) == (6, 9, Decimal("5260.50"), Decimal("584.50"))
    # 2 + 12 + 4 = 18 person-times; 500.00 + 3251.00 + 6720.00 = 10471.00; / 18 = 581.722…
    assert _ytd(total) == (18, Decimal("10471.00"), Decimal("581.72"))
    assert _moves(total) == (1, 2, 1, 1, 1)
    assert report.complete


def test_county_tekun_and_temporary_figures(data: Data) -> None:
    report = monthly_report(COUNTY_CODE, NOV)

    tekun = {row.label: (row.urban.persons, row.urban.funds, row.rural.persons, row.rural.funds)
             for row in report.tekun}
    assert tekun == {
        "集中供养": (0, ZERO, 1, Decimal("1980.00")),
        "分散供养": (1, Decimal("1380.00"), 0, ZERO),
        "具备生活自理能力": (1, Decimal("1380.00"), 0, ZERO),
        "部分丧失生活自理能力": (0, ZERO, 0, ZERO),
        "完全丧失生活自理能力": (0, ZERO, 1, Decimal("1980.00")),
    }

    temporary = report.row("temporary")
    assert (temporary.month.households, temporary.month.persons, temporary.month.funds) == (
        1, 3, Decimal("2000.00"))  # b4
    # a5 in October (2 persons, 1500.00) + b4 in November (3 persons, 2000.00)
    assert (temporary.ytd.households, temporary.ytd.persons, temporary.ytd.funds) == (
        2, 5, Decimal("3500.00"))
    assert report.row("temporary", "urban").ytd.households == 0
    # 先行救助: November's 2000.00 payment; the one of December 2025 is another year.
    prepaid = report.prepaid
    assert (prepaid.month_cases, prepaid.month_amount, prepaid.ytd_cases, prepaid.ytd_amount) == (
        1, Decimal("2000.00"), 1, Decimal("2000.00"))


def test_county_drill_down_has_one_row_per_township(data: Data) -> None:
    report = monthly_report(COUNTY_CODE, NOV)

    assert [code for code, _name in report.child_programmes] == list(PROGRAMMES)
    assert [c.region.code for c in report.children] == [
        "620802001000", "620802002000", TOWNSHIP_A, TOWNSHIP_B, "620802102000", "620802103000"]
    rows = {c.region.code: c for c in report.children}
    a, b = rows[TOWNSHIP_A], rows[TOWNSHIP_B]
    assert [(t.households, t.persons, t.funds) for t in a.cells] == [
        (1, 2, Decimal("500.00")), (1, 2, Decimal("600.00")), (1, 1, Decimal("1980.00")),
        (0, 0, ZERO)]
    assert a.funds == Decimal("3080.00")  # 500.00 + 600.00 + 1980.00
    # October 900.00 + 200.00 + 1980.00 + 1500.00 = 4580.00, plus November's 3080.00
    assert a.ytd_funds == Decimal("7660.00")
    assert [(t.households, t.persons, t.funds) for t in b.cells] == [
        (0, 0, ZERO), (2, 3, Decimal("800.50")), (1, 1, Decimal("1380.00")),
        (1, 3, Decimal("2000.00"))]
    # October 450.50 + 300.00 + 1380.00 = 2130.50, plus November 800.50 + 1380.00 + 2000.00
    assert (b.funds, b.ytd_funds) == (Decimal("4180.50"), Decimal("6311.00"))
    assert rows["620802001000"].funds == ZERO
    totals = report.child_totals
    # The townships add up to the county: 5260.50 monthly + 2000.00 temporary
    assert (totals.funds, totals.ytd_funds) == (Decimal("7260.50"), Decimal("13971.00"))


def test_township_and_village_reports(data: Data) -> None:
    a = monthly_report(TOWNSHIP_A, NOV)
    assert _month(a.row("dibao_urban", "urban")) == (1, 2, Decimal("500.00"), Decimal("250.00"))
    rural = a.row("dibao_rural", "rural")
    assert _month(rural) == (1, 2, Decimal("600.00"), Decimal("300.00"))
    # October a1 3 persons 900.00 + a3 1 person 200.00; November a1 2 persons 600.00
    assert _ytd(rural) == (6, Decimal("1700.00"), Decimal("283.33"))  # 1700.00 / 6
    assert _moves(rural) == (0, 0, 1, 0, 0)  # a3's 清退 was in October
    # 500.00 + 600.00 + 1980.00 = 3080.00 for 5 persons; YTD 2 + 6 + 2 = 10, 6160.00
    assert _month(a.total) == (3, 5, Decimal("3080.00"), Decimal("616.00"))
    assert _ytd(a.total) == (10, Decimal("6160.00"), Decimal("616.00"))
    temporary = a.row("temporary")
    assert (temporary.month.households, temporary.ytd.households, temporary.ytd.funds) == (
        0, 1, Decimal("1500.00"))
    assert a.prepaid.month_cases == 0
    villages = {c.region.code: c for c in a.children}
    assert sorted(villages) == ["620802100200", VILLAGE_A, VILLAGE_A2, "620802100203",
                                "620802100204"]
    # 大寨村: October 900.00 + 200.00 + 1500.00, November 500.00 + 600.00
    assert (villages[VILLAGE_A].funds, villages[VILLAGE_A].ytd_funds) == (
        Decimal("1100.00"), Decimal("3700.00"))
    assert (villages[VILLAGE_A2].funds, villages[VILLAGE_A2].ytd_funds) == (
        Decimal("1980.00"), Decimal("3960.00"))

    village = monthly_report(VILLAGE_B, NOV)
    rural = village.row("dibao_rural", "rural")
    # b1 500.50 (2 persons) + b2 300.00 (1): 800.50 / 3 = 266.833…
    assert _month(rural) == (2, 3, Decimal("800.50"), Decimal("266.83"))
    # October 450.50 + 300.00 for 3 persons, November 800.50 for 3 → 1551.00 / 6
    assert _ytd(rural) == (6, Decimal("1551.00"), Decimal("258.50"))
    assert _moves(rural) == (0, 0, 0, 1, 1)
    assert _month(village.row("tekun", "urban")) == (1, 1, Decimal("1380.00"),
                                                     Decimal("1380.00"))
    assert village.row("temporary").month.funds == Decimal("2000.00")
    assert village.prepaid.month_amount == Decimal("2000.00")
    assert village.children == []
    assert _month(monthly_report(TOWNSHIP_B, NOV).total) == _month(village.total)


def test_superseded_versions_are_not_counted(data: Data) -> None:
    october = PayrollRun.objects.get(programme_id="dibao_rural", month=OCT)
    assert october.version == 2
    assert PayrollLine.objects.filter(run=october).count() == 8  # 4 lines × 2 versions

    county = monthly_report(COUNTY_CODE, OCT)
    # a1 900.00 (3) + a3 200.00 (1) + b1 450.50 (2) + b2 300.00 (1), once: 1850.50 / 7
    assert _month(county.row("dibao_rural", "rural")) == (4, 7, Decimal("1850.50"),
                                                          Decimal("264.36"))
    a = monthly_report(TOWNSHIP_A, OCT)
    # a1 900.00 (3) + a3 200.00 (1) = 1100.00 / 4; a3's 清退 decided on 10-20 (now ended)
    assert _month(a.row("dibao_rural", "rural")) == (2, 4, Decimal("1100.00"),
                                                     Decimal("275.00"))
    assert _moves(a.row("dibao_rural", "rural")) == (0, 0, 0, 1, 1)
    assert Enrollment.objects.get(pk=data.enrollments["a3"].pk).status == EnrollmentStatus.ENDED


def test_drafts_are_not_counted_and_approved_months_stay_put(
        data: Data, county_admin: Any) -> None:
    payroll_compute(actor=county_admin, programme_id="dibao_rural", month=DEC)  # not approved
    # December's computation ends b2 (last month November): November's report does not move.
    assert Enrollment.objects.get(pk=data.enrollments["b2"].pk).status == EnrollmentStatus.ENDED

    december = monthly_report(COUNTY_CODE, DEC)
    rural = december.row("dibao_rural", "rural")
    assert _month(rural) == (0, 0, ZERO, None)
    assert _ytd(rural) == (12, Decimal("3251.00"), Decimal("270.92"))  # October + November
    assert not december.complete
    assert {r.label: r.status for r in december.runs} == {
        "城市最低生活保障": "", "农村最低生活保障": "draft", "特困人员救助供养": "",
        "临时救助": ""}
    assert _moves(monthly_report(COUNTY_CODE, NOV).row("dibao_rural", "rural")) == (0, 0, 1, 1, 1)
    assert latest_approved_month(COUNTY_CODE) == NOV


def test_report_takes_a_fixed_number_of_queries(data: Data,
                                                django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(10):
        report = monthly_report(COUNTY_CODE, NOV)
    assert len(report.children) == 6


def test_only_county_township_or_village(county: None) -> None:
    with pytest.raises(ApplicationError) as err:
        monthly_report("620800000000", NOV)  # a city
    assert err.value.field == "region"
    with pytest.raises(ApplicationError):
        monthly_report("620802999999", NOV)  # no such region
