"""Reply clocks: working days for general tickets (weekends, holidays, 调休 Saturdays), wall-clock
hours for urgent ones, the 12345 centre's own due time, and the breach flags."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from demo.reference import COUNTY, TOWNSHIP_A
from policies.models import Parameter, ValueType
from tickets import sla
from tickets.models import Ticket
from tickets.tests.support import call, make_overdue, replied

pytestmark = pytest.mark.django_db
COUNTY_CODE = COUNTY[0]


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return timezone.make_aware(datetime(y, m, d, hh, mm))


def end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def set_param(key: str, value: str, effective: date, region: str = COUNTY_CODE) -> None:
    Parameter.objects.update_or_create(key=key, region_id=region, effective_from=effective,
                                       defaults={"value": value, "value_type": ValueType.INTEGER})


# -- general: working days, due at 23:59:59 local time of the last one -------------------------

@pytest.mark.parametrize(("received", "days", "due_on"), [
    # Thu → Fri, Mon: the weekend is skipped.
    (local(2026, 3, 12, 15), 2, date(2026, 3, 16)),
    # Received on a Saturday: the first working day is Monday.
    (local(2026, 3, 14, 10), 1, date(2026, 3, 16)),
    # Fri 02-13 → Sat 02-14 is a 调休 working day (Spring Festival 2026).
    (local(2026, 2, 13, 9), 1, date(2026, 2, 14)),
    # ... and then the holiday 02-15 (Sun) – 02-23 (Mon) is skipped: Tue 02-24.
    (local(2026, 2, 13, 9), 2, date(2026, 2, 24)),
    # Received during the holiday: days count from the first day back.
    (local(2026, 2, 18, 11), 1, date(2026, 2, 24)),
    # National Day 2026: holidays 10-01 – 10-07, Sat 10-10 a 调休 working day.
    (local(2026, 9, 30, 16), 3, date(2026, 10, 10)),
    # The demo value: 10 working days.
    (local(2026, 3, 10, 8, 30), 10, date(2026, 3, 24)),
])
def test_general_clock_counts_working_days(county: None, received: datetime, days: int,
                                           due_on: date) -> None:
    set_param(sla.GENERAL_WORKING_DAYS, str(days), date(2026, 1, 1))
    due = sla.general_due(received, COUNTY_CODE)
    assert due.at == end_of(due_on)
    assert timezone.localtime(due.at).time() == time(23, 59, 59)
    assert due.provisional is False


def test_general_clock_late_in_the_evening_counts_from_that_local_day(county: None) -> None:
    # 00:30 local on Fri 03-13 is still Thursday in UTC: the clock counts from the local day.
    set_param(sla.GENERAL_WORKING_DAYS, "1", date(2026, 1, 1))
    assert sla.general_due(local(2026, 3, 13, 0, 30), COUNTY_CODE).at == end_of(date(2026, 3, 16))
    assert sla.general_due(local(2026, 3, 12, 23, 30), COUNTY_CODE).at == end_of(date(2026, 3, 13))


def test_general_clock_into_an_unpublished_year_is_provisional(county: None) -> None:
    due = sla.general_due(local(2026, 12, 28, 9), COUNTY_CODE)  # 10 WD reach January 2027
    assert due.provisional is True
    assert timezone.localdate(due.at).year == 2027


# -- urgent: wall-clock hours (24-hour duty) ---------------------------------------------------

def test_urgent_clock_runs_through_the_night_and_across_midnight(county: None) -> None:
    # Demo value 24 h.
    assert sla.urgent_due(local(2026, 3, 12, 22, 30), COUNTY_CODE).at == local(2026, 3, 13, 22, 30)
    set_param(sla.URGENT_HOURS, "4", date(2026, 3, 1))
    due = sla.urgent_due(local(2026, 3, 12, 22, 30), COUNTY_CODE)
    assert due.at == local(2026, 3, 13, 2, 30)
    assert timezone.localdate(due.at) == date(2026, 3, 13)


def test_urgent_clock_ignores_weekends_and_holidays(county: None) -> None:
    # Sat 02-14 20:00 (a 调休 working day) + 24 h lands in the Spring Festival holiday.
    assert sla.urgent_due(local(2026, 2, 14, 20), COUNTY_CODE).at == local(2026, 2, 15, 20)
    assert sla.urgent_due(local(2026, 3, 14, 8), COUNTY_CODE).at == local(2026, 3, 15, 8)


# -- parameters as of the clock's start, by region -------------------------------------------------

def test_parameters_are_read_on_the_day_the_clock_starts(county: None) -> None:
    set_param(sla.GENERAL_WORKING_DAYS, "5", date(2026, 6, 1))
    # Fri 05-29 still uses the demo 10 WD; from Mon 06-01 the new 5 WD.
    assert sla.general_due(local(2026, 5, 29, 10), COUNTY_CODE).at == end_of(date(2026, 6, 12))
    assert sla.general_due(local(2026, 6, 1, 10), COUNTY_CODE).at == end_of(date(2026, 6, 8))


def test_a_township_may_set_its_own_clock(county: None) -> None:
    set_param(sla.URGENT_HOURS, "12", date(2026, 1, 1), region=TOWNSHIP_A)
    start = local(2026, 3, 12, 10)
    assert sla.urgent_due(start, TOWNSHIP_A).at == local(2026, 3, 12, 22)
    assert sla.urgent_due(start, COUNTY_CODE).at == local(2026, 3, 13, 10)


def test_reply_due_picks_the_clock(county: None) -> None:
    start = local(2026, 3, 12, 10)
    external = local(2026, 3, 13, 17, 30)
    assert sla.reply_due(urgency="urgent", start=start, region_code=COUNTY_CODE).at == \
        local(2026, 3, 13, 10)
    assert sla.reply_due(urgency="general", start=start, region_code=COUNTY_CODE).at == \
        end_of(date(2026, 3, 26))
    # The 12345 centre's own due time replaces either.
    for urgency in ("urgent", "general"):
        assert sla.reply_due(urgency=urgency, start=start, region_code=COUNTY_CODE,
                             external_due=external).at == external


def test_receiving_a_call_stores_the_due_time_at_once(county_admin: Any) -> None:
    before = timezone.now()
    urgent = call(urgency="urgent")
    assert before + timedelta(hours=24) <= urgent.due_at <= timezone.now() + timedelta(hours=24)
    general = call()
    stored = general.due_at
    assert stored == sla.general_due(general.received_at, COUNTY_CODE).at
    # A later change of the parameter does not move a running clock.
    set_param(sla.GENERAL_WORKING_DAYS, "1", timezone.localdate())
    assert sla.general_due(general.received_at, COUNTY_CODE).at != stored
    general.refresh_from_db()
    assert general.due_at == stored


# -- breach ----------------------------------------------------------------------------------------

def _t(state: str, due: datetime, replied_at: datetime | None = None) -> Any:
    return SimpleNamespace(state=state, due_at=due, replied_at=replied_at)


@pytest.mark.parametrize(("ticket", "overdue", "late", "breached"), [
    (_t("handling", local(2026, 3, 12, 9)), True, False, True),
    (_t("dispatched", local(2026, 3, 12, 11)), False, False, False),
    (_t("received", local(2026, 3, 12, 9, 59)), True, False, True),
    # Replied in time, then the clock passed: no breach.
    (_t("replied", local(2026, 3, 12, 9), local(2026, 3, 12, 8)), False, False, False),
    # Replied after the due time: a breach for good, also once closed.
    (_t("closed", local(2026, 3, 12, 9), local(2026, 3, 12, 9, 1)), False, True, True),
    # Replied exactly at the due time is in time.
    (_t("rated", local(2026, 3, 12, 9), local(2026, 3, 12, 9)), False, False, False),
])
def test_breach_flags(ticket: Any, overdue: bool, late: bool, breached: bool) -> None:
    now = local(2026, 3, 12, 10)
    assert sla.is_overdue(ticket, now) is overdue
    assert sla.replied_late(ticket) is late
    assert sla.is_breached(ticket, now) is breached


def test_breach_queries_match_the_flags(county_admin: Any) -> None:
    on_time = replied()
    open_late = make_overdue(call())
    running = call()
    late = replied()
    assert late.replied_at is not None
    Ticket.objects.filter(pk=late.pk).update(due_at=late.replied_at - timedelta(minutes=5),
                                             received_at=late.replied_at - timedelta(days=1))
    now = timezone.now()
    assert set(Ticket.objects.filter(sla.overdue_q(now)).values_list("pk", flat=True)) == {
        open_late.pk}
    assert set(Ticket.objects.filter(sla.replied_late_q()).values_list("pk", flat=True)) == {
        late.pk}
    breached = set(Ticket.objects.filter(sla.breached_q(now)).values_list("pk", flat=True))
    assert breached == {open_late.pk, late.pk}
    for ticket in Ticket.objects.all():
        assert sla.is_breached(ticket, now) is (ticket.pk in breached)
    assert running.pk not in breached and on_time.pk not in breached


def test_month_start_is_local_midnight_of_the_first() -> None:
    assert sla.month_start(local(2026, 3, 1, 0, 30)) == local(2026, 3, 1)
    assert sla.month_start(local(2026, 3, 31, 23, 59)) == local(2026, 3, 1)
