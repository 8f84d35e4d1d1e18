"""Payroll run pages: the county computes and another county user approves after reviewing
the townships' totals; townships and the auditor read, each township only its own lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from benefits.models import BackPay, BackPayReason, PayrollRun, Recovery, RunStatus
from benefits.months import month_of
from benefits.selectors import AreaTotal
from benefits.services.payroll import payroll_approve, payroll_compute
from demo.reference import TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import VILLAGE_A, VILLAGE_B, household_of
from jiuzhu.testing.fixtures import client_for

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)


def _enrollments() -> None:
    """Township A: 900 less a 100 追回 deduction, and 300 plus 150 补发; township B: 450.50."""
    first = enrolled(household_of(3, name="王大山"), "900.00")
    Recovery.objects.create(enrollment=first, total=Decimal("500.00"),
                            monthly_deduction=Decimal("100.00"), reason="多发",
                            decision="区民政局追回决定〔2026〕1号")
    second = enrolled(household_of(1, name="刘小红"), "300.00")
    BackPay.objects.create(enrollment=second, month_owed=date(2026, 10, 1),
                           amount=Decimal("150.00"), reason=BackPayReason.OTHER, note="漏发")
    enrolled(household_of(2, village=VILLAGE_B, name="赵白水"), "450.50")


def _computed(maker: Any) -> PayrollRun:
    _enrollments()
    return payroll_compute(actor=maker, programme_id="dibao_rural", month=NOV).run


TOWNSHIP_A_ROW = AreaTotal(code=TOWNSHIP_A, name="崆峒镇", lines=2, persons=4,
                           base_amount=Decimal("1200.00"), back_pay=Decimal("150.00"),
                           deduction=Decimal("100.00"), amount=Decimal("1250.00"))
TOWNSHIP_B_ROW = AreaTotal(code=TOWNSHIP_B, name="白水镇", lines=1, persons=2,
                           base_amount=Decimal("450.50"), back_pay=Decimal("0.00"),
                           deduction=Decimal("0.00"), amount=Decimal("450.50"))


def test_county_admin_computes_a_run_from_the_list(county_admin: Any) -> None:
    _enrollments()
    web = client_for(county_admin)
    page = web.get("/payroll/")
    assert page.status_code == 200 and "生成发放批次" in page.content.decode()

    response = web.post("/payroll/", {"programme": "dibao_rural", "month": "2026-11"},
                        follow=True)

    run = PayrollRun.objects.get()
    assert response.redirect_chain[-1][0] == f"/payroll/{run.pk}/"
    assert (run.month, run.lines, run.persons, run.total) == (NOV, 3, 6, Decimal("1700.50"))
    assert run.computed_by == county_admin and run.status == RunStatus.DRAFT
    assert "已生成发放批次（第1版）：3笔，6人，合计1700.50元" in response.content.decode()


def test_compute_form_keeps_input_and_explains_errors(county_admin: Any) -> None:
    web = client_for(county_admin)
    bad_month = web.post("/payroll/", {"programme": "dibao_rural", "month": "2026-13"})
    assert bad_month.status_code == 400
    html = bad_month.content.decode()
    assert 'value="2026-13"' in html and "发放月份格式应为“年-月”" in html
    no_programme = web.post("/payroll/", {"programme": "", "month": "2026-11"})
    assert no_programme.status_code == 400 and 'value="2026-11"' in no_programme.content.decode()
    assert not PayrollRun.objects.exists()


def test_an_approved_month_is_locked_and_says_so(county_admin: Any, county_checker: Any) -> None:
    run = _computed(county_admin)
    payroll_approve(actor=county_checker, run_id=run.pk)
    enrolled(household_of(1), "100.00")  # arrives after approval

    response = client_for(county_admin).post(
        "/payroll/", {"programme": "dibao_rural", "month": "2026-11"}, follow=True)

    assert "该月发放批次已审批锁定，未作任何更改" in response.content.decode()
    run.refresh_from_db()
    assert (run.lines, run.total, run.version) == (3, Decimal("1700.50"), 1)


def test_default_month_follows_the_latest_approved_run(county_admin: Any,
                                                       county_checker: Any) -> None:
    web = client_for(county_admin)
    this_month = f"{month_of(timezone.localdate()):%Y-%m}"
    assert web.get("/payroll/").context["form"]["month"].value() == this_month
    run = _computed(county_admin)
    payroll_approve(actor=county_checker, run_id=run.pk)
    assert 'value="2026-12"' in web.get("/payroll/").content.decode()


def test_list_filters_and_shows_the_figures(county_admin: Any, county_checker: Any,
                                            django_assert_max_num_queries: Any) -> None:
    run = _computed(county_admin)
    payroll_compute(actor=county_admin, programme_id="dibao_rural", month=date(2026, 12, 1))
    payroll_compute(actor=county_admin, programme_id="dibao_urban", month=NOV)
    payroll_approve(actor=county_checker, run_id=run.pk)
    web = client_for(county_checker)
    with django_assert_max_num_queries(12):
        page = web.get("/payroll/")
    assert page.context["page_obj"].paginator.count == 3
    filtered = web.get("/payroll/?programme=dibao_rural&month=2026-11")
    assert [r.pk for r in filtered.context["page_obj"]] == [run.pk]
    html = filtered.content.decode()
    assert "1700.50" in html and "王建国" in html and "陈芳" in html
    partial = web.get("/payroll/?programme=dibao_urban", HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert [r.programme_id for r in partial.context["page_obj"]] == ["dibao_urban"]


def test_county_sees_every_townships_totals(county_admin: Any, county_checker: Any) -> None:
    run = _computed(county_admin)
    page = client_for(county_checker).get(f"/payroll/{run.pk}/")
    assert page.status_code == 200
    assert page.context["townships"] == [TOWNSHIP_A_ROW, TOWNSHIP_B_ROW]
    html = page.content.decode()
    assert "1250.00" in html and "450.50" in html

    villages = client_for(county_checker).get(f"/payroll/{run.pk}/?township={TOWNSHIP_A}",
                                              HTTP_HX_REQUEST="true")
    assert [(v.code, v.lines, v.amount) for v in villages.context["villages"]] == [
        (VILLAGE_A, 2, Decimal("1250.00"))]


def test_clerk_b_sees_only_township_b(county_admin: Any, clerk_b: Any) -> None:
    run = _computed(county_admin)
    web = client_for(clerk_b)
    assert [r.pk for r in web.get("/payroll/").context["page_obj"]] == [run.pk]
    page = web.get(f"/payroll/{run.pk}/")
    assert page.context["townships"] == [TOWNSHIP_B_ROW]
    assert "生成发放批次" not in web.get("/payroll/").content.decode()
    assert web.get(f"/payroll/{run.pk}/?township={TOWNSHIP_A}").status_code == 404
    assert web.get(f"/payroll/{run.pk}/lines/?village={VILLAGE_A}").status_code == 404
    assert web.get(f"/payroll/{run.pk}/lines/?village=x").status_code == 404
    own = web.get(f"/payroll/{run.pk}/lines/?village={VILLAGE_B}")
    assert own.status_code == 200 and "赵**" in own.content.decode()
    assert web.post("/payroll/", {"programme": "dibao_rural", "month": "2026-12"}).status_code \
        == 403
    assert web.post(f"/payroll/{run.pk}/approve/").status_code == 403


def test_lines_are_masked_with_household_links(county_admin: Any, clerk_a: Any) -> None:
    run = _computed(county_admin)
    page = client_for(clerk_a).get(f"/payroll/{run.pk}/lines/?village={VILLAGE_A}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "王**" in html and "刘**" in html and "王大山" not in html
    assert "/households/" in html and "800.00" in html and "450.00" in html
    assert [line.amount for line, _name in page.context["rows"]] == [
        Decimal("800.00"), Decimal("450.00")]


def test_maker_cannot_approve_from_the_page(county_admin: Any, county_checker: Any) -> None:
    run = _computed(county_admin)
    maker = client_for(county_admin)
    page = maker.get(f"/payroll/{run.pk}/").content.decode()
    assert "制表人不能审批自己生成的发放批次" in page and "disabled" in page

    refused = maker.post(f"/payroll/{run.pk}/approve/", follow=True)
    assert "制表人不能审批自己生成的发放批次" in refused.content.decode()
    assert PayrollRun.objects.get(pk=run.pk).status == RunStatus.DRAFT

    checker = client_for(county_checker)
    assert "制表人不能审批" not in checker.get(f"/payroll/{run.pk}/").content.decode()
    approved = checker.post(f"/payroll/{run.pk}/approve/", follow=True)
    assert "发放批次已审批锁定" in approved.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED and run.approved_by == county_checker


def test_recompute_replaces_the_draft(county_admin: Any) -> None:
    run = _computed(county_admin)
    enrolled(household_of(1), "100.00")
    client_for(county_admin).post(f"/payroll/{run.pk}/recompute/")
    run.refresh_from_db()
    assert (run.lines, run.total, run.version) == (4, Decimal("1800.50"), 1)


def test_reopen_needs_a_reason_and_keeps_history(county_admin: Any,
                                                 county_checker: Any) -> None:
    run = _computed(county_admin)
    payroll_approve(actor=county_checker, run_id=run.pk)
    web = client_for(county_checker)

    refused = web.post(f"/payroll/{run.pk}/reopen/", {"reason": "  "})
    assert refused.status_code == 400 and "请填写重新打开的原因" in refused.content.decode()
    assert PayrollRun.objects.get(pk=run.pk).status == RunStatus.APPROVED

    web.post(f"/payroll/{run.pk}/reopen/", {"reason": "某户金额录入错误"})
    run.refresh_from_db()
    assert (run.status, run.version, run.reopen_reason) == (RunStatus.DRAFT, 2, "某户金额录入错误")
    client_for(county_admin).post(f"/payroll/{run.pk}/recompute/")

    page = web.get(f"/payroll/{run.pk}/")
    [old] = page.context["history"]
    assert (old.version, old.lines, old.persons, old.amount) == (1, 3, 6, Decimal("1700.50"))
    assert old.reopened.reason == "某户金额录入错误"
    assert [e.action for e in page.context["events"]] == [
        "payroll.compute", "payroll.reopen", "payroll.approve", "payroll.compute"]
    assert "某户金额录入错误" in page.content.decode()


def test_auditor_reads_but_cannot_act(county_admin: Any, auditor: Any) -> None:
    run = _computed(county_admin)
    web = client_for(auditor)
    page = web.get(f"/payroll/{run.pk}/")
    assert page.status_code == 200 and len(page.context["townships"]) == 2
    assert 'id="run-actions"' not in page.content.decode()
    assert web.get(f"/payroll/{run.pk}/lines/?village={VILLAGE_B}").status_code == 200
    assert web.post(f"/payroll/{run.pk}/approve/").status_code == 403
    assert web.post(f"/payroll/{run.pk}/reopen/", {"reason": "x"}).status_code == 403


def test_grid_workers_have_no_payroll_pages(county_admin: Any, grid_a: Any) -> None:
    run = _computed(county_admin)
    assert client_for(grid_a).get(f"/payroll/{run.pk}/").status_code == 403


def test_bank_link_appears_once_the_bank_pages_exist(county_admin: Any,
                                                     monkeypatch: Any) -> None:
    run = _computed(county_admin)
    web = client_for(county_admin)

    def missing(*args: Any, **kwargs: Any) -> str:
        raise NoReverseMatch("bank:run_detail")

    monkeypatch.setattr("benefits.payroll_views.reverse", missing)
    assert "银行代发与对账" not in web.get(f"/payroll/{run.pk}/").content.decode()
    monkeypatch.undo()
    page = web.get(f"/payroll/{run.pk}/").content.decode()
    assert f'href="{reverse("bank:run_detail", args=[run.pk])}"' in page
    assert "银行代发与对账" in page
