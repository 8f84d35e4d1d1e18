"""Reads of the queue: overdue in working days, the county's overview per township, the 政策找人
conversion counts, and the dashboard tile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from django.utils import timezone

from cases.choices import CaseState
from dashboard import panels
from monitoring import selectors
from monitoring.models import RuleCode, Warning, WarningState
from monitoring.selectors import WarningFilter

from .warning_data import case_for, clock_for, raise_warning

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    return clock_for(monkeypatch)
S = WarningState
TZ = timezone.get_current_timezone()


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


# -- overdue --------------------------------------------------------------------------------------

def test_overdue_is_open_past_its_due_date_counted_in_working_days(
        household_a: Any, clerk_a: Any, clock: Callable[[date], None]) -> None:
    clock(date(2026, 10, 12))
    late = raise_warning(household_a, raised_on=date(2026, 9, 23), due_on=date(2026, 9, 30))
    due_today = raise_warning(household_a, due_on=date(2026, 10, 12))
    contacted = raise_warning(household_a, due_on=date(2026, 9, 30), state=S.CONTACTED,
                              contacted_at=at(date(2026, 10, 9)))
    queue = selectors.warning_list(clerk_a, WarningFilter(), date(2026, 10, 12))
    marked = dict(queue.values_list("pk", "overdue"))  # type: ignore[misc]  # annotated
    assert marked == {late.pk: True, due_today.pk: False, contacted.pk: False}
    rows = list(queue)
    # 12 calendar days, but 10-01…10-07 are the National Day holiday and Sat 10-10 is a 调休
    # working day: 10-08, 10-09, 10-10 and 10-12.
    assert selectors.days_late(rows, date(2026, 10, 12)) == {late.pk: 4}
    only = selectors.warning_list(clerk_a, WarningFilter(overdue=True), date(2026, 10, 12))
    assert [w.pk for w in only] == [late.pk]
    assert selectors.overdue_count(clerk_a, date(2026, 10, 12)) == 1


def test_queue_filters(household_a: Any, household_b: Any, county_admin: Any) -> None:
    a = raise_warning(household_a, rule=RuleCode.MEDICAL_EXPENSE, raised_on=date(2026, 3, 1))
    b = raise_warning(household_b, rule=RuleCode.JOB_LOSS, raised_on=date(2026, 3, 20),
                      state=S.CONTACTED)
    today = date(2026, 4, 1)

    def pks(**f: Any) -> set[int]:
        return {w.pk for w in selectors.warning_list(county_admin, WarningFilter(**f), today)}

    assert pks() == {a.pk, b.pk}
    assert pks(state=S.CONTACTED) == {b.pk}
    assert pks(rule=RuleCode.MEDICAL_EXPENSE) == {a.pk}
    assert pks(village=household_b.village_id) == {b.pk}
    assert pks(township="620802100000") == {a.pk}
    assert pks(raised_from=date(2026, 3, 10)) == {b.pk}
    assert pks(raised_to=date(2026, 3, 10)) == {a.pk}
    assert pks(state="nonsense") == {a.pk, b.pk}  # an unknown value filters nothing


def test_township_b_sees_none_of_township_a(household_a: Any, clerk_b: Any) -> None:
    raise_warning(household_a)
    assert not selectors.warning_list(clerk_b, WarningFilter(), date(2026, 4, 1)).exists()
    assert selectors.overdue_count(clerk_b, date(2026, 4, 1)) == 0


# -- the county's overview ------------------------------------------------------------------------

def test_overview_open_overdue_and_acted_in_time(household_a: Any, household_b: Any,
                                                 county_admin: Any, clerk_a: Any) -> None:
    today = date(2026, 3, 20)
    due = date(2026, 3, 9)
    # Township A: contacted on the due date (in time), no action a day late, one open and
    # overdue, one open and not yet due (not measured).
    raise_warning(household_a, due_on=due, state=S.CONTACTED, contacted_at=at(due, 17))
    raise_warning(household_a, due_on=due, state=S.NO_ACTION, acted_at=at(date(2026, 3, 10)))
    raise_warning(household_a, due_on=due)
    raise_warning(household_a, due_on=date(2026, 3, 27))
    # Township B: contacted in time, then the case a week later: the contact is what counts.
    raise_warning(household_b, due_on=due, state=S.CASE_OPENED,
                  contacted_at=at(date(2026, 3, 5)), acted_at=at(date(2026, 3, 16)))
    rows = {r.township.code if r.township else "total": r
            for r in selectors.township_overview(county_admin, today)}
    a, b, total = rows["620802100000"], rows["620802101000"], rows["total"]
    assert (a.open, a.overdue, a.due, a.in_time) == (2, 1, 3, 1)
    assert a.in_time_percent == 33.3
    assert (b.open, b.overdue, b.due, b.in_time, b.in_time_percent) == (0, 0, 1, 1, 100.0)
    assert (total.open, total.overdue, total.due, total.in_time) == (2, 1, 4, 2)
    # A township sees only its own row (and a total of it).
    mine = selectors.township_overview(clerk_a, today)
    assert [r.township.code if r.township else None for r in mine] == ["620802100000", None]


def test_contact_late_in_the_evening_of_the_due_date_is_in_time(household_a: Any,
                                                                county_admin: Any) -> None:
    # 23:30 China time is 15:30 UTC the same day, but 00:30 the next day would be late.
    due = date(2026, 3, 9)
    raise_warning(household_a, due_on=due, state=S.CONTACTED, contacted_at=at(due, 23))
    raise_warning(household_a, due_on=due, state=S.CONTACTED,
                  contacted_at=at(date(2026, 3, 10), 0))
    total = selectors.township_overview(county_admin, date(2026, 3, 20))[-1]
    assert (total.due, total.in_time) == (2, 1)


# -- conversion -----------------------------------------------------------------------------------

def test_conversion_counts_per_township(household_a: Any, household_b: Any,
                                        county_admin: Any, clerk_a: Any) -> None:
    approved = case_for(household_a, state=CaseState.APPROVED)
    pending = case_for(household_a, state=CaseState.INVESTIGATING, programme="temporary")
    rejected = case_for(household_b, state=CaseState.REJECTED)
    contact: dict[str, Any] = {"contacted_at": at(date(2026, 3, 3))}
    raise_warning(household_a)  # open
    raise_warning(household_a, state=S.NO_ACTION, **contact)
    raise_warning(household_a, state=S.CLOSED, case=approved, **contact)
    raise_warning(household_a, state=S.CASE_OPENED, case=pending, **contact)
    raise_warning(household_b, state=S.CASE_OPENED, case=rejected, **contact)
    raise_warning(household_b, state=S.NO_ACTION)  # no action without contact
    # Outside the period: not counted.
    raise_warning(household_a, raised_on=date(2026, 5, 1), state=S.CLOSED, case=approved,
                  **contact)
    rows = {r.township.code if r.township else "total": r
            for r in selectors.conversion(county_admin, date(2026, 3, 1), date(2026, 3, 31))}
    a, b, total = rows["620802100000"], rows["620802101000"], rows["total"]
    assert (a.raised, a.contacted, a.case_opened, a.approved) == (4, 3, 2, 1)
    assert a.approved_percent == 25.0
    assert (b.raised, b.contacted, b.case_opened, b.approved) == (2, 1, 1, 0)
    assert (total.raised, total.contacted, total.case_opened, total.approved) == (6, 4, 3, 1)
    mine = selectors.conversion(clerk_a, date(2026, 3, 1), date(2026, 3, 31))
    assert [(r.township.code if r.township else None, r.raised) for r in mine] == [
        ("620802100000", 4), (None, 4)]


def test_conversion_of_an_empty_period(county_admin: Any) -> None:
    [total] = selectors.conversion(county_admin, date(2026, 1, 1), date(2026, 1, 31))
    assert total.township is None and total.raised == 0 and total.approved_percent is None


# -- the dashboard tile ---------------------------------------------------------------------------

def tile(user: Any) -> dict[str, Any] | None:
    # The dashboard renders what its panels module returns.
    tiles = panels.outreach_tiles(user)
    return next((t for t in tiles if t["id"] == "warnings-overdue-stat"), None)


def test_tile_counts_overdue_warnings_in_scope(household_a: Any, clerk_a: Any, clerk_b: Any,
                                               liaison: Any,
                                               clock: Callable[[date], None]) -> None:
    clock(date(2026, 3, 20))
    raise_warning(household_a, due_on=date(2026, 3, 9))
    raise_warning(household_a, due_on=date(2026, 3, 9), state=S.CONTACTED)
    raise_warning(household_a, due_on=date(2026, 3, 27))
    mine = tile(clerk_a)
    assert mine is not None and mine["n"] == 1 and mine["warn"] is True
    assert mine["url"] == "/monitoring/?overdue=1"
    theirs = tile(clerk_b)
    assert theirs is not None and theirs["n"] == 0 and theirs["warn"] is False
    assert tile(liaison) is None  # the queue is not a liaison's business
    Warning.objects.update(state=S.CONTACTED)
    assert tile(clerk_a)["n"] == 0  # type: ignore[index]
