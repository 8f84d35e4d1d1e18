"""Online application: household and case in one go, errors beside their fields, no leaks."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from audit.models import AuditEvent
from cases.choices import CaseState, Channel
from cases.models import Case, CaseTransition
from jiuzhu.testing.cases import VILLAGE_A
from registry.models import Household, Person

pytestmark = pytest.mark.django_db

APPLICANT_ID = "620802195803070411"
CHILD_ID = "610502201209150283"


def _form(**changes: Any) -> dict[str, Any]:
    data = {
        "programme": "dibao_rural", "village": VILLAGE_A, "address": "大寨村一组9号",
        "applicant_name": "周七", "applicant_id_number": APPLICANT_ID, "phone": "13900001111",
        "reason": "老伴去世，本人患病无劳动能力", "consent": "on",
        "m0_name": "周小花", "m0_id_number": CHILD_ID, "m0_relation": "grandchild",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _counts() -> tuple[int, int, int]:
    return Household.objects.count(), Person.objects.count(), Case.objects.count()


def test_application_creates_household_and_submitted_online_case(
        county: None, client: Client) -> None:
    response = client.post("/portal/apply/", _form())
    assert response.status_code == 302 and response["Location"] == "/portal/apply/done/"
    case = Case.objects.select_related("household", "applicant").get()
    assert case.state == CaseState.SUBMITTED and case.channel == Channel.ONLINE
    assert case.consent_signed_on is None and case.created_by is None
    assert case.applicant.id_number == APPLICANT_ID and case.applicant.name == "周七"
    assert case.household.village_id == VILLAGE_A and case.household.urban_rural == "rural"
    assert sorted(case.household.members.values_list("name", flat=True)) == ["周七", "周小花"]
    submit = CaseTransition.objects.get(case=case)
    assert submit.actor is None and submit.actor_label == "申请人网上申请"
    assert "同意授权核对" in submit.reason  # the clerk sees what was agreed online
    consent = AuditEvent.objects.get(action="case.online_consent", object_id=str(case.pk))
    assert consent.after is not None and consent.after["consent_agreed"] is True

    receipt = client.get("/portal/apply/done/").content.decode()
    assert case.number in receipt and "农村最低生活保障" in receipt
    assert "请记住案件编号；查询进度时需要输入申请人身份证号码后6位" in receipt
    assert "3个工作日内启动入户调查" in receipt and "30个工作日内办结" in receipt
    # The receipt belongs to the browser that applied; no id in the URL to try others.
    assert Client().get("/portal/apply/done/")["Location"] == "/portal/apply/"


def test_second_application_for_same_person_and_programme_is_refused(
        county: None, client: Client) -> None:
    client.post("/portal/apply/", _form())
    first = Case.objects.get()
    before = _counts()
    again = Client().post("/portal/apply/", _form(address="别处1号", m0_name="", m0_id_number="",
                                                  m0_relation=""))
    body = again.content.decode()
    assert again.status_code == 200
    assert "不能重复申请" in body and first.number not in body
    assert _counts() == before


def test_registered_applicant_files_under_their_household_without_being_told(
        county: None, client: Client, household_a: Household) -> None:
    person = household_a.members.get()
    before = _counts()
    response = client.post("/portal/apply/", _form(applicant_id_number=person.id_number,
                                                   applicant_name="张叁"))
    assert response.status_code == 302 and response["Location"] == "/portal/apply/done/"
    case = Case.objects.get()
    assert case.household == household_a and case.applicant == person
    assert _counts() == (before[0], before[1], before[2] + 1)
    receipt = client.get("/portal/apply/done/").content.decode()
    assert "张三" not in receipt and "大寨村" not in receipt
    note = CaseTransition.objects.get(case=case).reason
    assert "已有家庭档案" in note and "张叁" in note  # the mismatch is for the clerk only


def test_bad_id_number_shows_error_beside_the_field_and_keeps_input(
        county: None, client: Client) -> None:
    response = client.post("/portal/apply/", _form(applicant_id_number="620802195803070412"))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["applicant_id_number"] and "校验位" in form.errors[
        "applicant_id_number"][0]
    body = response.content.decode()
    assert 'value="620802195803070412"' in body and 'value="周七"' in body
    assert 'value="大寨村一组9号"' in body and 'value="周小花"' in body
    assert "老伴去世" in body and "checked" in body
    assert _counts() == (0, 0, 0)


def test_member_error_is_beside_the_member_row_and_nothing_is_written(
        county: None, client: Client) -> None:
    response = client.post("/portal/apply/", _form(m0_id_number="123"))
    assert list(response.context["form"].errors) == ["m0_id_number"]
    same = client.post("/portal/apply/", _form(m1_name="重复", m1_id_number=CHILD_ID,
                                               m1_relation="child"))
    assert same.context["form"].errors["m1_id_number"] == ["同一家庭中身份证号码重复"]
    assert _counts() == (0, 0, 0)


def test_a_late_error_rolls_back_the_new_household(county: None, client: Client) -> None:
    # The temporary-assistance fields are checked after the household is registered.
    response = client.post("/portal/apply/", _form(programme="temporary"))
    assert list(response.context["form"].errors) == ["temporary_kind"]
    assert _counts() == (0, 0, 0)
    ok = client.post("/portal/apply/", _form(programme="temporary", temporary_kind="expenditure",
                                             requested_amount="3000"))
    assert ok.status_code == 302
    assert Case.objects.get().requested_amount == 3000


def test_consent_is_required(county: None, client: Client) -> None:
    response = client.post("/portal/apply/", _form(consent=None))
    assert list(response.context["form"].errors) == ["consent"]
    assert "须同意授权核对" in response.content.decode()
    assert _counts() == (0, 0, 0)


def test_member_registered_elsewhere_is_left_out_and_noted(
        county: None, client: Client, household_b: Household) -> None:
    other = household_b.members.get()
    response = client.post("/portal/apply/", _form(m0_id_number=other.id_number, m0_name="李四"))
    assert response.status_code == 302
    case = Case.objects.exclude(household=household_b).get()
    assert list(case.household.members.values_list("name", flat=True)) == ["周七"]
    assert other.household_id == household_b.pk
    assert "李四" in CaseTransition.objects.get(case=case).reason


def test_apply_form_needs_csrf(county: None) -> None:
    response = Client(enforce_csrf_checks=True).post("/portal/apply/", _form())
    assert response.status_code == 403 and _counts() == (0, 0, 0)
