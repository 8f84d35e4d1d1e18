"""The visit list: who must be visited, with which cycle, and what is overdue (domain.md §11)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from accounts.models import User
from accounts.roles import Role
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.factories import PersonFactory, household_with_applicant
from jiuzhu.testing.fixtures import client_for
from outreach.models import EntryKind, EventEntry, OutreachEvent, Visit
from outreach.selectors.visits import (
    Area,
    ListFilter,
    VisitReason,
    due_households,
    list_counts,
    overdue_count,
    village_summary,
    visit_rows,
)
from policies.models import Parameter, ValueType
from registry.models import Household

VILLAGE_A = "620802100201"  # 大寨村, township A
VILLAGE_A2 = "620802100202"  # 太统村, township A
VILLAGE_B = "620802101201"  # 白水村, township B
TODAY = date(2026, 11, 23)
NO_FILTER = ListFilter()
# Demo cycles (demo/reference.py, calendar days): tekun 30, elderly alone 30, dibao 90,
# monitored 90.


def _dibao(village: str = VILLAGE_A, **person: Any) -> Household:
    household = household_with_applicant(village, **person)
    enrolled(household, programme="dibao_rural")
    return household


def _visit(household: Household, on: date, worker: User) -> Visit:
    return Visit.objects.create(household=household, worker=worker, visited_on=on)


def _rows(user: User, village: str = VILLAGE_A, today: date = TODAY,
          f: ListFilter = NO_FILTER) -> dict[int, Any]:
    area = Area(user, today, village)
    households = list(due_households(area, f))
    return {r.household.pk: r for r in visit_rows(area, households)}


def _set_cycle(reason: str, days: int, region: str) -> None:
    Parameter.objects.create(key=f"visit.cycle.{reason}", region_id=region, value=str(days),
                             value_type=ValueType.INTEGER, unit="天",
                             effective_from=date(2026, 1, 1))


# -- reasons and cycles --------------------------------------------------------------------------

@pytest.mark.django_db
def test_each_reason_puts_a_household_on_the_list_with_its_cycle(grid_a: User) -> None:
    tekun = household_with_applicant(VILLAGE_A, birth_date=date(1950, 5, 1))
    PersonFactory(household=tekun, relation="sibling", birth_date=date(1955, 1, 1))
    enrolled(tekun, programme="tekun", support_form="dispersed")
    dibao = _dibao()
    edge = household_with_applicant(VILLAGE_A)
    enrolled(edge, programme="edge")
    rigid = household_with_applicant(VILLAGE_A)
    enrolled(rigid, programme="rigid")
    alone = household_with_applicant(VILLAGE_A, birth_date=date(1950, 1, 1))

    rows = _rows(grid_a)

    assert rows[tekun.pk].reasons == [VisitReason.TEKUN] and rows[tekun.pk].cycle_days == 30
    assert rows[dibao.pk].reasons == [VisitReason.DIBAO] and rows[dibao.pk].cycle_days == 90
    assert rows[edge.pk].reasons == [VisitReason.MONITORED] and rows[edge.pk].cycle_days == 90
    assert rows[rigid.pk].cycle_days == 90
    assert rows[alone.pk].reasons == [VisitReason.ELDERLY_ALONE]
    assert rows[alone.pk].cycle_days == 30


@pytest.mark.django_db
def test_households_without_a_reason_are_not_listed(grid_a: User) -> None:
    young = household_with_applicant(VILLAGE_A, birth_date=date(1990, 1, 1))
    centralised = household_with_applicant(VILLAGE_A)
    enrolled(centralised, programme="tekun", support_form="centralized")
    ended = household_with_applicant(VILLAGE_A)
    enrolled(ended, programme="dibao_rural", status="ended")
    temporary = household_with_applicant(VILLAGE_A)
    enrolled(temporary, programme="temporary")
    # Two people of 70 live together: not alone.
    couple = household_with_applicant(VILLAGE_A, birth_date=date(1956, 1, 1))
    PersonFactory(household=couple, relation="spouse", birth_date=date(1956, 2, 1))

    rows = _rows(grid_a)

    assert not {young.pk, centralised.pk, ended.pk, temporary.pk, couple.pk} & set(rows)


@pytest.mark.django_db
def test_elderly_alone_counts_only_members_living_in_the_household(grid_a: User) -> None:
    # The son is in prison (57号§8: not counted), so the mother lives alone.
    mother = household_with_applicant(VILLAGE_A, birth_date=date(1960, 3, 1))
    PersonFactory(household=mother, relation="child", birth_date=date(1985, 1, 1),
                  excluded=True, excluded_reason="prison")
    # Turns 60 on the list's day (60周岁以上 includes the birthday), and the day after.
    sixty_today = household_with_applicant(VILLAGE_A, birth_date=date(1966, 11, 23))
    sixty_tomorrow = household_with_applicant(VILLAGE_A, birth_date=date(1966, 11, 24))

    rows = _rows(grid_a)

    assert rows[mother.pk].reasons == [VisitReason.ELDERLY_ALONE]
    assert sixty_today.pk in rows and sixty_tomorrow.pk not in rows


@pytest.mark.django_db
def test_the_shortest_cycle_of_all_reasons_applies(grid_a: User) -> None:
    # A dibao household (90 days) of one 75-year-old (living alone, 30 days).
    household = _dibao(birth_date=date(1951, 6, 1))
    _set_cycle("elderly_alone", 45, VILLAGE_A)

    row = _rows(grid_a)[household.pk]

    assert set(row.reasons) == {VisitReason.DIBAO, VisitReason.ELDERLY_ALONE}
    assert row.cycle_days == 45
    _set_cycle("dibao", 20, VILLAGE_A)
    assert _rows(grid_a)[household.pk].cycle_days == 20


@pytest.mark.django_db
def test_cycles_are_resolved_per_village(county_admin: User, clerk_a: User) -> None:
    # Township A shortens dibao visits; its village 太统村 shortens them further.
    _set_cycle("dibao", 60, "620802100000")
    _set_cycle("dibao", 15, VILLAGE_A2)
    in_a, in_a2, in_b = _dibao(VILLAGE_A), _dibao(VILLAGE_A2), _dibao(VILLAGE_B)
    for h in (in_a, in_a2, in_b):
        _visit(h, date(2026, 8, 1), clerk_a)

    rows = {h.pk: h for h in due_households(Area(county_admin, TODAY))}

    assert rows[in_a.pk].cycle_days == 60  # type: ignore[attr-defined]
    assert rows[in_a2.pk].cycle_days == 15  # type: ignore[attr-defined]
    assert rows[in_b.pk].cycle_days == 90  # type: ignore[attr-defined]
    assert rows[in_a2.pk].due_on == date(2026, 8, 16)  # type: ignore[attr-defined]
    assert rows[in_b.pk].due_on == date(2026, 10, 30)  # type: ignore[attr-defined]


# -- dates ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_never_visited_is_due_today_and_not_overdue(grid_a: User) -> None:
    household = _dibao()

    row = _rows(grid_a)[household.pk]

    assert row.last_visit is None and row.due_on == TODAY
    assert not row.overdue and row.days_overdue == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("last", "cycle_reason", "today", "due", "overdue_days"), [
    # 30 days after 31 January is 2 March in a common year: due that day, late the next.
    (date(2026, 1, 31), "tekun", date(2026, 3, 2), date(2026, 3, 2), 0),
    (date(2026, 1, 31), "tekun", date(2026, 3, 3), date(2026, 3, 2), 1),
    # 90 days after 30 November 2025 is 28 February 2026.
    (date(2025, 11, 30), "dibao", date(2026, 3, 31), date(2026, 2, 28), 31),
    # Across a leap day: 31 January 2028 + 30 days = 1 March 2028.
    (date(2028, 1, 31), "tekun", date(2028, 3, 1), date(2028, 3, 1), 0),
    (date(2026, 12, 31), "tekun", date(2027, 2, 28), date(2027, 1, 30), 29),
])
def test_due_date_and_days_overdue_around_month_ends(
        grid_a: User, last: date, cycle_reason: str, today: date, due: date,
        overdue_days: int) -> None:
    household = household_with_applicant(VILLAGE_A)
    if cycle_reason == "tekun":
        enrolled(household, programme="tekun", support_form="dispersed")
    else:
        enrolled(household, programme="dibao_rural")
    _visit(household, last - timedelta(days=40), grid_a)  # an older visit does not count
    _visit(household, last, grid_a)

    row = _rows(grid_a, today=today)[household.pk]

    assert row.last_visit == last and row.due_on == due
    assert row.overdue == (overdue_days > 0) and row.days_overdue == overdue_days


@pytest.mark.django_db
def test_overdue_come_first_then_by_due_date_and_the_filters(grid_a: User) -> None:
    late, later, fresh, never = _dibao(), _dibao(), _dibao(), _dibao()
    _visit(late, date(2026, 7, 1), grid_a)  # due 29 Sep
    _visit(later, date(2026, 5, 1), grid_a)  # due 30 Jul
    _visit(fresh, date(2026, 11, 1), grid_a)  # due 30 Jan
    alone = household_with_applicant(VILLAGE_A, birth_date=date(1940, 1, 1))

    order = list(_rows(grid_a))

    assert order == [later.pk, late.pk, never.pk, alone.pk, fresh.pk]
    assert list(_rows(grid_a, f=ListFilter(overdue_only=True))) == [later.pk, late.pk]
    assert list(_rows(grid_a, f=ListFilter(reason=VisitReason.ELDERLY_ALONE))) == [alone.pk]
    assert list_counts(Area(grid_a, TODAY, VILLAGE_A)) == {"total": 5, "overdue": 2}


# -- leads from outreach events ------------------------------------------------------------------

def _lead(household: Household, held_on: date, clerk: User, kind: str = EntryKind.LEAD) -> None:
    event = OutreachEvent.objects.create(title="救助赶大集", region_id="620802100000",
                                         place="集市", held_on=held_on, created_by=clerk)
    EventEntry.objects.create(event=event, kind=kind, household=household, recorded_by=clerk)


@pytest.mark.django_db
def test_an_open_lead_is_due_at_once_until_a_visit_follows_it(grid_a: User,
                                                              clerk_a: User) -> None:
    household = household_with_applicant(VILLAGE_A, birth_date=date(1990, 1, 1))
    consulted = household_with_applicant(VILLAGE_A, birth_date=date(1990, 1, 1))
    _visit(household, date(2026, 11, 1), grid_a)  # before the lead: does not follow it up
    _lead(household, date(2026, 11, 10), clerk_a)
    _lead(consulted, date(2026, 11, 10), clerk_a, kind=EntryKind.CONSULTATION)

    rows = _rows(grid_a)

    assert consulted.pk not in rows
    row = rows[household.pk]
    assert row.reasons == [VisitReason.LEAD] and row.cycle_days is None
    assert row.due_on == date(2026, 11, 10) and row.days_overdue == 13
    _visit(household, date(2026, 11, 12), grid_a)
    assert household.pk not in _rows(grid_a)


@pytest.mark.django_db
def test_a_lead_brings_a_periodic_household_forward(grid_a: User, clerk_a: User) -> None:
    household = _dibao()
    _visit(household, date(2026, 11, 1), grid_a)  # next periodic visit 30 January
    _lead(household, date(2026, 11, 20), clerk_a)

    row = _rows(grid_a)[household.pk]

    assert set(row.reasons) == {VisitReason.DIBAO, VisitReason.LEAD}
    assert row.due_on == date(2026, 11, 20) and row.overdue


# -- scope and counts ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_summary_and_counts_follow_the_users_region(
        county_admin: User, clerk_a: User, clerk_b: User, grid_a: User) -> None:
    for village in (VILLAGE_A, VILLAGE_A, VILLAGE_A2, VILLAGE_B):
        _visit(_dibao(village), date(2026, 1, 5), county_admin)  # all overdue
    _dibao(VILLAGE_A)  # never visited: listed, not overdue

    summary_a = {r.village.code: (r.households, r.overdue)
                 for r in village_summary(clerk_a, TODAY) if r.households}

    assert summary_a == {VILLAGE_A: (3, 2), VILLAGE_A2: (1, 1)}
    assert {r.village.code for r in village_summary(clerk_b, TODAY) if r.households} == {VILLAGE_B}
    assert overdue_count(county_admin, TODAY) == 4
    assert overdue_count(clerk_a, TODAY) == 3
    assert overdue_count(grid_a, TODAY) == 2
    # A county user's township filter.
    only_b = village_summary(county_admin, TODAY, township="620802101000")
    assert {r.village.code for r in only_b if r.households} == {VILLAGE_B}


@pytest.mark.django_db
def test_a_village_list_costs_the_same_few_queries_for_any_size(
        grid_a: User, django_assert_max_num_queries: Any) -> None:
    for i in range(40):
        household = _dibao()
        if i % 2:
            _visit(household, date(2026, 5, 1), grid_a)
    web = client_for(grid_a)

    # Savepoints and the JIT switch of `without_jit` included (PostgreSQL runs two more).
    with django_assert_max_num_queries(20):
        response = web.get("/visits/")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 25


@pytest.mark.django_db
def test_county_summary_costs_a_fixed_number_of_queries(
        county_admin: User, django_assert_max_num_queries: Any) -> None:
    for village in (VILLAGE_A, VILLAGE_A2, VILLAGE_B) * 5:
        _dibao(village)
    web = client_for(county_admin)
    with django_assert_max_num_queries(16):
        response = web.get("/visits/")
    assert response.status_code == 200
    assert response.context["totals"] == {"households": 15, "overdue": 0}


@pytest.mark.django_db
def test_another_grid_worker_sees_only_their_village(grid_a: User) -> None:
    other = User.objects.create(username="grid_a2", role=Role.GRID_WORKER, region_id=VILLAGE_A2)
    mine, theirs = _dibao(VILLAGE_A), _dibao(VILLAGE_A2)

    assert set(_rows(other, VILLAGE_A2)) == {theirs.pk}
    assert mine.pk not in {h.pk for h in due_households(Area(other, TODAY))}
