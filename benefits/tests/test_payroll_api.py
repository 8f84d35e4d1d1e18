"""Payroll API: scoped runs with township totals, compute (201/200), approve and reopen."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from accounts.services import token_issue
from benefits.models import PayrollRun, RunStatus
from demo.reference import TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import VILLAGE_B, household_of
from jiuzhu.testing.fixtures import client_for

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user: Any) -> None:
        self.web = client_for(user)
        self.auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(actor=None, user=user)}"}

    def get(self, path: str) -> Any:
        return self.web.get(f"/api/v1{path}", **self.auth)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.web.post(f"/api/v1{path}", body or {}, content_type="application/json",
                             **self.auth)


def _households() -> None:
    enrolled(household_of(3), "900.00")
    enrolled(household_of(2, village=VILLAGE_B), "450.50")


def test_compute_answers_201_then_200_once_approved(county_admin: Any,
                                                    county_checker: Any) -> None:
    _households()
    maker = Api(county_admin)

    created = maker.post("/payroll/runs", {"programme": "dibao_rural", "month": "2026-11"})

    assert created.status_code == 201
    body = created.json()
    assert body["computed"] is True and body["message"] == ""
    assert (body["month"], body["status"], body["version"]) == ("2026-11", "draft", 1)
    assert (body["lines"], body["persons"], body["total"]) == (2, 5, "1350.50")
    assert body["computed_by"] == "王建国" and body["approved_by"] is None
    assert [(t["code"], t["lines"], t["amount"]) for t in body["townships"]] == [
        (TOWNSHIP_A, 1, "900.00"), (TOWNSHIP_B, 1, "450.50")]

    run_id = body["id"]
    maker_approves = maker.post(f"/payroll/runs/{run_id}/approve")
    assert maker_approves.status_code == 403 and maker_approves.json()["code"] == "forbidden"
    approved = Api(county_checker).post(f"/payroll/runs/{run_id}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["approved_by"] == "陈芳"
    again = Api(county_checker).post(f"/payroll/runs/{run_id}/approve")
    assert again.status_code == 409

    enrolled(household_of(1), "100.00")
    locked = maker.post("/payroll/runs", {"programme": "dibao_rural", "month": "2026-11"})
    assert locked.status_code == 200
    assert locked.json()["computed"] is False
    assert locked.json()["message"] == "该月发放批次已审批锁定，未作任何更改"
    assert locked.json()["total"] == "1350.50"


def test_compute_refuses_bad_input_and_township_users(county_admin: Any, clerk_a: Any) -> None:
    maker = Api(county_admin)
    bad_month = maker.post("/payroll/runs", {"programme": "dibao_rural", "month": "11/2026"})
    assert bad_month.status_code == 400 and bad_month.json()["field"] == "month"
    bad_programme = maker.post("/payroll/runs", {"programme": "nope", "month": "2026-11"})
    assert bad_programme.status_code == 400 and bad_programme.json()["field"] == "programme"
    missing = maker.post("/payroll/runs", {"programme": "dibao_rural"})
    assert missing.status_code == 400
    township = Api(clerk_a).post("/payroll/runs", {"programme": "dibao_rural",
                                                   "month": "2026-11"})
    assert township.status_code == 403
    assert not PayrollRun.objects.exists()


def test_list_and_detail_are_scoped(county_admin: Any, clerk_b: Any, grid_a: Any) -> None:
    _households()
    maker = Api(county_admin)
    run_id = maker.post("/payroll/runs", {"programme": "dibao_rural",
                                          "month": "2026-11"}).json()["id"]
    maker.post("/payroll/runs", {"programme": "dibao_rural", "month": "2026-12"})

    listing = Api(clerk_b).get("/payroll/runs?month=2026-11")
    assert listing.status_code == 200
    body = listing.json()
    assert (body["count"], body["page"], body["pages"]) == (1, 1, 1)
    assert body["items"][0]["id"] == run_id and body["items"][0]["total"] == "1350.50"
    assert Api(clerk_b).get("/payroll/runs").json()["count"] == 2
    assert Api(clerk_b).get("/payroll/runs?month=bad").status_code == 400

    detail = Api(clerk_b).get(f"/payroll/runs/{run_id}").json()
    assert detail["townships"] == [{
        "code": TOWNSHIP_B, "name": "白水镇", "lines": 1, "persons": 2,
        "base_amount": "450.50", "back_pay": "0.00", "deduction": "0.00", "amount": "450.50"}]
    assert Api(clerk_b).get(f"/payroll/runs/{run_id + 1000}").status_code == 404
    assert Api(grid_a).get("/payroll/runs").status_code == 403


def test_reopen_needs_a_reason(county_admin: Any, county_checker: Any, clerk_a: Any) -> None:
    _households()
    run_id = Api(county_admin).post("/payroll/runs", {"programme": "dibao_rural",
                                                      "month": "2026-11"}).json()["id"]
    checker = Api(county_checker)
    draft = checker.post(f"/payroll/runs/{run_id}/reopen", {"reason": "更正"})
    assert draft.status_code == 409
    checker.post(f"/payroll/runs/{run_id}/approve")

    no_reason = checker.post(f"/payroll/runs/{run_id}/reopen", {"reason": " "})
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    assert Api(clerk_a).post(f"/payroll/runs/{run_id}/reopen",
                             {"reason": "更正"}).status_code == 403

    reopened = checker.post(f"/payroll/runs/{run_id}/reopen", {"reason": "金额录入错误"})
    assert reopened.status_code == 200
    body = reopened.json()
    assert (body["status"], body["version"], body["reopen_reason"]) == (
        "draft", 2, "金额录入错误")
    assert body["townships"] == [] and body["total"] == "0.00"
    run = PayrollRun.objects.get(pk=run_id)
    assert run.status == RunStatus.DRAFT and run.total == Decimal("0.00")
