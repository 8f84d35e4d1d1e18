"""Enrollment pages: scoped lists, the detail page and its county-only actions, re-check tasks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from benefits.models import (
    BackPay,
    EnrollmentStatus,
    RecheckKind,
    RecheckOutcome,
    RecheckStatus,
    RecheckTask,
)
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import VILLAGE_B, household_of
from jiuzhu.testing.fixtures import client_for

SEP = date(2026, 9, 1)


@pytest.fixture
def a_and_b(county):
    a = enrolled(household_of(3, name="张大山"), "900.00", start=SEP)
    b = enrolled(household_of(2, village=VILLAGE_B, name="李小河"), "600.00", start=SEP)
    return a, b


def test_list_shows_only_the_users_region(a_and_b, clerk_a, clerk_b, county_admin):
    page_a = client_for(clerk_a).get("/enrollments/").content.decode()
    assert "张大山" in page_a and "李小河" not in page_a
    page_b = client_for(clerk_b).get("/enrollments/").content.decode()
    assert "李小河" in page_b and "张大山" not in page_b
    county_page = client_for(county_admin).get("/enrollments/").content.decode()
    assert "张大山" in county_page and "李小河" in county_page


def test_list_filters_and_searches(a_and_b, county_admin):
    a, b = a_and_b
    web = client_for(county_admin)
    by_name = web.get("/enrollments/", {"q": "李小"}).content.decode()
    assert "李小河" in by_name and "张大山" not in by_name
    by_id = web.get("/enrollments/", {"q": a.case.applicant.id_number}).content.decode()
    assert "张大山" in by_id and "李小河" not in by_id
    township = web.get("/enrollments/", {"township": "620802101000"}).content.decode()
    assert "李小河" in township and "张大山" not in township
    b.status = EnrollmentStatus.SUSPENDED
    b.save()
    suspended = web.get("/enrollments/", {"status": "suspended"}, HTTP_HX_REQUEST="true")
    assert "李小河" in suspended.content.decode() and b"<html" not in suspended.content


def test_list_query_count_does_not_grow_with_rows(county, county_admin,
                                                  django_assert_max_num_queries):
    for _ in range(8):
        enrolled(household_of(1))
    web = client_for(county_admin)
    with django_assert_max_num_queries(12):
        assert web.get("/enrollments/").status_code == 200


def test_another_township_gets_404(a_and_b, clerk_b):
    a, _b = a_and_b
    web = client_for(clerk_b)
    assert web.get(f"/enrollments/{a.pk}/").status_code == 404
    task = RecheckTask.objects.create(enrollment=a, kind=RecheckKind.SCHEDULED, due_on=SEP)
    assert web.get(f"/enrollments/rechecks/{task.pk}/").status_code == 404
    assert web.post(f"/enrollments/rechecks/{task.pk}/",
                    {"outcome": "keep", "note": "x"}).status_code == 404


def test_detail_offers_actions_to_the_county_only(a_and_b, clerk_a, county_admin, auditor):
    a, _b = a_and_b
    clerk_page = client_for(clerk_a).get(f"/enrollments/{a.pk}/")
    assert clerk_page.status_code == 200
    assert "张大山" in clerk_page.content.decode()
    assert "县级决定事项" not in clerk_page.content.decode()
    assert client_for(auditor).get(f"/enrollments/{a.pk}/").status_code == 200
    county_page = client_for(county_admin).get(f"/enrollments/{a.pk}/").content.decode()
    assert "县级决定事项" in county_page and "登记补发" in county_page
    assert "罚款" in county_page  # the fraud fine is handled elsewhere, and the page says so


def test_township_staff_cannot_post_county_actions(a_and_b, clerk_a):
    a, _b = a_and_b
    web = client_for(clerk_a)
    for action in ("back-pay", "recovery", "repayment", "write-off", "amount-change", "status"):
        assert web.post(f"/enrollments/{a.pk}/{action}/", {}).status_code == 403


def test_county_records_a_back_pay_from_the_page(a_and_b, county_admin):
    a, _b = a_and_b
    web = client_for(county_admin)
    response = web.post(f"/enrollments/{a.pk}/back-pay/", {
        "bp-month_owed": "2026-09", "bp-amount": "300", "bp-reason": "other",
        "bp-decision": "区民政局决定〔2026〕5号", "bp-note": "漏发"})
    assert response.status_code == 302
    assert BackPay.objects.get(enrollment=a).amount == Decimal("300.00")

    again = web.post(f"/enrollments/{a.pk}/back-pay/", {
        "bp-month_owed": "2026-09", "bp-amount": "300", "bp-reason": "other",
        "bp-decision": "区民政局决定〔2026〕5号", "bp-note": "漏发"})
    body = again.content.decode()
    assert again.status_code == 200 and "同一原因" in body
    assert 'value="区民政局决定〔2026〕5号"' in body  # the input is kept
    bad_month = web.post(f"/enrollments/{a.pk}/back-pay/", {
        "bp-month_owed": "九月", "bp-amount": "300", "bp-reason": "other", "bp-decision": "x"})
    assert "年-月" in bad_month.content.decode()


def test_county_suspends_and_ends_from_the_page(a_and_b, county_admin):
    a, _b = a_and_b
    web = client_for(county_admin)
    assert web.post(f"/enrollments/{a.pk}/status/",
                    {"st-action": "suspend", "st-reason": "银行卡冻结"}).status_code == 302
    a.refresh_from_db()
    assert a.status == EnrollmentStatus.SUSPENDED
    # "suspend" is no longer offered to a suspended enrollment.
    refused = web.post(f"/enrollments/{a.pk}/status/", {"st-action": "suspend",
                                                        "st-reason": "x"})
    assert refused.status_code == 200
    assert web.post(f"/enrollments/{a.pk}/status/",
                    {"st-action": "end", "st-reason": "死亡"}).status_code == 302
    a.refresh_from_db()
    assert a.status == EnrollmentStatus.ENDED
    assert "清退（停保）" in web.get(f"/enrollments/{a.pk}/").content.decode()


def test_recheck_list_is_scoped_and_counts_working_days(a_and_b, clerk_a, clerk_b):
    a, b = a_and_b
    overdue = RecheckTask.objects.create(enrollment=a, kind=RecheckKind.SCHEDULED,
                                         due_on=timezone.localdate() - timedelta(days=30))
    RecheckTask.objects.create(enrollment=b, kind=RecheckKind.DEATH,
                               due_on=timezone.localdate() + timedelta(days=30))
    page = client_for(clerk_a).get("/enrollments/rechecks/").content.decode()
    assert "张大山" in page and "李小河" not in page and "已超期" in page
    assert f"/enrollments/rechecks/{overdue.pk}/" in page
    page_b = client_for(clerk_b).get("/enrollments/rechecks/").content.decode()
    assert "李小河" in page_b and "剩余" in page_b and "张大山" not in page_b


def test_clerk_records_a_recheck_from_the_page(a_and_b, clerk_a):
    a, _b = a_and_b
    task = RecheckTask.objects.create(enrollment=a, kind=RecheckKind.SCHEDULED, due_on=SEP)
    web = client_for(clerk_a)
    form = web.get(f"/enrollments/rechecks/{task.pk}/").content.decode()
    assert 'value="keep"' in form and 'value="end"' not in form
    missing = web.post(f"/enrollments/rechecks/{task.pk}/", {"outcome": "keep", "note": ""})
    assert missing.status_code == 200
    response = web.post(f"/enrollments/rechecks/{task.pk}/",
                        {"outcome": "keep", "note": "入户核实无变化", "income_stable": "0"})
    assert response.status_code == 302
    task.refresh_from_db()
    a.refresh_from_db()
    assert (task.status, task.outcome) == (RecheckStatus.DONE, RecheckOutcome.KEEP)
    assert a.income_stable is False


def test_county_runs_a_recovery_from_the_page(a_and_b, county_admin):
    a, _b = a_and_b
    web = client_for(county_admin)
    assert web.post(f"/enrollments/{a.pk}/recovery/", {
        "rc-total": "300", "rc-monthly_deduction": "0", "rc-reason": "重复发放",
        "rc-decision": "追回决定1号"}).status_code == 302
    assert web.post(f"/enrollments/{a.pk}/repayment/", {
        "rp-amount": "100", "rp-paid_on": timezone.localdate().isoformat(),
        "rp-receipt": "R0001"}).status_code == 302
    page = web.get(f"/enrollments/{a.pk}/").content.decode()
    assert "尚欠 200.00 元" in page and "R0001" in page
    assert web.post(f"/enrollments/{a.pk}/write-off/", {
        "wo-amount": "200", "wo-decision": "核销决定1号"}).status_code == 302
    plan = a.recoveries.get()
    assert (plan.recovered, plan.written_off, plan.status) == (
        Decimal("100.00"), Decimal("200.00"), "written_off")
    # Nothing is outstanding, so there is nothing left to repay.
    assert web.post(f"/enrollments/{a.pk}/repayment/", {
        "rp-amount": "1", "rp-paid_on": timezone.localdate().isoformat(),
        "rp-receipt": "R0002"}).status_code == 200
