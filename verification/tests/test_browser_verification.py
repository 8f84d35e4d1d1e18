"""核对 in headless Chromium: the county loads a department's extract, runs a batch over the
county's recipients and follows it to the end; township A's clerk closes the re-check it opened."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.browser import login, save_screenshot
from jiuzhu.testing.cases import household_of
from policies.models import Department, Parameter, ValueType
from verification import services
from verification.models import DataSource, ReviewTask, Rule, SourceItem, VerificationRun

COUNTY = "620802000000"
NAME = "马桂兰"
BAD_ID = "620802195803070412"  # check character should be 1


def _as(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    login(page, base, username)


def _vehicles_source() -> None:
    department = Department.objects.create(name="区公安分局交警大队")
    source = DataSource.objects.create(code="vehicles", name="机动车登记", department=department)
    SourceItem.objects.create(source=source, code="vehicle_value", label="车辆价值",
                              column="车辆价值（元）", kind="amount", feeds="asset:vehicle")
    Rule.objects.create(source=source, item="vehicle_value", operator="gt",
                        threshold=Decimal("50000"), consequence="ineligible", note="车辆超标")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_county_loads_data_runs_a_batch_and_a_clerk_closes_the_recheck(
    live_server: Any, county: None, browser_page: Page
) -> None:
    page, base = browser_page, live_server.url
    household = household_of(name=NAME)
    enrolled(household)
    recipient = household.members.get(relation="applicant")
    _vehicles_source()
    # Every batch of this county goes to the background worker, however small, so the page
    # has progress to follow.
    Parameter.objects.create(key="verification.inline_limit", region_id=COUNTY, value="0",
                             value_type=ValueType.INTEGER, effective_from=date(2020, 1, 1))
    as_of = timezone.localdate() - timedelta(days=3)

    # 部门数据: the county admin uploads the traffic police's extract, one row of it bad.
    _as(page, base, "county_admin")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="部门数据").click()
    page.get_by_role("link", name="机动车登记").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("机动车登记")
    extract = f"身份证号码,车辆价值（元）\n{recipient.id_number},\"85,000\"\n{BAD_ID},1000\n"
    page.get_by_label("数据文件").set_input_files(
        {"name": "机动车登记.csv", "mimeType": "text/csv", "buffer": extract.encode("gbk")})
    page.get_by_label("数据截止日期").fill(as_of.isoformat())
    page.get_by_role("button", name="上传并校验").click()

    expect(page).to_have_url(re.compile(r"/verification/snapshots/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("已读取并校验 2 行：1 行有错误，写入 1 条数据项")
    errors = page.locator("#snapshot-errors")
    expect(errors).to_contain_text(BAD_ID)
    expect(errors).to_contain_text("身份证号码校验位错误")
    expect(errors.get_by_role("cell", name="3", exact=True)).to_be_visible()  # its row number
    page.get_by_label("只启用无错误的行").check()
    page.get_by_label("我已核对上面的校验结果").check()
    page.get_by_role("button", name="启用这批数据").click()
    expect(page.locator(".messages")).to_contain_text("已启用这批数据（1 条数据项）")
    expect(page.locator("dl.kv")).to_contain_text("使用中")
    save_screenshot(page, "verification-1-snapshot")

    # 批量复核: queued for the worker; the page follows it until it is done.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="批量复核").click()
    page.get_by_label("复核范围").select_option(COUNTY)
    page.get_by_role("button", name="开始批量复核").click()
    expect(page.locator(".messages")).to_contain_text("批量复核已排队")
    progress = page.locator("#run-progress")
    expect(progress).to_contain_text("排队中")
    expect(progress).to_contain_text("已核对 0 / 3 人")
    run = VerificationRun.objects.get()
    # The worker writes while no poll is on the server (one in-memory SQLite connection is
    # shared with the live server): polls wait in the browser until the next page call.
    page.route("**/progress/", lambda route: route.continue_())
    with page.expect_response(re.compile(r"/progress/$")):
        pass
    services.run_complete(run.pk)
    expect(progress).to_contain_text("已完成", timeout=15_000)
    expect(progress).to_contain_text("已核对 3 / 3 人")
    expect(progress).to_contain_text("命中 1 条，其中新增 1 条")

    # The hit list: what was found, for whom, and what the rule says.
    page.get_by_role("link", name="只看新增").click()
    findings = page.locator("#run-findings")
    expect(findings).to_contain_text(NAME)
    expect(findings).to_contain_text("车辆价值")
    expect(findings).to_contain_text("85000.00")
    expect(findings).to_contain_text("暂不符合，待申请人说明")
    expect(page.locator("#run-townships")).to_contain_text("崆峒镇")
    save_screenshot(page, "verification-2-run")

    # The re-check the batch opened for the household.
    task = ReviewTask.objects.get()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="复查任务").click()
    expect(page.locator("#tasks")).to_contain_text(f"#{task.pk}")
    page.locator("#tasks").get_by_role("link", name="办结").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"复查任务 #{task.pk}")
    expect(page.locator("#task-findings")).to_contain_text("85000.00")

    # 乡镇: clerk_a closes it after the home visit.
    _as(page, base, "clerk_a")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="复查任务").click()
    page.locator("#tasks").get_by_role("link", name="办结").click()
    expect(page.locator("#task-findings")).to_contain_text(NAME)
    page.get_by_label("复查结果").fill("入户核实：车辆已于上月转让，提供了过户证明")
    page.get_by_role("button", name="办结复查任务").click()
    expect(page.locator(".messages")).to_contain_text("复查任务已办结")
    expect(page.locator("#tasks")).to_contain_text("没有复查任务")
    page.get_by_role("link", name="已办结").click()
    expect(page.locator("#tasks")).to_contain_text(f"#{task.pk}")
    save_screenshot(page, "verification-3-task-closed")
    task.refresh_from_db()
    assert (task.status, task.closed_by.username if task.closed_by else None) == (
        "closed", "clerk_a")
