"""GET /api/v1/warnings and /api/v1/warnings/{id}: scoped, filtered, persons masked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from accounts.services import token_issue
from monitoring.models import RuleCode, WarningState
from monitoring.services import warnings as services

from .warning_data import case_for, clock_for, raise_warning

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    return clock_for(monkeypatch)


def api(user: Any) -> Callable[[str], Any]:
    token = token_issue(actor=None, user=user)

    def get(path: str) -> Any:
        return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")

    return get


def test_list_is_scoped_and_filtered(household_a: Any, household_b: Any, clerk_a: Any,
                                     county_admin: Any, clock: Callable[[date], None]) -> None:
    clock(date(2026, 3, 11))
    late = raise_warning(household_a, rule=RuleCode.MEDICAL_EXPENSE, due_on=date(2026, 3, 9),
                         value="35000.00")
    raise_warning(household_a, state=WarningState.CONTACTED)
    raise_warning(household_b)
    body = api(clerk_a)("/api/v1/warnings").json()
    assert body["count"] == 2 and len(body["items"]) == 2
    only = api(clerk_a)("/api/v1/warnings?rule=medical_expense").json()["items"]
    assert [i["id"] for i in only] == [late.pk]
    item = only[0]
    person = household_a.members.get()
    assert item["person_id_number"] != person.id_number
    assert item["person_id_number"].endswith(person.id_number[-4:])
    assert (item["overdue"], item["working_days_late"], item["value"]) == (True, 2, "35000.00")
    assert api(clerk_a)("/api/v1/warnings?state=contacted").json()["count"] == 1
    assert api(county_admin)("/api/v1/warnings").json()["count"] == 3


def test_detail_with_timeline_and_case(household_a: Any, clerk_a: Any, clerk_b: Any,
                                       liaison: Any) -> None:
    warning = raise_warning(household_a)
    case = case_for(household_a)
    services.warning_contact(actor=clerk_a, warning_id=warning.pk, note="入户核实")
    services.warning_open_case(actor=clerk_a, warning_id=warning.pk, case_number=case.number)
    response = api(clerk_a)(f"/api/v1/warnings/{warning.pk}")
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["case_number"], body["contact_note"]) == (
        "case_opened", case.number, "入户核实")
    assert [s["label"] for s in body["timeline"]] == ["系统预警", "登记联系情况", "转入救助申请"]
    assert api(clerk_b)(f"/api/v1/warnings/{warning.pk}").status_code == 404
    assert api(liaison)("/api/v1/warnings").status_code == 403
