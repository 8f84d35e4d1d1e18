"""Acting on a warning: every move, the illegal ones, who may make each, the case link, and bad
input that changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from audit.models import AuditEvent
from cases.choices import CaseState
from cases.models import Case
from demo.reference import VILLAGE_A
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.factories import household_with_applicant
from monitoring.models import Warning, WarningState
from monitoring.services import warnings as services

from .warning_data import case_for, clock_for, raise_warning

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    return clock_for(monkeypatch)
S = WarningState
OTHER_VILLAGE_A = "620802100202"  # 太统村, township A but not grid_a's village


def call(action: str, actor: Any, warning: Warning, **override: Any) -> Warning:
    """A move with valid input unless overridden."""
    valid: dict[str, dict[str, Any]] = {
        "contact": {"note": "入户走访，户主失业在家，已讲解低保政策"},
        "open_case": {"case_number": ""},  # the tests name the case
        "no_action": {"reason": "已重新就业，收入稳定"},
        "close": {"result": "低保已获批"},
    }
    service = getattr(services, f"warning_{action}")
    return service(actor=actor, warning_id=warning.pk, **(valid[action] | override))


def snapshot(warning: Warning) -> tuple[Any, ...]:
    warning.refresh_from_db()
    return (warning.state, warning.contact_note, warning.contacted_at, warning.contacted_by_id,
            warning.case_id, warning.no_action_reason, warning.acted_at, warning.acted_by_id,
            warning.result, warning.closed_at,
            AuditEvent.objects.filter(object_type="monitoring.warning").count())


def in_state(household: Any, state: str) -> Warning:
    return raise_warning(household, state=state)


# -- the whole way through ------------------------------------------------------------------------

def test_contact_then_case_then_closed(household_a: Any, grid_a: Any, clerk_a: Any,
                                       reviewer_a: Any, clock: Callable[[date], None]) -> None:
    clock(date(2026, 3, 4))
    warning = raise_warning(household_a)
    case = case_for(household_a)
    call("contact", grid_a, warning)
    clock(date(2026, 3, 5))
    call("open_case", clerk_a, warning, case_number=case.number.lower())  # typed in lower case
    closed = call("close", reviewer_a, warning)
    warning.refresh_from_db()
    assert closed.state == warning.state == S.CLOSED
    assert warning.contact_note == "入户走访，户主失业在家，已讲解低保政策"
    assert warning.contacted_at and warning.acted_at
    assert warning.contacted_by == grid_a and warning.contacted_at.date() == date(2026, 3, 4)
    assert warning.case == case
    assert warning.acted_by == clerk_a and warning.acted_at.date() == date(2026, 3, 5)
    assert warning.result == "低保已获批" and warning.closed_at is not None
    trail = AuditEvent.objects.filter(object_type="monitoring.warning",
                                      object_id=str(warning.pk)).order_by("id")
    assert [(e.action, e.actor) for e in trail] == [
        ("monitoring.warning_contact", grid_a), ("monitoring.warning_open_case", clerk_a),
        ("monitoring.warning_close", reviewer_a)]
    assert all(e.region_code == VILLAGE_A for e in trail)
    assert trail[1].before == {"state": S.CONTACTED}
    assert trail[1].after == {"state": S.CASE_OPENED, "case": case.number}


def test_no_action_straight_from_open_then_closed(household_a: Any, clerk_a: Any) -> None:
    warning = raise_warning(household_a)
    call("no_action", clerk_a, warning)
    warning.refresh_from_db()
    assert warning.state == S.NO_ACTION and warning.no_action_reason == "已重新就业，收入稳定"
    assert warning.acted_by == clerk_a and warning.contacted_at is None
    assert call("close", clerk_a, warning, result="经核实无需救助").state == S.CLOSED


def test_no_action_after_contact(household_a: Any, clerk_a: Any) -> None:
    warning = raise_warning(household_a)
    call("contact", clerk_a, warning)
    assert call("no_action", clerk_a, warning).state == S.NO_ACTION


# -- illegal moves ----------------------------------------------------------------------------------

LEGAL = {(S.OPEN, "contact"), (S.OPEN, "no_action"), (S.CONTACTED, "open_case"),
         (S.CONTACTED, "no_action"), (S.CASE_OPENED, "close"), (S.NO_ACTION, "close")}
ILLEGAL = sorted((state, action) for state in S.values for action in services.MOVE_BY_ACTION
                 if (state, action) not in LEGAL)


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_illegal_moves_are_refused_and_change_nothing(
        household_a: Any, county_admin: Any, state: str, action: str) -> None:
    warning = in_state(household_a, state)
    case = case_for(household_a)
    before = snapshot(warning)
    with pytest.raises(ApplicationError) as exc:
        call(action, county_admin, warning,
             **({"case_number": case.number} if action == "open_case" else {}))
    assert exc.value.code == "transition" and exc.value.status == 409
    assert snapshot(warning) == before


def test_the_table_is_what_the_tests_say() -> None:
    """If a move is added, LEGAL above (and so the illegal list) must be revisited."""
    table = {(s, m.action) for m in services.MOVES for s in m.sources}
    assert table == LEGAL


# -- roles and scope --------------------------------------------------------------------------------

def test_grid_worker_records_contact_but_nothing_else(household_a: Any, grid_a: Any) -> None:
    warning = raise_warning(household_a)
    case = case_for(household_a)
    with pytest.raises(ApplicationError) as exc:
        call("no_action", grid_a, warning)
    assert exc.value.code == "forbidden"
    assert call("contact", grid_a, warning).state == S.CONTACTED
    before = snapshot(warning)
    for action, kwargs in (("no_action", {}), ("open_case", {"case_number": case.number})):
        with pytest.raises(ApplicationError) as exc:
            call(action, grid_a, warning, **kwargs)
        assert exc.value.code == "forbidden" and exc.value.status == 403
    assert snapshot(warning) == before


def test_grid_worker_of_another_village_cannot_contact(county: None, grid_a: Any) -> None:
    warning = raise_warning(household_with_applicant(OTHER_VILLAGE_A))
    before = snapshot(warning)
    with pytest.raises(ApplicationError) as exc:
        call("contact", grid_a, warning)
    assert exc.value.code == "forbidden" and snapshot(warning) == before


def test_township_b_and_the_auditor_cannot_act(household_a: Any, clerk_b: Any,
                                               auditor: Any) -> None:
    warning = raise_warning(household_a)
    before = snapshot(warning)
    for actor in (clerk_b, auditor):
        for action in ("contact", "no_action"):
            with pytest.raises(ApplicationError) as exc:
                call(action, actor, warning)
            assert exc.value.code == "forbidden"
    assert snapshot(warning) == before


def test_county_admin_makes_every_move(household_a: Any, county_admin: Any) -> None:
    warning = raise_warning(household_a)
    case = case_for(household_a)
    call("contact", county_admin, warning)
    call("open_case", county_admin, warning, case_number=case.number)
    assert call("close", county_admin, warning).state == S.CLOSED


# -- the case link ----------------------------------------------------------------------------------

def contacted(household: Any) -> Warning:
    return raise_warning(household, state=S.CONTACTED)


def refused(actor: Any, warning: Warning, number: str) -> ApplicationError:
    before = snapshot(warning)
    with pytest.raises(ApplicationError) as exc:
        call("open_case", actor, warning, case_number=number)
    assert snapshot(warning) == before
    return exc.value


def test_only_a_case_of_the_same_household(household_a: Any, clerk_a: Any) -> None:
    other = case_for(household_with_applicant(VILLAGE_A, name="王五"))
    error = refused(clerk_a, contacted(household_a), other.number)
    assert error.field == "case_number" and "不是预警对象家庭" in error.message


def test_a_case_outside_scope_reads_as_not_found(household_a: Any, household_b: Any,
                                                 clerk_b: Any, county_admin: Any) -> None:
    # The warning is township B's; its case lives in township A, where clerk_b cannot look.
    warning = contacted(household_b)
    case_a = case_for(household_a)
    error = refused(clerk_b, warning, case_a.number)
    assert error.field == "case_number" and "未找到" in error.message
    assert refused(clerk_b, warning, "DB2026999999").field == "case_number"
    assert refused(clerk_b, warning, "").field == "case_number"


def test_a_case_decided_before_the_warning_cannot_be_its_outcome(household_a: Any,
                                                                 clerk_a: Any) -> None:
    warning = contacted(household_a)  # raised 2026-03-02
    old = case_for(household_a, state=CaseState.APPROVED)
    Case.objects.filter(pk=old.pk).update(submitted_at="2025-06-01T09:00:00+08:00")
    error = refused(clerk_a, warning, old.number)
    assert error.field == "case_number" and "预警之前已办结" in error.message
    # An application already under way when the warning came is the one the contact joins.
    running = case_for(household_a, programme="temporary")
    Case.objects.filter(pk=running.pk).update(submitted_at="2026-02-20T09:00:00+08:00")
    assert call("open_case", clerk_a, warning, case_number=running.number).case == running


# -- bad input --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("action", "state", "kwargs", "field"), [
    ("contact", S.OPEN, {"note": "   "}, "contact_note"),
    ("contact", S.OPEN, {"note": "长" * 1001}, "contact_note"),
    ("no_action", S.OPEN, {"reason": ""}, "no_action_reason"),
    ("no_action", S.CONTACTED, {"reason": "长" * 301}, "no_action_reason"),
    ("close", S.NO_ACTION, {"result": ""}, "result"),
])
def test_bad_input_is_refused_beside_its_field_and_changes_nothing(
        household_a: Any, clerk_a: Any, action: str, state: str, kwargs: dict[str, Any],
        field: str) -> None:
    warning = in_state(household_a, state)
    before = snapshot(warning)
    with pytest.raises(ApplicationError) as exc:
        call(action, clerk_a, warning, **kwargs)
    assert exc.value.field == field and exc.value.status == 400
    assert snapshot(warning) == before


def test_a_missing_warning(county_admin: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.warning_contact(actor=county_admin, warning_id=999999, note="x")
    assert exc.value.code == "not_found"
