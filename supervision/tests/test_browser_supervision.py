"""政策找人 and 销号 in headless Chromium: township A's clerk acts on a monitoring warning until it
links the household's application; a 问题清单 item goes from registration to 销号, closed by the
township's reviewer because the clerk who submitted it may not check their own work."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from calendar_days.workdays import add_working_days
from jiuzhu.testing.browser import login, save_screenshot
from jiuzhu.testing.cases import VILLAGE_A, accepted_case, household_of
from monitoring.models import RuleCode, Warning, WarningState
from supervision.models import ItemState, LedgerItem

NAME = "赵秀英"
TOWNSHIP_A = "620802100000"
TINY_PDF = b"%PDF-1.4\n%%EOF"


def _as(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    login(page, base, username)


def _nav(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=label).click()


def _medical_warning() -> Warning:
    """What the engine raises for a large medical bill (rule medical_expense), two days ago."""
    household = household_of(name=NAME)
    raised_on = timezone.localdate() - timedelta(days=2)
    return Warning.objects.create(
        rule=RuleCode.MEDICAL_EXPENSE, person=household.members.get(relation="applicant"),
        household=household, village_code=VILLAGE_A,
        evidence="近12个月自付医疗费用35000.00元，超过20000.00元", value=Decimal("35000.00"),
        event_key=f"{raised_on:%Y-%m}", raised_on=raised_on,
        due_on=add_working_days(raised_on, 5).date)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_warning_becomes_a_contact_then_the_households_case(
    live_server: Any, county: None, browser_page: Page
) -> None:
    page, base = browser_page, live_server.url
    warning = _medical_warning()

    _as(page, base, "clerk_a")
    _nav(page, "监测预警")
    queue = page.locator("table.warning-queue")
    expect(queue).to_contain_text(NAME)
    expect(queue).to_contain_text("待处置")
    queue.get_by_role("link", name=f"{warning.raised_on:%Y-%m-%d}").click()
    expect(page).to_have_url(f"{base}/monitoring/{warning.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"大额医疗支出 · {NAME}")
    expect(page.locator("#warning-evidence")).to_contain_text("35000.00")
    # Nothing to link before the household has been reached.
    expect(page.locator("#action-open_case")).to_have_count(0)

    # An empty note is refused beside the field and leaves the warning open.
    page.get_by_role("button", name="保存联系情况").click()
    expect(page.locator(".messages")).to_contain_text("未保存")
    expect(page.locator("#action-contact")).to_contain_text("这个字段是必填项")
    page.locator("#action-contact").get_by_label("联系情况").fill(
        "入户走访：户主住院治疗，家中无其他收入，已告知可申请低保并指导准备材料")
    page.get_by_role("button", name="保存联系情况").click()
    expect(page.locator(".messages")).to_contain_text("已登记联系情况")
    expect(page.get_by_role("heading", level=1)).to_contain_text("已联系")
    expect(page.locator("#action-contact")).to_have_count(0)

    # 帮办: the application is registered for the household (at the window, cases area), then
    # linked here by its number.
    case = accepted_case(warning.household)
    link = page.locator("#action-open_case")
    link.get_by_label("救助申请编号").fill("SQ-NOT-A-CASE")
    link.get_by_role("button", name="关联救助申请").click()
    expect(page.locator("#action-open_case")).to_contain_text("未找到该救助申请")
    warning.refresh_from_db()
    assert (warning.state, warning.case_id) == (WarningState.CONTACTED, None)
    page.locator("#action-open_case").get_by_label("救助申请编号").fill(case.number.lower())
    page.get_by_role("button", name="关联救助申请").click()
    expect(page.locator(".messages")).to_contain_text("已关联救助申请")
    expect(page.get_by_role("heading", level=1)).to_contain_text("已转申请")
    expect(page.locator("#warning-case")).to_contain_text(case.number)
    expect(page.locator("#warning-timeline")).to_contain_text("入户走访")
    save_screenshot(page, "monitoring-1", docs=True)

    # The queue shows the outcome with the case number; the link leads to the case itself.
    _nav(page, "监测预警")
    expect(page.locator("table.warning-queue")).to_contain_text(f"已转申请 · {case.number}")
    page.get_by_role("link", name=f"{warning.raised_on:%Y-%m-%d}").click()
    page.locator("#warning-case").get_by_role("link", name=case.number).click()
    expect(page).to_have_url(f"{base}/cases/{case.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.number)
    warning.refresh_from_db()
    assert (warning.state, warning.case_id, warning.contacted_by.username if
            warning.contacted_by else None) == (WarningState.CASE_OPENED, case.pk, "clerk_a")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_ledger_item_goes_from_open_to_closed_by_another_checker(
    live_server: Any, county: None, browser_page: Page
) -> None:
    page, base = browser_page, live_server.url
    due = timezone.localdate() + timedelta(days=30)

    # 排查发现: township A's clerk registers the problem for their own township.
    _as(page, base, "clerk_a")
    _nav(page, "清单台账")
    page.get_by_role("link", name="登记清单事项").click()
    page.get_by_label("清单 *", exact=True).select_option(label="问题清单")
    page.get_by_label("来源 *", exact=True).select_option(label="排查自查发现")
    expect(page.get_by_label("责任地区")).to_have_value(TOWNSHIP_A)
    page.get_by_label("事项 *", exact=True).fill("大寨村低保公示栏未按期更新")
    page.get_by_label("具体情况").fill("公示栏仍为上季度名单")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已登记清单事项 TZ")
    expect(page.locator("#item-state")).to_have_text("待交办")
    item = LedgerItem.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(item.number)

    # 三项要求: unit, person, measures and deadline.
    assign = page.locator("#action-assign")
    assign.get_by_label("责任单位").fill("崆峒镇民政办")
    assign.get_by_label("责任人 *", exact=True).fill("李明")
    assign.get_by_label("整改时限").fill(due.isoformat())
    assign.get_by_label("整改措施").fill("三日内更新公示栏，并建立每月核对制度")
    assign.get_by_role("button", name="交办").click()
    expect(page.locator(".messages")).to_contain_text("已交办")
    expect(page.locator("#item-state")).to_have_text("已交办")
    page.locator("#action-start").get_by_role("button", name="开始整改").click()
    expect(page.locator("#item-state")).to_have_text("整改中")

    # No evidence, no 销号: the submit is refused until a file is attached.
    submit = page.locator("#action-submit")
    submit.get_by_label("整改情况").fill("已更新公示栏名单并拍照留存")
    submit.get_by_role("button", name="提交销号").click()
    expect(page.locator("#action-submit")).to_contain_text("请先上传整改佐证材料")
    expect(page.locator("#item-state")).to_have_text("整改中")

    upload = page.locator("#action-evidence")
    upload.get_by_label("材料说明").fill("更新后的公示栏")
    upload.get_by_label("文件 *", exact=True).set_input_files(
        {"name": "公示栏.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF})
    upload.get_by_role("button", name="上传").click()
    expect(page.locator(".messages")).to_contain_text("佐证材料已上传")
    expect(page.locator("#evidence-table")).to_contain_text("公示栏.pdf")
    page.locator("#action-submit").get_by_label("整改情况").fill("已更新公示栏名单并拍照留存")
    page.locator("#action-submit").get_by_role("button", name="提交销号").click()
    expect(page.locator(".messages")).to_contain_text("已提交，等待审核销号")
    expect(page.locator("#item-state")).to_have_text("已提交销号")
    # The clerk who submitted is offered no review: neither 销号 nor sending it back.
    expect(page.locator("#action-close")).to_have_count(0)
    expect(page.locator("#action-send_back")).to_have_count(0)
    expect(page.get_by_role("button", name="同意销号")).to_have_count(0)
    # …and a hand-made POST with the clerk's own session and token is refused, changing nothing.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    forged = page.request.post(f"{base}/supervision/ledgers/{item.pk}/close/",
                               form={"review_note": "自己销号"}, headers={"X-CSRFToken": token})
    assert forged.status == 403
    assert "您的角色不能“审核销号”" in forged.text()
    item.refresh_from_db()
    assert (item.state, item.closed_by_id) == (ItemState.SUBMITTED, None)

    # 乡镇审核: the township's reviewer checks the evidence and closes the item.
    _as(page, base, "reviewer_a")
    _nav(page, "清单台账")
    page.get_by_role("link", name=item.number).click()
    expect(page.locator("#item-state")).to_have_text("已提交销号")
    page.locator("#action-close").get_by_label("审核意见").fill("经现场核实，公示栏已更新")
    page.get_by_role("button", name="同意销号").click()
    expect(page.locator(".messages")).to_contain_text("已销号")
    expect(page.locator("#item-state")).to_have_text("已销号")
    expect(page.locator("#action-close")).to_have_count(0)
    expect(page.locator("#action-evidence")).to_have_count(0)  # what was checked stays as is
    expect(page.locator("#item-timeline")).to_contain_text("经现场核实")
    save_screenshot(page, "ledger-1", docs=True)

    page.get_by_role("link", name="返回台账").click()
    row = page.locator("table.ledger-table tr", has=page.get_by_role("link", name=item.number))
    expect(row).to_contain_text("已销号")
    expect(row).to_contain_text("李明")
    item.refresh_from_db()
    assert (item.state, item.submitted_by.username if item.submitted_by else None,
            item.closed_by.username if item.closed_by else None) == (
        ItemState.CLOSED, "clerk_a", "reviewer_a")
    assert re.fullmatch(r"TZ\d{10}", item.number)
