"""The cases API: scoped reads with working-day clocks, and button moves with their checks."""

from typing import Any

import pytest

from accounts.services import token_issue
from cases.choices import CaseState
from cases.models import Case
from jiuzhu.testing.cases import accepted_case, household_of
from jiuzhu.testing.fixtures import client_for

pytestmark = pytest.mark.django_db


def _api(user: Any) -> tuple[Any, dict[str, str]]:
    return client_for(user), {"HTTP_AUTHORIZATION": f"Bearer {token_issue(actor=None, user=user)}"}


def test_list_and_detail_are_scoped_and_explained(clerk_a: Any, clerk_b: Any) -> None:
    case = accepted_case(household_of(name="赵小花"))
    web, auth = _api(clerk_a)
    listing = web.get("/api/v1/cases?state=accepted", **auth).json()
    assert listing["count"] == 1
    item = listing["items"][0]
    assert item["number"] == case.number and item["applicant_masked"] == "赵**"
    assert item["current_deadline"]["working_days_left"] >= 0
    detail = web.get(f"/api/v1/cases/{case.pk}", **auth).json()
    assert case.investigate_due is not None
    assert detail["deadlines"]["investigate_due"] == case.investigate_due.isoformat()
    assert [t["action"] for t in detail["transitions"]] == ["submit", "accept"]
    other, other_auth = _api(clerk_b)
    assert other.get("/api/v1/cases", **other_auth).json()["count"] == 0
    assert other.get(f"/api/v1/cases/{case.pk}", **other_auth).status_code == 404


def test_moves_through_the_api(clerk_a: Any, clerk_b: Any, auditor: Any) -> None:
    case = accepted_case(household_of())
    web, auth = _api(clerk_a)
    ok = web.post(f"/api/v1/cases/{case.pk}/moves", {"action": "start_investigation"},
                  content_type="application/json", **auth)
    assert ok.status_code == 200 and ok.json()["state"] == CaseState.INVESTIGATING
    illegal = web.post(f"/api/v1/cases/{case.pk}/moves", {"action": "accept"},
                       content_type="application/json", **auth)
    assert illegal.status_code == 409 and "不能" in illegal.json()["detail"]
    no_reason = web.post(f"/api/v1/cases/{case.pk}/moves", {"action": "withdraw"},
                         content_type="application/json", **auth)
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    other, other_auth = _api(clerk_b)
    assert other.post(f"/api/v1/cases/{case.pk}/moves", {"action": "withdraw", "reason": "x"},
                      content_type="application/json", **other_auth).status_code == 404
    reader, reader_auth = _api(auditor)
    assert reader.post(f"/api/v1/cases/{case.pk}/moves", {"action": "withdraw", "reason": "x"},
                       content_type="application/json", **reader_auth).status_code == 403
    assert Case.objects.get(pk=case.pk).state == CaseState.INVESTIGATING
