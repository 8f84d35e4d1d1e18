"""One 低保 case through every stage in headless Chromium, as the people who do each step."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from cases.models import Case
from cases.services.publicity import publicity_close_due
from jiuzhu.testing.browser import login, save_screenshot
from jiuzhu.testing.cases import household_of

NAME = "马秀兰"


def _as(page: Page, base: str, username: str, case: Case | None = None) -> None:
    page.context.clear_cookies()
    login(page, base, username)
    if case is not None:
        page.goto(f"{base}/cases/{case.pk}/")


def _state(page: Page, text: str) -> None:
    expect(page.locator("#case-state")).to_have_text(text)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dibao_case_from_counter_to_approval_and_citizen_query(
    live_server: Any, county: None, browser_page: Page
) -> None:
    page, base = browser_page, live_server.url
    household = household_of(name=NAME, wage="900.00")
    applicant = household.members.get(relation="applicant")

    # 受理: clerk_a takes the application at the township counter.
    _as(page, base, "clerk_a")
    page.goto(f"{base}/households/{household.pk}/")
    page.get_by_role("link", name="发起救助申请").click()
    page.get_by_label("救助项目").select_option("dibao_rural")
    page.get_by_label("核对授权书签署日期").fill(date.today().isoformat())
    page.get_by_label("申请理由").fill("丈夫病故，本人务农收入低，两个孩子上学")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator(".messages")).to_contain_text("申请已登记")
    _state(page, "已受理")
    expect(page.locator("#case-clock")).to_contain_text(re.compile(r"剩余 \d+ 个工作日"))
    case = Case.objects.get(applicant=applicant)
    save_screenshot(page, "case-1-accepted", docs=True)

    # 入户调查 by two workers, then ask the county for 核对.
    page.get_by_role("button", name="开始入户调查").click()
    _state(page, "入户调查")
    page.get_by_role("link", name="录入入户调查").click()
    page.get_by_label("第二名调查人姓名").fill("村委会主任 王五")
    page.get_by_label("住房情况").fill("自有土木结构房屋三间")
    page.get_by_label("家庭生活状况（家电、生活用品、饮食等）").fill("无大件家电，生活简朴")
    page.get_by_label("调查结论").fill("家庭收入情况属实")
    page.get_by_label("调查表已由家庭成员签字确认").check()
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="调查完成，提请核对").click()
    _state(page, "经济状况核对")

    # 核对 by the county.
    _as(page, base, "county_admin", case)
    page.get_by_role("link", name="出具核对结果").click()
    page.get_by_label("核对结论").select_option("pass")
    page.get_by_label("核对情况（各部门数据比对结果）").fill("未发现车辆、房产、工商登记、存款超标")
    page.get_by_role("button", name="保存").click()
    _state(page, "待乡镇审核")

    # 乡镇审核 with the explained amount, then 公示.
    _as(page, base, "reviewer_a", case)
    page.get_by_role("link", name="提出乡镇审核意见").click()
    expect(page.locator("#opinion-preview")).to_contain_text("每月 900.00 元")
    save_screenshot(page, "case-2-opinion", docs=True)
    page.locator("#id_eligible").select_option("yes")
    page.get_by_label("审核意见说明").fill("经入户调查和核对，家庭人均收入低于标准，拟同意")
    page.get_by_role("button", name="保存").click()
    _state(page, "公示中")

    # The village's public notice: masked name, size and amount only.
    page.context.clear_cookies()
    page.goto(f"{base}/portal/gongshi/{household.village_id}/")
    notice = page.locator("main")
    expect(notice).to_contain_text("马**")
    expect(notice).to_contain_text("900.00")
    expect(notice).not_to_contain_text(NAME)
    expect(notice).not_to_contain_text(applicant.id_number)
    save_screenshot(page, "case-3-publicity", docs=True)

    # Seven days later the nightly job sends it on (the notice is backdated instead of waiting).
    case.publicities.update(starts_on=date.today() - timedelta(days=8),
                            ends_on=date.today() - timedelta(days=2))
    assert publicity_close_due() == 1

    # 县级审批.
    _as(page, base, "county_admin", case)
    _state(page, "审批")
    page.locator("form:has([data-action=approve]) input[name=reason]").fill("同意纳入农村低保")
    page.get_by_role("button", name="批准", exact=True).click()
    _state(page, "批准")
    expect(page.locator("#case-calculation")).to_contain_text("每月保障金合计")
    save_screenshot(page, "case-4-approved", docs=True)

    # The citizen checks progress with the case number and the last 6 of the ID number.
    page.context.clear_cookies()
    page.goto(f"{base}/portal/progress/")
    page.get_by_label("案件编号").fill(case.number)
    page.get_by_label("身份证号码后6位").fill(applicant.id_number[-6:])
    page.get_by_role("button", name="查询").click()
    result = page.locator("main")
    expect(result).to_contain_text("批准")
    expect(result).to_contain_text("900.00")
    expect(result).not_to_contain_text(NAME)
    save_screenshot(page, "case-5-progress", docs=True)
