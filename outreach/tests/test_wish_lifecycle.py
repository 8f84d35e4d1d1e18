"""The 微心愿 lifecycle: every move, the illegal ones, who may make each, deadlines in working
days, and the 回访 that reopens a wish."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from functools import partial
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from demo.reference import COUNTY, TOWNSHIP_A, VILLAGE_A
from jiuzhu.errors import ApplicationError
from outreach.models import Satisfaction, Wish, WishSource, WishState
from outreach.services import wishes as services
from policies.models import Department, Parameter, ValueType

pytestmark = pytest.mark.django_db
S = WishState


def record(actor: Any, *, village: str = VILLAGE_A, category: str = "",
           person_name: str = "张三", content: str = "想要一台轮椅") -> Wish:
    return services.wish_record(actor=actor, village_code=village, content=content,
                                person_name=person_name, source=WishSource.VISIT,
                                category=category)


def in_state(actor: Any, state: str, **fields: Any) -> Wish:
    """A wish put straight into `state` (to test one move without walking the others)."""
    wish = record(actor, category="medical")
    Wish.objects.filter(pk=wish.pk).update(state=state, **fields)
    return Wish.objects.get(pk=wish.pk)


def set_today(monkeypatch: pytest.MonkeyPatch, day: date, at: time = time(10, 0)) -> None:
    """Set today (10:00 China time): timezone.localdate() and auto_now follow it."""
    moment = datetime.combine(day, at, tzinfo=timezone.get_current_timezone())
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    return partial(set_today, monkeypatch)


def department() -> Department:
    return Department.objects.order_by("name").first()  # type: ignore[return-value]


# Valid input for every move, by service.
def call(action: str, actor: Any, wish: Wish, **override: Any) -> Wish:
    valid: dict[str, dict[str, Any]] = {
        "classify": {"category": "medical"},
        "resolve_on_spot": {"result": "当场送去轮椅"},
        "assign": {"department_id": department().pk, "responsible_person": "王医生",
                   "responsible_phone": "0933-8211001"},
        "start": {},
        "resolve": {"result": "已联系残联配发轮椅"},
        "feedback": {"feedback": "电话告知心愿人"},
        "revisit": {"satisfaction": Satisfaction.SATISFIED, "note": "很满意"},
        "close": {},
    }
    service = getattr(services, f"wish_{action}")
    return service(actor=actor, wish_id=wish.pk, **(valid[action] | override))


def snapshot(wish: Wish) -> tuple[Any, ...]:
    wish.refresh_from_db()
    return (wish.state, wish.category, wish.department_id, wish.responsible_person,
            wish.responsible_phone, wish.due_on, wish.result, wish.feedback, wish.satisfaction,
            wish.reopen_count, AuditEvent.objects.filter(object_id=str(wish.pk)).count())


# -- the whole way through ------------------------------------------------------------------------

def test_a_wish_from_record_to_close(grid_a: Any, clerk_a: Any, reviewer_a: Any,
                                     clock: Callable[[date], None]) -> None:
    clock(date(2026, 3, 10))
    wish = record(grid_a)
    assert wish.state == S.COLLECTED and wish.number == f"XY2026{wish.pk:06d}"
    call("classify", clerk_a, wish)
    call("assign", reviewer_a, wish)
    call("start", clerk_a, wish)
    call("resolve", clerk_a, wish)
    call("feedback", grid_a, wish)
    call("revisit", grid_a, wish)
    closed = call("close", clerk_a, wish)
    wish.refresh_from_db()
    assert closed.state == wish.state == S.CLOSED
    assert (wish.category, wish.department, wish.responsible_person) == (
        "medical", department(), "王医生")
    # 2026-03-10 + 10 working days: no holiday in between, two weekends.
    assert wish.due_on == date(2026, 3, 24) and not wish.due_provisional
    assert wish.result == "已联系残联配发轮椅" and wish.feedback == "电话告知心愿人"
    assert wish.satisfaction == Satisfaction.SATISFIED and wish.revisit_note == "很满意"
    assert wish.resolved_at and wish.feedback_at and wish.revisited_at and wish.closed_at
    trail = AuditEvent.objects.filter(object_type="outreach.wish", object_id=str(wish.pk))
    assert [(e.action, e.actor) for e in trail.order_by("id")] == [
        ("outreach.wish_record", grid_a), ("outreach.wish_classify", clerk_a),
        ("outreach.wish_assign", reviewer_a), ("outreach.wish_start", clerk_a),
        ("outreach.wish_resolve", clerk_a), ("outreach.wish_feedback", grid_a),
        ("outreach.wish_revisit", grid_a), ("outreach.wish_close", clerk_a)]
    assert all(e.region_code == VILLAGE_A for e in trail)
    assert trail.get(action="outreach.wish_assign").after == {
        "state": S.ASSIGNED, "department": department().name, "responsible_person": "王医生",
        "due_on": "2026-03-24", "due_provisional": False}


def test_resolved_on_the_spot_with_feedback_at_once_still_needs_a_revisit(
        grid_a: Any, clerk_a: Any) -> None:
    wish = record(grid_a)
    services.wish_resolve_on_spot(actor=clerk_a, wish_id=wish.pk, result="当场讲解了政策",
                                  category="policy", feedback="当面告知")
    wish.refresh_from_db()
    assert (wish.state, wish.category, wish.feedback) == (S.FEEDBACK_GIVEN, "policy", "当面告知")
    assert wish.due_on is None  # never assigned: no deadline to be overdue against
    actions = list(AuditEvent.objects.filter(object_id=str(wish.pk)).order_by("id")
                   .values_list("action", flat=True))
    assert actions[-2:] == ["outreach.wish_resolve_on_spot", "outreach.wish_feedback_on_spot"]
    with pytest.raises(ApplicationError) as exc:
        call("close", clerk_a, wish)
    assert exc.value.code == "transition"
    call("revisit", grid_a, wish, satisfaction=Satisfaction.BASIC, note="")
    assert call("close", clerk_a, wish).state == S.CLOSED


def test_resolved_on_the_spot_without_feedback_waits_for_it(clerk_a: Any) -> None:
    wish = record(clerk_a, category="living")
    call("resolve_on_spot", clerk_a, wish)
    wish.refresh_from_db()
    assert wish.state == S.RESOLVED_ON_SPOT and wish.category == "living"
    # Township staff may give the feedback of what they resolved in front of the household.
    assert call("feedback", clerk_a, wish).state == S.FEEDBACK_GIVEN


def test_an_unclassified_wish_needs_a_category_to_be_resolved_on_the_spot(clerk_a: Any) -> None:
    wish = record(clerk_a)
    before = snapshot(wish)
    with pytest.raises(ApplicationError) as exc:
        call("resolve_on_spot", clerk_a, wish)
    assert exc.value.field == "category"
    assert snapshot(wish) == before


# -- the transition table -------------------------------------------------------------------------

SERVICE_MOVES = {
    "classify": ({S.COLLECTED}, S.CLASSIFIED),
    "resolve_on_spot": ({S.COLLECTED, S.CLASSIFIED}, S.RESOLVED_ON_SPOT),
    "assign": ({S.CLASSIFIED}, S.ASSIGNED),
    "start": ({S.ASSIGNED}, S.IN_PROGRESS),
    "resolve": ({S.IN_PROGRESS}, S.RESOLVED),
    "feedback": ({S.RESOLVED, S.RESOLVED_ON_SPOT}, S.FEEDBACK_GIVEN),
    "revisit": ({S.FEEDBACK_GIVEN}, S.REVISITED),
    "close": ({S.REVISITED}, S.CLOSED),
}


@pytest.mark.parametrize("action", list(SERVICE_MOVES))
def test_each_move_from_each_state(action: str, county_admin: Any) -> None:
    sources, target = SERVICE_MOVES[action]
    for state in S:
        wish = in_state(county_admin, state)
        if state in sources:
            assert call(action, county_admin, wish).state == target
            wish.refresh_from_db()
            assert wish.state == target, state
            continue
        before = snapshot(wish)
        with pytest.raises(ApplicationError) as exc:
            call(action, county_admin, wish)
        assert exc.value.code == "transition", state
        assert str(S(state).label) in exc.value.message
        assert snapshot(wish) == before, state


def test_the_table_covers_every_state_but_closed() -> None:
    states = set(S.values)
    reachable = {m.target for m in services.MOVES}
    leaving: set[str] = set().union(*(m.sources for m in services.MOVES))
    assert reachable | {S.COLLECTED} == states
    assert states - leaving == {S.CLOSED}


# -- who may make each move -----------------------------------------------------------------------

ROLES = {
    # action: (state it starts from, users who may)
    "classify": (S.COLLECTED, {"clerk_a", "reviewer_a", "county_admin"}),
    "resolve_on_spot": (S.CLASSIFIED, {"clerk_a", "reviewer_a", "county_admin"}),
    "assign": (S.CLASSIFIED, {"clerk_a", "reviewer_a", "county_admin"}),
    "start": (S.ASSIGNED, {"clerk_a", "reviewer_a", "county_admin"}),
    "resolve": (S.IN_PROGRESS, {"clerk_a", "reviewer_a", "county_admin"}),
    "feedback": (S.RESOLVED, {"grid_a", "county_admin"}),
    "revisit": (S.FEEDBACK_GIVEN, {"grid_a", "county_admin"}),
    "close": (S.REVISITED, {"clerk_a", "reviewer_a", "county_admin"}),
}
PERSONAS = ["grid_a", "clerk_a", "reviewer_a", "county_admin", "auditor", "liaison", "clerk_b"]


@pytest.mark.parametrize("action", list(ROLES))
def test_roles_per_move(action: str, request: pytest.FixtureRequest, county_admin: Any) -> None:
    state, allowed = ROLES[action]
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        wish = in_state(county_admin, state)
        if persona in allowed:
            assert call(action, user, wish).state != state, persona
            continue
        before = snapshot(wish)
        with pytest.raises(ApplicationError) as exc:
            call(action, user, wish)
        assert exc.value.code == "forbidden", persona
        # clerk_b is a township clerk, but of township B: the wish is not in their region.
        if persona == "clerk_b":
            assert "辖区" in exc.value.message
        assert snapshot(wish) == before, persona


def test_feedback_after_an_on_the_spot_resolution_is_open_to_township_staff(
        grid_a: Any, reviewer_a: Any, auditor: Any) -> None:
    wish = in_state(grid_a, S.RESOLVED_ON_SPOT)
    with pytest.raises(ApplicationError):
        call("feedback", auditor, wish)
    assert call("feedback", reviewer_a, wish).state == S.FEEDBACK_GIVEN


def test_a_grid_worker_acts_only_in_their_own_village(grid_a: Any, county_admin: Any) -> None:
    other_village = TOWNSHIP_A[:9] + "202"  # 太统村, same township
    wish = in_state(county_admin, S.RESOLVED)
    Wish.objects.filter(pk=wish.pk).update(village_id=other_village)
    with pytest.raises(ApplicationError) as exc:
        call("feedback", grid_a, wish)
    assert exc.value.code == "forbidden"


# -- the deadline ----------------------------------------------------------------------------------

def test_the_due_date_counts_working_days_across_the_spring_festival(
        clerk_a: Any, clock: Callable[[date], None]) -> None:
    # Assigned Thu 2026-02-12. Ten working days: Fri 13, Sat 14 (调休), [15–23 holiday],
    # 24, 25, 26, 27, Sat 28 (调休), Mon 03-02, 03, 04. Calendar days would give 02-22.
    clock(date(2026, 2, 12))
    wish = in_state(clerk_a, S.CLASSIFIED)
    call("assign", clerk_a, wish)
    wish.refresh_from_db()
    assert wish.due_on == date(2026, 3, 4) and wish.due_provisional is False


def test_the_due_days_come_from_the_wish_s_region(clerk_a: Any,
                                                  clock: Callable[[date], None]) -> None:
    Parameter.objects.create(key="wish.due_days", region_id=TOWNSHIP_A, value="3",
                             value_type=ValueType.INTEGER, effective_from=date(2026, 1, 1))
    clock(date(2026, 2, 12))
    wish = in_state(clerk_a, S.CLASSIFIED)
    call("assign", clerk_a, wish)
    wish.refresh_from_db()
    assert wish.due_on == date(2026, 2, 24)  # Fri 13, Sat 14 (调休), Tue 24


def test_a_due_date_in_an_unpublished_year_is_provisional(
        clerk_a: Any, clock: Callable[[date], None]) -> None:
    clock(date(2026, 12, 28))
    wish = in_state(clerk_a, S.CLASSIFIED)
    call("assign", clerk_a, wish)
    wish.refresh_from_db()
    assert wish.due_on == date(2027, 1, 11) and wish.due_provisional is True


def test_without_the_parameter_nothing_is_assigned(clerk_a: Any) -> None:
    Parameter.objects.filter(key="wish.due_days").delete()
    wish = in_state(clerk_a, S.CLASSIFIED)
    before = snapshot(wish)
    with pytest.raises(ApplicationError) as exc:
        call("assign", clerk_a, wish)
    assert "wish.due_days" in exc.value.message
    assert snapshot(wish) == before


# -- 回访 不满意 ------------------------------------------------------------------------------------

def test_an_unsatisfied_revisit_reopens_the_wish_with_a_new_deadline(
        grid_a: Any, clerk_a: Any, clock: Callable[[date], None]) -> None:
    clock(date(2026, 3, 2))
    wish = in_state(clerk_a, S.CLASSIFIED)
    call("assign", clerk_a, wish)
    call("start", clerk_a, wish)
    call("resolve", clerk_a, wish)
    call("feedback", grid_a, wish)
    clock(date(2026, 3, 20))
    call("revisit", grid_a, wish, satisfaction=Satisfaction.UNSATISFIED, note="轮椅尺寸不合适")
    wish.refresh_from_db()
    assert wish.state == S.IN_PROGRESS and wish.reopen_count == 1
    assert wish.satisfaction == Satisfaction.UNSATISFIED and wish.revisit_note == "轮椅尺寸不合适"
    assert wish.due_on == date(2026, 4, 3)  # a fresh 10 working days from 03-20
    event = AuditEvent.objects.filter(object_id=str(wish.pk)).latest("id")
    assert (event.action, event.reason, event.after) == (
        "outreach.wish_reopen", "轮椅尺寸不合适",
        {"state": S.IN_PROGRESS, "satisfaction": "unsatisfied", "reopen_count": 1,
         "due_on": "2026-04-03"})
    with pytest.raises(ApplicationError):
        call("close", clerk_a, wish)
    # Handled again, and this time the household is satisfied.
    call("resolve", clerk_a, wish, result="换了一台合适的轮椅")
    call("feedback", grid_a, wish)
    call("revisit", grid_a, wish)
    assert call("close", clerk_a, wish).state == S.CLOSED
    wish.refresh_from_db()
    assert wish.reopen_count == 1 and wish.satisfaction == Satisfaction.SATISFIED


def test_an_unsatisfied_revisit_needs_its_reason(grid_a: Any) -> None:
    wish = in_state(grid_a, S.FEEDBACK_GIVEN)
    before = snapshot(wish)
    with pytest.raises(ApplicationError) as exc:
        call("revisit", grid_a, wish, satisfaction=Satisfaction.UNSATISFIED, note="  ")
    assert exc.value.field == "revisit_note" and "原因" in exc.value.message
    assert snapshot(wish) == before


# -- bad input changes nothing --------------------------------------------------------------------

@pytest.mark.parametrize(("action", "state", "override", "field"), [
    ("classify", S.COLLECTED, {"category": "toys"}, "category"),
    ("classify", S.COLLECTED, {"category": ""}, "category"),
    ("resolve_on_spot", S.CLASSIFIED, {"result": " "}, "result"),
    ("assign", S.CLASSIFIED, {"department_id": None, "responsible_person": ""}, "department"),
    ("assign", S.CLASSIFIED, {"department_id": 999_999}, "department"),
    ("assign", S.CLASSIFIED, {"responsible_phone": ""}, "responsible_phone"),
    ("assign", S.CLASSIFIED, {"responsible_phone": "call me"}, "responsible_phone"),
    ("assign", S.CLASSIFIED, {"responsible_person": "王" * 51}, "responsible_person"),
    ("resolve", S.IN_PROGRESS, {"result": ""}, "result"),
    ("resolve", S.IN_PROGRESS, {"result": "长" * 1001}, "result"),
    ("feedback", S.RESOLVED, {"feedback": ""}, "feedback"),
    ("revisit", S.FEEDBACK_GIVEN, {"satisfaction": "meh"}, "satisfaction"),
])
def test_bad_input_names_the_field_and_changes_nothing(
        action: str, state: str, override: dict[str, Any], field: str,
        county_admin: Any) -> None:
    wish = in_state(county_admin, state)
    before = snapshot(wish)
    with pytest.raises(ApplicationError) as exc:
        call(action, county_admin, wish, **override)
    assert exc.value.field == field and exc.value.message
    assert snapshot(wish) == before


def test_a_department_alone_or_a_person_with_a_phone_is_enough(clerk_a: Any) -> None:
    by_department = in_state(clerk_a, S.CLASSIFIED)
    call("assign", clerk_a, by_department, responsible_person="", responsible_phone="")
    by_person = in_state(clerk_a, S.CLASSIFIED)
    call("assign", clerk_a, by_person, department_id=None, responsible_phone="13912345678")
    by_department.refresh_from_db()
    by_person.refresh_from_db()
    assert (by_department.department_id, by_department.responsible_person) == (
        department().pk, "")
    assert (by_person.department_id, by_person.responsible_phone) == (None, "13912345678")


def test_the_county_admin_acts_anywhere_in_the_county(county_admin: Any) -> None:
    wish = in_state(county_admin, S.COLLECTED)
    Wish.objects.filter(pk=wish.pk).update(village_id="620802101201")  # township B
    assert call("classify", county_admin, wish).state == S.CLASSIFIED
    assert county_admin.region_id == COUNTY[0]
