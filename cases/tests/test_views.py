"""Case pages as the personas use them."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.choices import CaseState
from cases.models import Case
from jiuzhu.testing.cases import accepted_case, household_of, surveyed
from jiuzhu.testing.fixtures import client_for
from registry.models import IncomeRecord

pytestmark = pytest.mark.django_db


def test_clerk_takes_a_counter_application(clerk_a: Any) -> None:
    household = household_of()
    web = client_for(clerk_a)
    assert "发起救助申请" in web.get(f"/households/{household.pk}/").content.decode()
    response = web.post(f"/cases/new/{household.pk}/", {
        "programme": "dibao_rural", "applicant": household.members.get(relation="applicant").pk,
        "channel": "counter", "consent_signed_on": "2026-11-02", "reason": "收入低",
        "accept_now": "on",
    })
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.state == CaseState.ACCEPTED and case.investigate_due is not None
    page = web.get(f"/cases/{case.pk}/").content.decode()
    assert case.number in page and "个工作日" in page and "开始入户调查" in page


def test_intake_error_is_shown_beside_the_field_and_input_kept(clerk_a: Any) -> None:
    household = household_of()
    response = client_for(clerk_a).post(f"/cases/new/{household.pk}/", {
        "programme": "temporary", "applicant": household.members.get(relation="applicant").pk,
        "channel": "counter", "reason": "突发重病住院", "requested_amount": "2000",
    })
    html = response.content.decode()
    assert response.status_code == 200 and Case.objects.count() == 0
    assert "请选择临时救助类型" in html and "突发重病住院" in html and 'value="2000"' in html


def test_other_township_gets_404_and_auditor_only_reads(clerk_b: Any, auditor: Any) -> None:
    case = accepted_case(household_of())
    assert client_for(clerk_b).get(f"/cases/{case.pk}/").status_code == 404
    assert client_for(clerk_b).post(f"/cases/{case.pk}/move/start_investigation/").status_code == 404
    page = client_for(auditor).get(f"/cases/{case.pk}/")
    assert page.status_code == 200 and "当前环节没有您可以办理的事项" in page.content.decode()
    assert client_for(auditor).post(f"/cases/{case.pk}/move/start_investigation/").status_code == 403
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED


def test_moves_from_the_detail_page(clerk_a: Any) -> None:
    case = accepted_case(household_of())
    web = client_for(clerk_a)
    web.post(f"/cases/{case.pk}/move/approve/")
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED
    web.post(f"/cases/{case.pk}/move/start_investigation/")
    assert Case.objects.get(pk=case.pk).state == CaseState.INVESTIGATING
    # A withdrawal needs a reason; without one nothing changes.
    web.post(f"/cases/{case.pk}/move/withdraw/", {"reason": ""})
    assert Case.objects.get(pk=case.pk).state == CaseState.INVESTIGATING
    web.post(f"/cases/{case.pk}/move/withdraw/", {"reason": "申请人外出务工，主动撤回"})
    assert Case.objects.get(pk=case.pk).state == CaseState.WITHDRAWN


def test_survey_form_keeps_input_and_corrects_income(clerk_a: Any) -> None:
    case = accepted_case(household_of(wage="900.00"))
    web = client_for(clerk_a)
    web.post(f"/cases/{case.pk}/move/start_investigation/")
    income = IncomeRecord.objects.get()
    form = {"surveyed_on": date.today().isoformat(), "worker_2_name": "", "housing": "土坯房",
            "living_conditions": "家中陈设简陋", "conclusion": "属实", "family_signed": "on",
            f"income_{income.pk}": "correct", f"income_{income.pk}_amount": "1200.00"}
    bad = web.post(f"/cases/{case.pk}/survey/", form)
    html = bad.content.decode()
    assert bad.status_code == 400 and "这个字段是必填项" in html
    assert "家中陈设简陋" in html and 'value="1200.00"' in html and 'value="correct" selected' in html
    # The service's own rule: the second worker cannot be the clerk herself.
    form["worker_2_name"] = clerk_a.get_full_name()
    assert "不能是本人" in web.post(f"/cases/{case.pk}/survey/", form).content.decode()
    assert IncomeRecord.objects.count() == 1
    form["worker_2_name"] = "村委会主任"
    assert web.post(f"/cases/{case.pk}/survey/", form).status_code == 302
    amounts = sorted(IncomeRecord.objects.values_list("monthly_amount", "source"))
    assert amounts == [(Decimal("900.00"), "declared"), (Decimal("1200.00"), "survey")]
    assert IncomeRecord.objects.get(source="declared").end_month is not None


def test_documents_are_checked_and_served_only_in_scope(clerk_a: Any, clerk_b: Any) -> None:
    case = accepted_case(household_of())
    web = client_for(clerk_a)
    web.post(f"/cases/{case.pk}/documents/", {
        "kind": "photo", "file": SimpleUploadedFile("x.exe", b"MZ\x90\x00", "image/png")})
    assert case.documents.count() == 0
    web.post(f"/cases/{case.pk}/documents/", {
        "kind": "id_card", "file": SimpleUploadedFile("身份证.pdf", b"%PDF-1.4 test")})
    document = case.documents.get()
    response = web.get(f"/cases/documents/{document.token}/")
    assert response.status_code == 200 and response.getvalue() == b"%PDF-1.4 test"
    assert response["Cache-Control"] == "private, no-store"
    assert client_for(clerk_b).get(f"/cases/documents/{document.token}/").status_code == 404


def test_overdue_cases_are_listed_per_township(clerk_a: Any, county_admin: Any) -> None:
    late = accepted_case(household_of())
    on_time = accepted_case(household_of())
    Case.objects.filter(pk=late.pk).update(investigate_due=date.today() - timedelta(days=10))
    page = client_for(county_admin).get("/cases/overdue/").content.decode()
    assert "崆峒镇" in page and "township=620802100000" in page
    home = client_for(county_admin).get("/").content.decode()
    assert "超期案件（按乡镇）" in home and "township=620802100000" in home
    listing = client_for(clerk_a).get("/cases/?overdue=1").content.decode()
    assert late.number in listing and on_time.number not in listing
    assert "已超期" in listing


def test_case_list_queries_do_not_grow_with_rows(clerk_a: Any,
                                                 django_assert_max_num_queries: Any) -> None:
    for _ in range(12):
        surveyed(accepted_case(household_of()))
    web = client_for(clerk_a)
    with django_assert_max_num_queries(12):
        assert web.get("/cases/").status_code == 200


def test_grid_worker_files_on_someones_behalf(grid_a: Any, clerk_a: Any) -> None:
    household = household_of()
    applicant = household.members.get(relation="applicant")
    web = client_for(grid_a)
    form = {"programme": "dibao_rural", "applicant": applicant.pk, "channel": "proxy",
            "consent_signed_on": "2026-11-02", "reason": "独居老人行动不便"}
    missing = web.post(f"/cases/new/{household.pk}/", form)
    assert "委托情况" in missing.content.decode() and Case.objects.count() == 0
    form["mandate_note"] = "申请人腿脚不便，委托网格员代为提交，已签字"
    assert web.post(f"/cases/new/{household.pk}/", form).status_code == 302
    case = Case.objects.get()
    assert (case.channel, case.state, case.helper) == ("proxy", CaseState.SUBMITTED, grid_a)
    # The grid worker cannot accept; the township clerk does.
    web.post(f"/cases/{case.pk}/move/accept/")
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED
    client_for(clerk_a).post(f"/cases/{case.pk}/move/accept/")
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED
