"""Every computed indicator on hand-made records: what counts as done, as due, as not yet due,
and what belongs to another township or period."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from benefits.models import PayrollRun, RunStatus
from cases.choices import CaseState
from cases.models import Case, Objection, Publicity
from demo.reference import COUNTY, TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import staff
from jiuzhu.testing.factories import household_with_applicant
from monitoring.models import RuleCode, Warning, WarningState
from outreach.models import Wish, WishSource, WishState
from policies.models import Parameter, ValueType
from supervision.metrics import Measure, measure
from supervision.models import (
    Finding,
    IndicatorSource,
    ItemSource,
    ItemState,
    LedgerItem,
    ListKind,
    SampleCheck,
    SamplingRound,
)
from tickets.models import Channel, Ticket, TicketState, Topic, Urgency

pytestmark = pytest.mark.django_db

S = IndicatorSource
VILLAGE_A, VILLAGE_B = "620802100201", "620802101201"
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
NOW = timezone.make_aware(datetime(2026, 9, 1, 10, 0))  # "today" for what is not yet due
_serial = itertools.count(1)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A local (China time) moment."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def of(source: str, region: str = TOWNSHIP_A, period: tuple[date, date] = YEAR) -> Measure:
    return measure(source, region_code=region, start=period[0], end=period[1], now=NOW)


# -- case_timeliness ------------------------------------------------------------------------------

def case(village: str = VILLAGE_A, state: str = CaseState.APPROVED, **fields: Any) -> Case:
    household = household_with_applicant(village)
    return Case.objects.create(
        number=f"M{next(_serial):07d}", programme_id=fields.pop("programme", "dibao_rural"),
        household=household, applicant=household.members.get(), village_id=village,
        urban_rural="rural", state=state, channel="counter", **fields)


def objected(c: Case) -> None:
    publicity = Publicity.objects.create(
        case=c, village_id=c.village_id, public_token=f"t{c.pk}", starts_on=date(2026, 4, 1),
        ends_on=date(2026, 4, 7), masked_name="张*", household_size=1, programme_name="低保",
        opinion="同意", created_by=staff("clerk_a"))
    Objection.objects.create(publicity=publicity, content="收入不实")


def test_case_timeliness(county: None) -> None:
    case(decided_on=date(2026, 3, 10), overall_due=date(2026, 3, 20))  # on time
    case(decided_on=date(2026, 4, 10), overall_due=date(2026, 4, 1))  # late
    # An objection extends the deadline (57号§22: 45 WD).
    objected(case(decided_on=date(2026, 5, 20), overall_due=date(2026, 5, 1),
                  extended_due=date(2026, 5, 25)))
    # Without one, the extended deadline does not help.
    case(decided_on=date(2026, 6, 20), overall_due=date(2026, 6, 1),
         extended_due=date(2026, 6, 25))
    # 特困: the county's decision deadline.
    case(programme="tekun", decided_on=date(2026, 6, 9), decision_due=date(2026, 6, 10))
    case(state=CaseState.REJECTED, decided_on=date(2026, 2, 1))  # no clock ran: on time
    case(state=CaseState.COUNTY_REVIEW, overall_due=date(2026, 7, 1))  # open and overdue: late
    case(state=CaseState.COUNTY_REVIEW, overall_due=date(2026, 10, 1))  # not yet due: left out
    case(decided_on=date(2025, 12, 30), overall_due=date(2026, 1, 5))  # another period
    case(village=VILLAGE_B, decided_on=date(2026, 3, 10), overall_due=date(2026, 3, 1))
    assert of(S.CASE_TIMELINESS) == Measure(4, 7)
    assert of(S.CASE_TIMELINESS, TOWNSHIP_B) == Measure(0, 1)
    assert of(S.CASE_TIMELINESS, COUNTY[0]) == Measure(4, 8)
    assert of(S.CASE_TIMELINESS, period=(date(2026, 3, 1), date(2026, 3, 31))) == Measure(1, 1)
    assert of(S.CASE_TIMELINESS, period=(date(2026, 5, 1), date(2026, 5, 31))) == Measure(1, 1)
    assert of(S.CASE_TIMELINESS, period=(date(2026, 6, 1), date(2026, 6, 30))) == Measure(1, 2)


# -- ticket_timeliness ----------------------------------------------------------------------------

def ticket(region: str = TOWNSHIP_A, *, due: datetime, replied: datetime | None = None,
           state: str = TicketState.REPLIED) -> Ticket:
    return Ticket.objects.create(
        number=f"RX{next(_serial):06d}", channel=Channel.COUNTY, topic=Topic.HELP,
        urgency=Urgency.GENERAL, subject="求助", content="求助", region_id=region,
        received_at=due - timedelta(days=10), received_by=staff("county_admin"), due_at=due,
        replied_at=replied, state=state)


def test_ticket_timeliness(county: None) -> None:
    ticket(due=at(date(2026, 3, 10), 23, 59), replied=at(date(2026, 3, 10), 20))  # on time
    ticket(due=at(date(2026, 3, 10)), replied=at(date(2026, 3, 11)))  # late
    ticket(due=at(date(2026, 6, 1)), replied=None, state=TicketState.HANDLING)  # overdue
    ticket(due=at(date(2026, 9, 5)), replied=None, state=TicketState.HANDLING)  # not yet due
    ticket(due=at(date(2025, 6, 1)), replied=at(date(2025, 6, 1)))  # another period
    ticket(TOWNSHIP_B, due=at(date(2026, 3, 10)), replied=at(date(2026, 3, 1)))
    assert of(S.TICKET_TIMELINESS) == Measure(1, 3)
    assert of(S.TICKET_TIMELINESS, TOWNSHIP_B) == Measure(1, 1)


# -- wish_timeliness ------------------------------------------------------------------------------

def wish(village: str = VILLAGE_A, *, state: str = WishState.CLOSED, **fields: Any) -> Wish:
    return Wish.objects.create(number=f"XY{next(_serial):06d}", village_id=village,
                               person_name="甲", source=WishSource.VISIT, content="轮椅",
                               created_by=staff("clerk_a"), state=state, **fields)


def test_wish_timeliness(county: None) -> None:
    # Resolved by the due date, closed after the 回访: on time.
    wish(due_on=date(2026, 4, 10), resolved_at=at(date(2026, 4, 10), 18),
         closed_at=at(date(2026, 4, 20)))
    wish(due_on=date(2026, 4, 10), resolved_at=at(date(2026, 4, 11)),
         closed_at=at(date(2026, 4, 20)))  # resolved late
    wish(resolved_at=at(date(2026, 5, 1)), closed_at=at(date(2026, 5, 2)))  # on the spot
    wish(state=WishState.IN_PROGRESS, due_on=date(2026, 8, 1))  # overdue
    wish(state=WishState.IN_PROGRESS, due_on=date(2026, 9, 10))  # not yet due
    wish(due_on=date(2025, 4, 10), resolved_at=at(date(2025, 4, 1)),
         closed_at=at(date(2025, 12, 31)))  # closed in another period
    wish(VILLAGE_B, state=WishState.ASSIGNED, due_on=date(2026, 8, 1))
    assert of(S.WISH_TIMELINESS) == Measure(2, 4)
    assert of(S.WISH_TIMELINESS, TOWNSHIP_B) == Measure(0, 1)


# -- accuracy -------------------------------------------------------------------------------------

def test_accuracy(county_admin: Any) -> None:
    def checks(period: str, findings: list[str], village: str = VILLAGE_A) -> None:
        round_ = SamplingRound.objects.get_or_create(
            region_code=COUNTY[0], period=period,
            defaults={"rate": "0.05", "seed": "s", "created_by": county_admin})[0]
        for finding in findings:
            household = household_with_applicant(village)
            enrollment = (None if finding == Finding.MISSING
                          else enrolled(household, account=False))
            SampleCheck.objects.create(round=round_, enrollment=enrollment, household=household,
                                       village_code=village, finding=finding)

    checks("2026Q2", [Finding.CORRECT, Finding.CORRECT, Finding.WRONG_AMOUNT, Finding.PENDING,
                      Finding.MISSING])
    checks("2026Q4", [Finding.INELIGIBLE])
    checks("2025Q4", [Finding.WRONG_AMOUNT])  # another year
    checks("2026Q2", [Finding.CORRECT], VILLAGE_B)
    assert of(S.ACCURACY) == Measure(2, 4)
    assert of(S.ACCURACY, period=(date(2026, 4, 1), date(2026, 6, 30))) == Measure(2, 3)
    assert of(S.ACCURACY, TOWNSHIP_B) == Measure(1, 1)
    assert of(S.ACCURACY, COUNTY[0]) == Measure(3, 5)


# -- payment_timeliness ---------------------------------------------------------------------------

def run(month: date, *, approved: datetime | None, programme: str = "dibao_rural") -> None:
    PayrollRun.objects.create(programme_id=programme, month=month, region_code=COUNTY[0],
                              status=RunStatus.APPROVED if approved else RunStatus.DRAFT,
                              approved_at=approved)


def test_payment_timeliness(county: None) -> None:
    run(date(2026, 1, 1), approved=at(date(2026, 1, 10), 23, 30))  # by the pay day (10th)
    run(date(2026, 2, 1), approved=at(date(2026, 2, 11), 8))  # a day late
    run(date(2026, 3, 1), approved=None)  # its pay day passed without approval: late
    run(date(2026, 10, 1), approved=None)  # pay day still ahead: left out
    run(date(2025, 12, 1), approved=at(date(2025, 12, 1)))  # another period
    assert of(S.PAYMENT_TIMELINESS) == Measure(1, 3)
    # Payroll is county-wide: every township is measured by the county's runs.
    assert of(S.PAYMENT_TIMELINESS, TOWNSHIP_B) == Measure(1, 3)
    assert of(S.PAYMENT_TIMELINESS, COUNTY[0]) == Measure(1, 3)


def test_payment_pay_day_is_the_parameter_of_the_month(county: None) -> None:
    Parameter.objects.create(key="payroll.pay_day", region_id=COUNTY[0], value="31",
                             value_type=ValueType.INTEGER, effective_from=date(2026, 2, 1))
    run(date(2026, 2, 1), approved=at(date(2026, 2, 28)))  # pay day 31 → 28 February
    run(date(2026, 1, 1), approved=at(date(2026, 1, 12)))  # January still had the 10th
    assert of(S.PAYMENT_TIMELINESS) == Measure(1, 2)


def test_payment_without_the_pay_day_parameter_is_a_config_error(county: None) -> None:
    Parameter.objects.filter(key="payroll.pay_day").delete()
    run(date(2026, 1, 1), approved=at(date(2026, 1, 9)))
    with pytest.raises(ApplicationError) as err:
        of(S.PAYMENT_TIMELINESS)
    assert err.value.code == "config"


# -- warning_timeliness ---------------------------------------------------------------------------

def warning(village: str = VILLAGE_A, *, raised: date, due: date, **fields: Any) -> Warning:
    household = household_with_applicant(village)
    return Warning.objects.create(
        rule=RuleCode.JOB_LOSS, person=household.members.get(), household=household,
        village_code=village, evidence="失业登记", event_key=f"k{next(_serial)}",
        raised_on=raised, due_on=due, **fields)


def test_warning_timeliness(county: None) -> None:
    warning(raised=date(2026, 3, 2), due=date(2026, 3, 9), state=WarningState.CONTACTED,
            contacted_at=at(date(2026, 3, 9), 21), acted_at=at(date(2026, 3, 20)))  # on time
    warning(raised=date(2026, 3, 2), due=date(2026, 3, 9), state=WarningState.NO_ACTION,
            acted_at=at(date(2026, 3, 10)))  # no contact, and acted a day late
    warning(raised=date(2026, 8, 3), due=date(2026, 8, 10))  # still open past its due date
    warning(raised=date(2026, 8, 28), due=date(2026, 9, 4))  # not yet due: left out
    warning(raised=date(2025, 12, 1), due=date(2025, 12, 8))  # another period
    warning(VILLAGE_B, raised=date(2026, 3, 2), due=date(2026, 3, 9),
            state=WarningState.CASE_OPENED, acted_at=at(date(2026, 3, 3)))
    assert of(S.WARNING_TIMELINESS) == Measure(1, 3)
    assert of(S.WARNING_TIMELINESS, TOWNSHIP_B) == Measure(1, 1)


# -- ledger_closure -------------------------------------------------------------------------------

def item(region: str = TOWNSHIP_A, *, due: date | None, state: str = ItemState.RECTIFYING,
         **fields: Any) -> LedgerItem:
    return LedgerItem.objects.create(
        number=f"TZ{next(_serial):06d}", list_kind=ListKind.PROBLEM, source=ItemSource.SELF_CHECK,
        region_id=region, title="台账不全", created_by=staff("clerk_a"), due_on=due,
        state=state, **fields)


def test_ledger_closure(county: None) -> None:
    closed: dict[str, Any] = {"state": ItemState.CLOSED, "submitted_by": staff("clerk_a"),
              "closed_by": staff("reviewer_a"), "closed_at": at(date(2026, 5, 1))}
    item(due=date(2026, 5, 10), **closed)
    item(due=date(2026, 6, 30))  # past its deadline, not closed
    item(due=date(2026, 10, 30))  # not yet due: left out
    item(due=date(2026, 10, 30), **closed)  # closed early: counts
    item(due=date(2025, 5, 10))  # another period
    item(due=None)  # no deadline yet (not assigned)
    item(TOWNSHIP_B, due=date(2026, 5, 10))
    assert of(S.LEDGER_CLOSURE) == Measure(2, 3)
    assert of(S.LEDGER_CLOSURE, TOWNSHIP_B) == Measure(0, 1)


# -- nothing due ----------------------------------------------------------------------------------

@pytest.mark.parametrize("source", [s for s in IndicatorSource.values if s != S.MANUAL])
def test_nothing_due_has_no_rate(county: None, source: str) -> None:
    result = of(source, "620802103000")  # 安国镇: no records at all
    assert result == Measure(0, 0) and result.rate is None


def test_rate_is_the_exact_fraction() -> None:
    assert Measure(9, 10).rate == Decimal("0.9")
    assert Measure(1, 3).rate == Decimal(1) / Decimal(3)
