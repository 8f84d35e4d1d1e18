"""Every figure of the periodic report against a small county built by hand (issue 8: "reports'
figures agree with the underlying records").

October 2026 is the period; September 2026 the previous one; October 2025 the same month last
year. Township A = 崆峒镇 (大寨村 201, 太统村 202), township B = 白水镇 (白水村 201).

  cases      c1 A/大寨 dibao  submitted 10-05, approved 10-20
             c2 A/太统 tekun  submitted 09-28, rejected 10-09
             c3 B temporary   submitted 10-15, accepted, investigation due 10-20 → overdue
             c4 A/大寨 dibao  submitted 10-08, county review due 10-28 at the month's end,
                              approved only 11-10 → overdue at the end of October
             c5 B dibao_urban submitted 2025-10-10, approved 2025-10-30 (last year)
             c6 B tekun       submitted 10-02, withdrawn 10-03 (overall due 10-10: not overdue)
             c7 B dibao       submitted 10-25, investigating, opinion due 11-20
  payroll    dibao_rural 900.00 × 3 persons (A), tekun 1380.00 × 1 (B); Sep and Oct approved
  prepaid    1500.00 from B's reserve fund for c3 on 10-16 (an allocation does not count)
  warnings   w1 A raised 10-10 due 10-16 contacted 10-12 (in time); w2 A raised 10-20 due 10-27
             contacted 10-29 (late); w3 B raised 10-22 due 10-29 still open; w4 B raised 10-25
             due 10-30, case c7 opened 11-05; w5 A raised 09-20 acted 09-24
  tickets    t1 A received 10-13 replied 10-20 (due 10-27) rated satisfied 10-22;
             t2 B received 10-14 due 10-16 replied 10-18 (late) rated unsatisfied 10-25;
             t3 county received 10-28 due 11-11 unreplied; t4 A received 10-29 due 10-30 unreplied
  wishes     wi1 A created 10-05 closed 10-15; wi2 B created 10-06 assigned due 10-20;
             wi3 A created 10-07 due 10-25 resolved 11-03; wi4 A created and closed in September
  ledger     l1 township A created 10-08 due 10-31 closed 10-30; l2 county created 10-09 due 10-20
             rectifying; l3 B/白水 created 10-10 due 10-25 closed 11-02
  outreach   visits A 10-12, B 10-30, A 09-15; events A 10-17 (30 + 12 consultations, 100
             leaflets), B 10-24 (8 consultations)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from benefits.models import PayrollRun
from benefits.tests.test_statistics import pay
from cases.choices import CaseState
from cases.deadlines import overdue_q as case_overdue_q
from cases.models import Case, CaseTransition
from demo.reference import COUNTY, TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import VILLAGE_A, VILLAGE_B, household_of
from monitoring.models import Warning, WarningState
from outreach.models import OutreachEvent, Visit, Wish, WishState
from outreach.models.events import EntryKind, EventEntry
from outreach.models.wishes import overdue_q as wish_overdue_q
from registry.models import Household
from relief.models import EntryKind as ReserveKind
from relief.models import ReserveEntry, ReserveFund
from supervision.models import ItemState, LedgerItem
from supervision.periodic import CURRENT, PREVIOUS, YEAR_AGO, Kind, Period, periodic_report
from tickets.models import Rating, Ticket, TicketState

VILLAGE_A2 = "620802100202"  # 太统村
OCTOBER = Period.of(Kind.MONTH, date(2026, 10, 1))
AFTER = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.get_current_timezone())
_numbers = itertools.count(1)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute,
                    tzinfo=timezone.get_current_timezone())


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


@dataclass
class County:
    cases: dict[str, Case]
    households: dict[str, Household]


def _case(household: Household, programme: str, submitted: date, state: str,
          **fields: Any) -> Case:
    case = Case.objects.create(
        number=f"P{next(_numbers):05d}", programme_id=programme, household=household,
        applicant=household.members.get(relation="applicant"), village_id=household.village_id,
        urban_rural=household.urban_rural, state=state, channel="counter", **fields)
    Case.objects.filter(pk=case.pk).update(submitted_at=at(submitted))
    return case


def _moved(case: Case, to_state: str, day: date) -> None:
    step = CaseTransition.objects.create(case=case, action="test", to_state=to_state)
    CaseTransition.objects.filter(pk=step.pk).update(at=at(day))


def _cases(h: dict[str, Household]) -> dict[str, Case]:
    c = {
        "c1": _case(h["a"], "dibao_rural", d(10, 5), CaseState.APPROVED, decided_on=d(10, 20)),
        "c2": _case(h["a2"], "tekun", d(9, 28), CaseState.REJECTED, decided_on=d(10, 9)),
        "c3": _case(h["b"], "temporary", d(10, 15), CaseState.ACCEPTED,
                    investigate_due=d(10, 20)),
        "c4": _case(h["a"], "dibao_rural", d(10, 8), CaseState.APPROVED, decided_on=d(11, 10),
                    decision_due=d(10, 28), overall_due=d(11, 19)),
        "c5": _case(h["b"], "dibao_urban", d(10, 10, 2025), CaseState.APPROVED,
                    decided_on=d(10, 30, 2025)),
        "c6": _case(h["b"], "tekun", d(10, 2), CaseState.WITHDRAWN, overall_due=d(10, 10)),
        "c7": _case(h["b"], "dibao_rural", d(10, 25), CaseState.INVESTIGATING,
                    opinion_due=d(11, 20)),
    }
    _moved(c["c4"], CaseState.SUBMITTED, d(10, 8))
    _moved(c["c4"], CaseState.COUNTY_REVIEW, d(10, 20))
    _moved(c["c4"], CaseState.APPROVED, d(11, 10))
    _moved(c["c6"], CaseState.SUBMITTED, d(10, 2))
    _moved(c["c6"], CaseState.WITHDRAWN, d(10, 3))
    return c


def _payments(h: dict[str, Household], c: dict[str, Case], admin: Any, checker: Any,
              clerk_b: Any) -> None:
    enrolled(h["pay_a"], "900.00")
    enrolled(h["pay_b"], "1380.00", programme="tekun", care_class="self",
             support_form="dispersed")
    for month in (d(9, 1), d(10, 1)):
        pay(month, admin, checker, ("dibao_rural", "tekun"))
    # The October runs were approved on Wednesday 10-14 (the weekly report's rule).
    PayrollRun.objects.filter(month=d(10, 1)).update(approved_at=at(d(10, 14)))
    PayrollRun.objects.filter(month=d(9, 1)).update(approved_at=at(d(9, 14)))
    fund = ReserveFund.objects.create(township_id=TOWNSHIP_B, balance=Decimal("8500.00"))
    for kind, amount in ((ReserveKind.ALLOCATION, "10000.00"), (ReserveKind.PAYMENT, "-1500.00")):
        entry = ReserveEntry.objects.create(fund=fund, kind=kind, amount=Decimal(amount),
                                            balance_after=fund.balance, case=c["c3"],
                                            actor=clerk_b)
        ReserveEntry.objects.filter(pk=entry.pk).update(at=at(d(10, 16)))


def _warning(household: Household, raised: date, due: date, state: str = WarningState.OPEN,
             **fields: Any) -> Warning:
    return Warning.objects.create(
        rule="medical_expense", person=household.members.get(relation="applicant"),
        household=household, village_code=household.village_id, evidence="医疗支出",
        event_key=f"e{next(_numbers)}", raised_on=raised, due_on=due, state=state, **fields)


def _warnings(h: dict[str, Household], c: dict[str, Case]) -> None:
    _warning(h["a"], d(10, 10), d(10, 16), WarningState.CONTACTED, contacted_at=at(d(10, 12)))
    _warning(h["a"], d(10, 20), d(10, 27), WarningState.CONTACTED, contacted_at=at(d(10, 29)))
    _warning(h["b"], d(10, 22), d(10, 29))
    _warning(h["b"], d(10, 25), d(10, 30), WarningState.CASE_OPENED, acted_at=at(d(11, 5)),
             case=c["c7"])
    _warning(h["a2"], d(9, 20), d(9, 25), WarningState.NO_ACTION, acted_at=at(d(9, 24)),
             no_action_reason="已纳入低保")


def _ticket(region: str, user: Any, received: datetime, due: datetime,
            state: str = TicketState.RECEIVED, **fields: Any) -> Ticket:
    return Ticket.objects.create(
        number=f"RX{next(_numbers):05d}", channel="county", topic="help", urgency="general",
        subject="咨询低保", content="咨询低保办理", region_id=region, state=state,
        received_at=received, received_by=user, due_at=due, **fields)


def _tickets(admin: Any) -> None:
    _ticket(TOWNSHIP_A, admin, at(d(10, 13)), at(d(10, 27), 23, 59), TicketState.RATED,
            replied_at=at(d(10, 20)), rating=Rating.SATISFIED, rated_at=at(d(10, 22)))
    _ticket(TOWNSHIP_B, admin, at(d(10, 14)), at(d(10, 16), 23, 59), TicketState.RATED,
            replied_at=at(d(10, 18)), rating=Rating.UNSATISFIED, rated_at=at(d(10, 25)))
    _ticket(COUNTY[0], admin, at(d(10, 28)), at(d(11, 11), 23, 59))
    _ticket(TOWNSHIP_A, admin, at(d(10, 29)), at(d(10, 30), 23, 59), TicketState.HANDLING)


def _wish(village: str, user: Any, created: date, state: str, **fields: Any) -> Wish:
    wish = Wish.objects.create(number=f"XY{next(_numbers):06d}", village_id=village,
                               person_name="王五", source="visit", content="希望修缮房屋",
                               state=state, created_by=user, **fields)
    Wish.objects.filter(pk=wish.pk).update(created_at=at(created))
    return wish


def _wishes(grid: Any) -> None:
    _wish(VILLAGE_A, grid, d(10, 5), WishState.CLOSED, due_on=d(10, 20),
          resolved_at=at(d(10, 10)), closed_at=at(d(10, 15)))
    _wish(VILLAGE_B, grid, d(10, 6), WishState.ASSIGNED, due_on=d(10, 20))
    _wish(VILLAGE_A, grid, d(10, 7), WishState.RESOLVED, due_on=d(10, 25),
          resolved_at=at(d(11, 3)))
    _wish(VILLAGE_A, grid, d(9, 10), WishState.CLOSED, resolved_at=at(d(9, 20)),
          closed_at=at(d(9, 30)))


def _item(region: str, user: Any, created: date, due: date, state: str = ItemState.OPEN,
          **fields: Any) -> LedgerItem:
    item = LedgerItem.objects.create(number=f"WT{next(_numbers):05d}", list_kind="problem",
                                     source="inspection", region_id=region, title="台账不全",
                                     due_on=due, state=state, created_by=user, **fields)
    LedgerItem.objects.filter(pk=item.pk).update(created_at=at(created))
    return item


def _ledger(admin: Any, checker: Any) -> None:
    # 销号 is maker-checker: submitted by one person, closed by another.
    closed = {"state": ItemState.CLOSED, "submitted_by": admin, "closed_by": checker}
    _item(TOWNSHIP_A, admin, d(10, 8), d(10, 31), closed_at=at(d(10, 30)), **closed)
    _item(COUNTY[0], admin, d(10, 9), d(10, 20), ItemState.RECTIFYING)
    _item(VILLAGE_B, admin, d(10, 10), d(10, 25), closed_at=at(d(11, 2)), **closed)


def _outreach(h: dict[str, Household], admin: Any, grid: Any) -> None:
    for household, day in ((h["a"], d(10, 12)), (h["b"], d(10, 30)), (h["a"], d(9, 15))):
        Visit.objects.create(household=household, worker=grid, visited_on=day)
    for region, day, entries in ((TOWNSHIP_A, d(10, 17), ((EntryKind.CONSULTATION, 30),
                                                          (EntryKind.CONSULTATION, 12),
                                                          (EntryKind.MATERIALS, 100))),
                                 (TOWNSHIP_B, d(10, 24), ((EntryKind.CONSULTATION, 8),))):
        event = OutreachEvent.objects.create(title="救助赶大集", region_id=region, place="集市",
                                             held_on=day, created_by=admin)
        for kind, count in entries:
            EventEntry.objects.create(event=event, kind=kind, count=count, recorded_by=admin)


def build(admin: Any, checker: Any, clerk_b: Any, grid: Any) -> County:
    households = {"a": household_of(1, village=VILLAGE_A), "a2": household_of(1, village=VILLAGE_A2),
                  "b": household_of(1, village=VILLAGE_B), "pay_a": household_of(3, village=VILLAGE_A),
                  "pay_b": household_of(1, village=VILLAGE_B)}
    cases = _cases(households)
    _payments(households, cases, admin, checker, clerk_b)
    _warnings(households, cases)
    _tickets(admin)
    _wishes(grid)
    _ledger(admin, checker)
    _outreach(households, admin, grid)
    return County(cases, households)


@pytest.fixture
def county_data(county_admin: Any, county_checker: Any, clerk_b: Any, grid_a: Any) -> County:
    return build(county_admin, county_checker, clerk_b, grid_a)


# October for the county, September, October last year: (current, previous, year ago)
EXPECTED = {
    "cases_new": (5, 1, 1), "cases_new.dibao": (3, 0, 1), "cases_new.tekun": (1, 1, 0),
    "cases_new.temporary": (1, 0, 0),
    "cases_approved": (1, 0, 1), "cases_approved.dibao": (1, 0, 1),
    "cases_rejected": (1, 0, 0), "cases_rejected.tekun": (1, 0, 0),
    "cases_overdue": (2, 0, 0), "cases_overdue.dibao": (1, 0, 0),
    "cases_overdue.temporary": (1, 0, 0),
    "pay_funds": (Decimal("2280.00"), Decimal("2280.00"), 0),
    "pay_funds.dibao": (Decimal("900.00"), Decimal("900.00"), 0),
    "pay_funds.tekun": (Decimal("1380.00"), Decimal("1380.00"), 0),
    "pay_persons": (4, 4, 0), "pay_persons.dibao": (3, 3, 0), "pay_persons.tekun": (1, 1, 0),
    "prepaid_cases": (1, 0, 0), "prepaid_amount": (Decimal("1500.00"), 0, 0),
    "warn_raised": (4, 1, 0), "warn_acted": (2, 1, 0), "warn_on_time": (1, 1, 0),
    "warn_to_case": (1, 0, 0), "warn_overdue": (2, 0, 0),
    "tk_received": (4, 0, 0), "tk_on_time": (1, 0, 0), "tk_breached": (2, 0, 0),
    "tk_rated": (2, 0, 0), "tk_satisfaction": (Decimal("50.0"), None, None),
    "wish_collected": (3, 1, 0), "wish_closed": (1, 1, 0), "wish_overdue": (2, 0, 0),
    "ledger_opened": (3, 0, 0), "ledger_closed": (1, 0, 0), "ledger_overdue": (2, 0, 0),
    "visits": (2, 1, 0), "events": (2, 0, 0), "consultations": (50, 0, 0),
}


def test_every_county_figure_matches_the_records(county_data: County, county_admin: Any) -> None:
    report = periodic_report(county_admin, COUNTY[0], OCTOBER, now=AFTER)
    lines = {line.key: line for _section, lines in report.sections for line in lines}
    got = {key: (lines[key].current, lines[key].previous, lines[key].year_ago)
           for key in EXPECTED}
    assert got == EXPECTED
    # Every figure on the page is in the check above or is zero in all three windows.
    for key, line in lines.items():
        if key not in EXPECTED:
            assert (line.current, line.previous, line.year_ago) in ((0, 0, 0),
                                                                     (None, None, None)), key
    assert lines["cases_new"].change == 4 and lines["cases_new"].change_year == 4
    assert lines["cases_new"].shown == ["5", "1", "+4", "1", "+4"]
    assert lines["pay_funds"].shown[:3] == ["2280.00", "2280.00", "0.00"]
    assert lines["tk_satisfaction"].shown == ["50.0", "—", "—", "—", "—"]


def _columns(report: Any) -> dict[str, int]:
    return {f.key: i for i, f in enumerate(report.columns)}


def test_townships_and_the_county_itself_add_up_to_the_total(county_data: County,
                                                             county_admin: Any) -> None:
    report = periodic_report(county_admin, COUNTY[0], OCTOBER, now=AFTER)
    col = _columns(report)
    rows = {row.region.code: row.cells for row in report.children if row.region}
    a, b = rows[TOWNSHIP_A], rows[TOWNSHIP_B]
    assert [a[col[k]] for k in ("cases_new", "cases_approved", "cases_rejected",
                                "cases_overdue")] == [2, 1, 1, 1]
    assert [b[col[k]] for k in ("cases_new", "cases_overdue")] == [3, 1]
    assert (a[col["pay_funds"]], b[col["pay_funds"]]) == (Decimal("900.00"), Decimal("1380.00"))
    assert [a[col[k]] for k in ("tk_received", "tk_breached", "wish_collected", "wish_overdue",
                                "ledger_opened", "ledger_closed", "visits")] == [2, 1, 2, 1, 1,
                                                                                 1, 1]
    assert [b[col[k]] for k in ("warn_raised", "warn_overdue", "tk_received", "tk_breached",
                                "ledger_overdue")] == [2, 2, 1, 1, 1]
    # 本级: the county's own ticket and ledger item, recorded at the county itself.
    assert report.own is not None
    assert (report.own.cells[col["tk_received"]], report.own.cells[col["ledger_overdue"]]) == (1, 1)
    # Every column: the townships plus 本级 are the 合计, and the 合计 is the table's figure.
    for key, i in col.items():
        parts = [row.cells[i] for row in report.children] + [report.own.cells[i]]
        assert sum(p or 0 for p in parts) == report.total.cells[i] == report.value(key), key
    assert len(report.children) == 6  # every township, with or without records


def test_a_township_report_breaks_down_by_village(county_data: County, clerk_a: Any) -> None:
    report = periodic_report(clerk_a, TOWNSHIP_A, OCTOBER, now=AFTER)
    col = _columns(report)
    assert report.child_level == "村/社区"
    rows = {row.region.code: row.cells for row in report.children if row.region}
    assert set(rows) == {f"{TOWNSHIP_A[:9]}{n}" for n in ("200", "201", "202", "203", "204")}
    assert rows[VILLAGE_A][col["cases_new"]] == 2 and rows[VILLAGE_A2][col["cases_rejected"]] == 1
    assert rows[VILLAGE_A2][col["cases_new"]] == 0  # c2 was filed in September
    assert report.value("warn_raised") == 2 and report.value("tk_received") == 2
    # The township's own ledger item sits on the township, not on a village.
    assert report.own is not None and report.own.cells[col["ledger_opened"]] == 1
    village = periodic_report(clerk_a, VILLAGE_A, OCTOBER, now=AFTER)
    assert village.children == [] and village.own is None
    assert village.value("cases_new") == 2 and village.value("pay_funds") == Decimal("900.00")
    assert village.value("ledger_opened") == 0  # the item is the township's


def test_the_weekly_report_counts_its_seven_days(county_data: County, county_admin: Any) -> None:
    week = Period.of(Kind.WEEK, d(10, 14))  # Mon 10-12 to Sun 10-18
    report = periodic_report(county_admin, COUNTY[0], week, now=AFTER)
    assert report.compare_year is False and YEAR_AGO not in report.cells
    assert report.value("cases_new") == 1  # c3 on 10-15
    assert report.value("tk_received") == 2 and report.value("tk_breached") == 1  # t2 due 10-16
    assert report.value("warn_acted") == 1 and report.value("visits") == 1
    # A week counts the payroll runs approved in it: October's, approved 10-14.
    assert report.value("pay_funds") == Decimal("2280.00")
    assert report.value("pay_funds", PREVIOUS) == 0
    assert report.value("prepaid_amount") == Decimal("1500.00")


def test_a_ticket_at_sunday_midnight_belongs_to_its_local_week(county_data: County,
                                                               county_admin: Any) -> None:
    tz = timezone.get_current_timezone()
    sunday_night = datetime(2026, 10, 18, 23, 59, 59, tzinfo=tz)
    _ticket(TOWNSHIP_B, county_admin, sunday_night, at(d(10, 30)))
    # 2026-10-18 16:30 UTC is already Monday 00:30 in Beijing.
    _ticket(TOWNSHIP_B, county_admin, datetime(2026, 10, 18, 16, 30, tzinfo=UTC),
            at(d(10, 30)))
    week = Period.of(Kind.WEEK, d(10, 18))
    report = periodic_report(county_admin, COUNTY[0], week, now=AFTER)
    assert report.value("tk_received") == 3
    assert report.value("tk_received", CURRENT) == 3
    following = periodic_report(county_admin, COUNTY[0], week.shifted(1), now=AFTER)
    assert following.value("tk_received") == 1


def test_a_running_period_takes_its_stocks_now_as_the_lists_do(county_data: County,
                                                               county_admin: Any) -> None:
    november = Period.of(Kind.MONTH, AFTER.date())
    report = periodic_report(county_admin, COUNTY[0], november, now=AFTER)
    today = AFTER.date()
    # The 办理时限 page's and the wish ledger's own overdue counts, taken now.
    assert report.value("cases_overdue") == Case.objects.filter(case_overdue_q(today)).count() == 2
    assert report.value("wish_overdue") == Wish.objects.filter(wish_overdue_q(today)).count() == 1
    assert report.value("warn_overdue") == Warning.objects.filter(
        state=WarningState.OPEN, due_on__lt=today).count() == 1
    assert report.value("ledger_overdue") == 1  # l2, still being rectified
    # October as its previous period keeps the figures of its own end.
    assert report.value("cases_overdue", PREVIOUS) == 2
    assert report.value("warn_overdue", PREVIOUS) == 2
    # t3 came due 11-11 unreplied: a November breach.
    assert report.value("tk_breached") == 1
