"""救助赶大集: planning an event, recording at the stall, tallies, leads, wishes and scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEvent
from cases.choices import Channel
from cases.services.intake import IntakeInput, case_create
from demo.reference import TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import household_of
from outreach.models import EntryKind, EventEntry, OutreachEvent, Visit, Wish, WishSource, WishState
from outreach.selectors import events as selectors
from outreach.services.events import EventInput, WishInput, entry_record, event_create, event_update

C, OP, M, A, L = (EntryKind.CONSULTATION, EntryKind.OPINION, EntryKind.MATERIALS,
                  EntryKind.APPLICATION, EntryKind.LEAD)


def today() -> Any:
    return timezone.localdate()


def plan(actor: Any, *, region: str = TOWNSHIP_A, held_on: Any = None,
         staff: list[int] | None = None, title: str = "救助赶大集 服务零距离") -> OutreachEvent:
    return event_create(actor=actor, data=EventInput(
        title=title, region_code=region, place="寨子街村农贸市场",
        held_on=held_on or today(), staff_ids=staff or [], staff_note="区民政局2人"))


def audited(action: str, **lookup: Any) -> AuditEvent:
    return AuditEvent.objects.get(action=action, **lookup)


def after(event: AuditEvent) -> dict[str, Any]:
    assert event.after is not None
    return dict(event.after)


def proxy_case(grid_worker: Any, household: Any) -> Any:
    """A 帮办 application started at the stall, the way cases:case_create takes it."""
    return case_create(actor=grid_worker, household=household, data=IntakeInput(
        programme="dibao_rural", channel=Channel.PROXY, reason="看病花光积蓄",
        mandate_note="老人腿脚不便，现场委托网格员帮办"))


# ---- planning -------------------------------------------------------------------------------

def test_clerk_plans_an_event_with_staff_of_the_township_and_the_county(
        clerk_a, reviewer_a, grid_a, county_admin):
    event = plan(clerk_a, held_on=today() + timedelta(days=7),
                 staff=[reviewer_a.pk, grid_a.pk, county_admin.pk])

    assert (event.region_id, event.created_by) == (TOWNSHIP_A, clerk_a)
    assert set(event.staff.all()) == {reviewer_a, grid_a, county_admin}
    audit = audited("outreach.event_create", object_id=str(event.pk))
    assert audit.region_code == TOWNSHIP_A and after(audit)["place"] == "寨子街村农贸市场"


@pytest.mark.parametrize(("change", "field"), [
    ({"region_code": TOWNSHIP_B}, "region"),  # another township
    ({"region_code": "620802000000"}, "region"),  # the county is not a venue
    ({"title": "  "}, "title"),
    ({"place": ""}, "place"),
    ({"held_on": None}, "held_on"),
])
def test_bad_event_input_is_refused_and_creates_nothing(clerk_a, change, field):
    data = {"title": "赶大集", "region_code": TOWNSHIP_A, "place": "集市", "held_on": today(),
            "staff_ids": [], **change}
    with pytest.raises(ApplicationError) as err:
        event_create(actor=clerk_a, data=EventInput(**data))
    assert err.value.field == field
    assert not OutreachEvent.objects.exists()


def test_staff_of_another_township_cannot_be_listed(clerk_a, clerk_b):
    with pytest.raises(ApplicationError) as err:
        plan(clerk_a, staff=[clerk_b.pk])
    assert err.value.field == "staff"
    assert not OutreachEvent.objects.exists()


def test_a_planned_event_can_change_until_its_day(clerk_a, reviewer_a):
    event = plan(clerk_a, held_on=today() + timedelta(days=3))
    moved = event_update(actor=clerk_a, event=event, data=EventInput(
        title="救助赶大集", region_code="620802100201", place="大寨村广场",
        held_on=today() + timedelta(days=5), staff_ids=[reviewer_a.pk]))

    assert (moved.region_id, moved.place, moved.held_on) == (
        "620802100201", "大寨村广场", today() + timedelta(days=5))
    assert list(moved.staff.all()) == [reviewer_a]
    audit = audited("outreach.event_update")
    assert (audit.before or {})["place"] == "寨子街村农贸市场"
    assert after(audit)["place"] == "大寨村广场"


def test_a_held_event_cannot_change(clerk_a):
    event = plan(clerk_a, held_on=today())
    with pytest.raises(ApplicationError) as err:
        event_update(actor=clerk_a, event=event, data=EventInput(
            title="改名", region_code=TOWNSHIP_A, place="别处", held_on=today() + timedelta(days=1),
            staff_ids=[]))
    assert err.value.code == "transition"
    event.refresh_from_db()
    assert (event.title, event.place) == ("救助赶大集 服务零距离", "寨子街村农贸市场")


def test_a_planned_event_cannot_be_moved_into_the_past(clerk_a):
    event = plan(clerk_a, held_on=today() + timedelta(days=2))
    with pytest.raises(ApplicationError) as err:
        event_update(actor=clerk_a, event=event, data=EventInput(
            title="x", region_code=TOWNSHIP_A, place="x", held_on=today() - timedelta(days=1),
            staff_ids=[]))
    assert err.value.field == "held_on"
    event.refresh_from_db()
    assert event.held_on == today() + timedelta(days=2)


# ---- recording at the stall -----------------------------------------------------------------

def test_counts_are_recorded_and_audited(clerk_a, grid_a):
    event = plan(clerk_a, staff=[grid_a.pk])
    entry = entry_record(actor=grid_a, event=event, kind=C, count=5, note="上午")

    assert (entry.kind, entry.count, entry.note, entry.recorded_by) == (C, 5, "上午", grid_a)
    audit = audited("outreach.event_entry_record", object_id=str(entry.pk))
    assert audit.region_code == TOWNSHIP_A and after(audit)["count"] == 5


@pytest.mark.parametrize(("kind", "count", "field"), [
    (C, 0, "count"), (C, -3, "count"), (C, "很多", "count"), (C, None, "count"),
    (C, 10000, "count"), ("livestream", 1, "kind"),
])
def test_bad_entries_are_refused_and_record_nothing(clerk_a, kind, count, field):
    event = plan(clerk_a)
    with pytest.raises(ApplicationError) as err:
        entry_record(actor=clerk_a, event=event, kind=kind, count=count)
    assert err.value.field == field
    assert not EventEntry.objects.exists()


def test_nothing_is_recorded_before_the_event_day(clerk_a):
    event = plan(clerk_a, held_on=today() + timedelta(days=1))
    with pytest.raises(ApplicationError) as err:
        entry_record(actor=clerk_a, event=event, kind=C, count=1)
    assert err.value.code == "transition"
    assert not EventEntry.objects.exists()


def test_entries_may_be_recorded_after_the_event(clerk_a):
    event = plan(clerk_a, held_on=today() - timedelta(days=3))
    entry_record(actor=clerk_a, event=event, kind=OP, count=131)
    assert EventEntry.objects.get().count == 131


def test_an_application_is_linked_to_its_case_by_number(clerk_a, grid_a):
    event = plan(clerk_a, staff=[grid_a.pk])
    case = proxy_case(grid_a, household_of(2))

    entry = entry_record(actor=grid_a, event=event, kind=A, count=1, case=f" {case.number} ")

    assert entry.case == case and entry.count == 1
    assert after(audited("outreach.event_entry_record"))["case"] == case.number


def test_an_application_needs_a_case_number_of_the_area(clerk_a, household_b):
    event = plan(clerk_a)
    other = enrolled(household_b).case  # a real case, but township B's
    for number, message in [("", "请填写"), ("DB2026999999", "没有编号"), (other.number, "没有编号")]:
        with pytest.raises(ApplicationError) as err:
            entry_record(actor=clerk_a, event=event, kind=A, count=1, case=number)
        assert err.value.field == "case" and message in err.value.message
    assert not EventEntry.objects.exists()


def test_an_application_counts_once(clerk_a, grid_a):
    event = plan(clerk_a)
    case = proxy_case(grid_a, household_of(1))
    with pytest.raises(ApplicationError) as two:
        entry_record(actor=clerk_a, event=event, kind=A, count=2, case=case.number)
    assert two.value.field == "count"
    entry_record(actor=clerk_a, event=event, kind=A, count=1, case=case.number)
    with pytest.raises(ApplicationError) as again:
        entry_record(actor=clerk_a, event=event, kind=A, count=1, case=case.number)
    assert again.value.code == "duplicate"
    assert EventEntry.objects.count() == 1


def test_only_an_application_names_a_case(clerk_a, grid_a):
    event = plan(clerk_a)
    case = proxy_case(grid_a, household_of(1))
    with pytest.raises(ApplicationError) as err:
        entry_record(actor=clerk_a, event=event, kind=C, count=1, case=case.number)
    assert err.value.field == "case"
    assert not EventEntry.objects.exists()


def test_a_lead_names_one_household_of_the_area(clerk_a, household_a, household_b):
    event = plan(clerk_a)
    for household, field in [(None, "household"), (household_b, "household")]:
        with pytest.raises(ApplicationError) as err:
            entry_record(actor=clerk_a, event=event, kind=L, count=1, household=household)
        assert err.value.field == field
    assert not EventEntry.objects.exists()

    entry_record(actor=clerk_a, event=event, kind=L, count=1, household=household_a,
                 note="老人独居，看病花光积蓄")
    with pytest.raises(ApplicationError) as again:
        entry_record(actor=clerk_a, event=event, kind=L, count=1, household=household_a)
    assert again.value.code == "duplicate"
    assert EventEntry.objects.filter(kind=L).count() == 1


def test_the_database_refuses_an_application_without_a_case(clerk_a):
    event = plan(clerk_a)
    with pytest.raises(IntegrityError):
        EventEntry.objects.create(event=event, kind=A, count=1, recorded_by=clerk_a)


# ---- wishes heard at the event ----------------------------------------------------------------

def test_a_wish_heard_at_the_stall_goes_into_the_ledger(clerk_a, household_a):
    event = plan(clerk_a)
    entry_record(actor=clerk_a, event=event, kind=L, count=1, household=household_a,
                 wish=WishInput(content="想要一台轮椅", person_name="张三", category="care"))

    wish = Wish.objects.get()
    assert (wish.source, wish.event, wish.household, wish.village_id) == (
        WishSource.EVENT, event, household_a, household_a.village_id)
    assert wish.state == WishState.CLASSIFIED
    assert after(audited("outreach.event_entry_record"))["wish"] == wish.number


def test_a_wish_without_a_household_names_its_village(clerk_a):
    event = plan(clerk_a)
    entry_record(actor=clerk_a, event=event, kind=C, count=1,
                 wish=WishInput(content="孩子上学有困难", person_name="王大妈",
                                village_code="620802100202"))
    assert Wish.objects.get().village_id == "620802100202"


@pytest.mark.parametrize(("wish", "field"), [
    (WishInput(content="", person_name="王大妈", village_code="620802100202"), "wish_content"),
    (WishInput(content="轮椅", person_name="", village_code="620802100202"), "wish_person_name"),
    (WishInput(content="轮椅", person_name="王大妈"), "wish_village"),
    (WishInput(content="轮椅", person_name="王大妈", village_code="620802101201"), "wish_village"),
])
def test_a_bad_wish_records_neither_wish_nor_entry(clerk_a, wish, field):
    event = plan(clerk_a)
    with pytest.raises(ApplicationError) as err:
        entry_record(actor=clerk_a, event=event, kind=C, count=3, wish=wish)
    assert err.value.field == field
    assert not EventEntry.objects.exists() and not Wish.objects.exists()


# ---- tallies ----------------------------------------------------------------------------------

def test_tallies_equal_the_entries(clerk_a, grid_a, household_a):
    event = plan(clerk_a, staff=[grid_a.pk])
    other = plan(clerk_a, title="另一场")
    for kind, count in [(C, 300), (C, 200), (OP, 131), (M, 200), (M, 64)]:
        entry_record(actor=clerk_a, event=event, kind=kind, count=count)
    entry_record(actor=clerk_a, event=other, kind=C, count=7)  # another event's entry
    case = proxy_case(grid_a, household_of(1))
    entry_record(actor=grid_a, event=event, kind=A, count=1, case=case.number)
    entry_record(actor=grid_a, event=event, kind=L, count=1, household=household_a)

    tallies = {t.kind: t.total for t in selectors.event_tallies(event)}

    assert tallies == {C: 500, OP: 131, M: 264, A: 1, L: 1}
    assert selectors.kind_totals([event.pk, other.pk])[other.pk] == {C: 7}
    rows = selectors.event_applications(clerk_a, event)
    assert [(r.entry.case_id, r.case) for r in rows] == [(case.pk, case)]


def test_a_lead_shows_whether_it_has_been_visited(clerk_a, grid_a, household_a):
    event = plan(clerk_a, held_on=today() - timedelta(days=2))
    entry_record(actor=clerk_a, event=event, kind=L, count=1, household=household_a)
    # A visit before the event does not follow the lead up.
    Visit.objects.create(household=household_a, worker=grid_a,
                         visited_on=today() - timedelta(days=10))
    [row] = selectors.event_leads(clerk_a, event)
    assert row.household == household_a and row.visited_on is None

    Visit.objects.create(household=household_a, worker=grid_a, visited_on=today())
    [row] = selectors.event_leads(clerk_a, event)
    assert row.visited_on == today()


def test_county_summary_adds_up_per_township(clerk_a, clerk_b, county_admin):
    a = plan(clerk_a)
    village_event = plan(clerk_a, region="620802100201")
    b = plan(clerk_b, region=TOWNSHIP_B)
    entry_record(actor=clerk_a, event=a, kind=C, count=500)
    entry_record(actor=clerk_a, event=village_event, kind=C, count=20)
    entry_record(actor=clerk_b, event=b, kind=M, count=30)

    rows, total = selectors.county_summary(county_admin, None, None)
    by_code = {r.township.code: r for r in rows if r.township}
    assert (by_code[TOWNSHIP_A].events, by_code[TOWNSHIP_A].totals) == (2, {C: 520})
    assert (by_code[TOWNSHIP_B].events, by_code[TOWNSHIP_B].totals) == (1, {M: 30})
    assert (total.events, total.totals) == (3, {C: 520, M: 30})

    rows_b, total_b = selectors.county_summary(clerk_b, None, None)
    assert [r.township.code for r in rows_b if r.township] == [TOWNSHIP_B]
    assert (total_b.events, total_b.totals) == (1, {M: 30})

    _rows, none = selectors.county_summary(county_admin, today() + timedelta(days=1), None)
    assert none.events == 0 and none.totals == {}


# ---- scope ----------------------------------------------------------------------------------

def test_township_b_neither_sees_nor_records_on_township_a_events(clerk_a, clerk_b):
    event = plan(clerk_a)
    with pytest.raises(Http404):
        selectors.event_get(clerk_b, event.pk)
    assert not selectors.event_list(clerk_b, selectors.EventFilter()).exists()
    with pytest.raises(ApplicationError) as err:
        entry_record(actor=clerk_b, event=event, kind=C, count=1)
    assert err.value.code == "not_found"
    with pytest.raises(ApplicationError):
        event_update(actor=clerk_b, event=event, data=EventInput(
            title="x", region_code=TOWNSHIP_B, place="x", held_on=today(), staff_ids=[]))
    assert not EventEntry.objects.exists()


def test_a_grid_worker_records_only_at_events_they_staff(clerk_a, grid_a):
    """A township event lies above a village worker's area: staffing it is what opens it."""
    event = plan(clerk_a)
    with pytest.raises(Http404):
        selectors.event_get(grid_a, event.pk)
    with pytest.raises(ApplicationError):
        entry_record(actor=grid_a, event=event, kind=C, count=1)

    event.staff.add(grid_a)
    assert selectors.event_get(grid_a, event.pk) == event
    assert list(selectors.event_list(grid_a, selectors.EventFilter())) == [event]
    entry_record(actor=grid_a, event=event, kind=C, count=1)
    assert EventEntry.objects.get().recorded_by == grid_a


def test_an_event_page_hides_cases_and_households_outside_the_readers_area(
        county_admin, clerk_a, household_b):
    """A township B family came to township A's market; the county recorded it."""
    event = plan(county_admin)
    case = enrolled(household_b).case
    entry_record(actor=county_admin, event=event, kind=A, count=1, case=case.number)
    entry_record(actor=county_admin, event=event, kind=L, count=1, household=household_b)

    [application] = selectors.event_applications(clerk_a, event)
    [lead] = selectors.event_leads(clerk_a, event)
    assert application.case is None and lead.household is None and lead.applicant is None
    [application] = selectors.event_applications(county_admin, event)
    assert application.case == case
