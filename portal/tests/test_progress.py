"""Progress query: case number + last 6 ID characters, one answer for every miss, throttled."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cases.choices import CaseState
from cases.models import Case
from cases.services import decision
from jiuzhu.testing.cases import accepted_case, household_of, publicity_over, staff
from portal.models import PublicAttempt

pytestmark = pytest.mark.django_db
NOT_FOUND = "未找到与该案件编号和身份证号码后6位相符的申请"
THROTTLED = "查询过于频繁，请15分钟后再试"


def _query(client: Client, number: str, last6: str, ip: str = "10.0.0.1") -> Any:
    return client.post("/portal/progress/", {"number": number, "id_last6": last6},
                       REMOTE_ADDR=ip)


def _accepted(**applicant: Any) -> Case:
    return accepted_case(household_of(name="王大明", **applicant))


def test_success_shows_state_and_working_days_left_but_no_full_name(
        county: None, client: Client) -> None:
    case = _accepted()
    response = _query(client, case.number.lower(), case.applicant.id_number[-6:])
    body = response.content.decode()
    assert response.status_code == 200
    assert "已受理" in body and "剩余" in body and "个工作日" in body
    assert "王**" in body and "王大明" not in body
    assert case.applicant.id_number not in body
    assert "李娟" not in body and "clerk_a" not in body  # the timeline names no staff
    assert "农村最低生活保障" in body and case.number in body
    assert client.session["portal_verified_case"]["case"] == case.pk


def test_last_character_x_is_case_insensitive(county: None, client: Client) -> None:
    case = _accepted(id_number="61050219750620009X")
    assert "已受理" in _query(client, case.number, "20009x").content.decode()


def _message(response: Any) -> str:
    match = re.search(r'<div class="alert" role="alert">(.*?)</div>', response.content.decode())
    assert match
    return match[1]


def _plain(response: Any, number: str) -> str:
    body = response.content.decode().replace(number, "N")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def test_wrong_digits_and_unknown_number_get_the_identical_answer(
        county: None, client: Client) -> None:
    case = _accepted()
    wrong = _query(client, case.number, "000000" if case.applicant.id_number[-6:] != "000000"
                   else "111111")
    unknown_number = case.number[:-3] + ("999" if not case.number.endswith("999") else "998")
    unknown = _query(client, unknown_number, case.applicant.id_number[-6:])
    assert wrong.status_code == unknown.status_code == 200
    assert _message(wrong) == _message(unknown) and NOT_FOUND in _message(wrong)
    # Apart from echoing the typed number (and the per-response CSRF mask) the pages are equal.
    assert _plain(wrong, case.number) == _plain(unknown, unknown_number)
    assert "portal_verified_case" not in client.session
    assert PublicAttempt.objects.count() == 2


def test_sixth_try_from_one_address_is_refused_even_when_right(
        county: None, client: Client) -> None:
    case = _accepted()
    right = case.applicant.id_number[-6:]
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        assert _query(client, case.number, wrong).status_code == 200
    refused = _query(client, case.number, right)
    assert refused.status_code == 429 and THROTTLED in refused.content.decode()
    assert "已受理" not in refused.content.decode()
    # Another address still gets its answer: the per-number limit (10) is not reached.
    assert _query(Client(), case.number, right, ip="10.0.0.2").status_code == 200


def test_tenth_failure_against_one_number_locks_that_number(county: None) -> None:
    case = _accepted()
    right = case.applicant.id_number[-6:]
    wrong = "000000" if right != "000000" else "111111"
    for i in range(10):
        assert _query(Client(), case.number, wrong, ip=f"10.0.1.{i}").status_code == 200
    assert _query(Client(), case.number, right, ip="10.0.2.1").status_code == 429
    other = _accepted()
    assert _query(Client(), other.number, other.applicant.id_number[-6:],
                  ip="10.0.2.1").status_code == 200


def test_approved_case_shows_amount_start_month_and_explanation(
        county: None, client: Client) -> None:
    case = publicity_over(_accepted())
    decision.case_approve(actor=staff("county_admin"), case_id=case.pk)
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    body = _query(client, case.number, case.applicant.id_number[-6:]).content.decode()
    start = case.enrollment.start_month
    assert "审批结果：批准" in body and "900.00 元" in body
    assert f"{start.year}年{start.month}月" in body
    assert "家庭人均月收入" in body  # the stored calculation steps
    assert "王大明" not in body and "张明" not in body and "王建国" not in body

    pdf = client.get("/portal/progress/notice/approval/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get("/portal/progress/notice/rejection/").status_code == 404
    assert client.get("/portal/progress/notice/receipt/").status_code == 200
    assert Client().get("/portal/progress/notice/approval/").status_code == 404


def test_rejected_case_shows_the_reason(county: None, client: Client) -> None:
    case = publicity_over(_accepted())
    decision.case_reject(actor=staff("county_admin"), case_id=case.pk,
                         reason="家庭有经营性车辆一辆，财产超过规定")
    body = _query(client, case.number, case.applicant.id_number[-6:]).content.decode()
    assert "不予批准" in body and "家庭有经营性车辆一辆" in body
    assert client.get("/portal/progress/notice/approval/").status_code == 404


def test_submitted_online_case_has_no_clock_yet_and_no_receipt(
        county: None, client: Client) -> None:
    client.post("/portal/apply/", {
        "programme": "dibao_urban", "village": "620802001001", "address": "东关社区3号楼",
        "applicant_name": "钱八", "applicant_id_number": "11010519491231002X",
        "phone": "13900002222", "reason": "下岗失业", "consent": "on"})
    case = Case.objects.get()
    body = _query(client, case.number, "31002x").content.decode()
    assert "已提交待受理" in body and "剩余" not in body and "受理回执" not in body
    assert client.get("/portal/progress/notice/receipt/").status_code == 404


def test_notice_access_lapses_after_half_an_hour(county: None, client: Client) -> None:
    case = _accepted()
    _query(client, case.number, case.applicant.id_number[-6:])
    assert client.get("/portal/progress/notice/receipt/").status_code == 200
    session = client.session
    at = timezone.now() - timedelta(minutes=31)
    session["portal_verified_case"] = {"case": case.pk, "at": at.isoformat()}
    session.save()
    assert client.get("/portal/progress/notice/receipt/").status_code == 404
