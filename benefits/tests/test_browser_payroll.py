"""One month of 一卡通 payment in headless Chromium, as the maker, the checker and the bank see it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from benefits.models import PayrollRun
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.browser import login, save_screenshot
from jiuzhu.testing.cases import VILLAGE_B, household_of

MONTH = "2026-12"


def _as(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    login(page, base, username)


def _return_file(payment_file: bytes, failures: dict[int, str]) -> bytes:
    """The bank's answer: every line back, the chosen ones failed with a reason."""
    rows = list(csv.reader(io.StringIO(payment_file.decode("utf-8-sig"))))
    header, lines = rows[0], rows[1:-1]
    assert header[:4] == ["流水号", "账号", "户名", "金额"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["流水号", "账号", "金额", "结果", "失败原因"])
    for i, (line_id, account, _name, amount, *_rest) in enumerate(lines):
        reason = failures.get(i)
        writer.writerow([line_id, account, amount, "失败" if reason else "成功", reason or ""])
    return out.getvalue().encode("utf-8")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_month_from_run_to_bank_return_and_report(
    live_server: Any, county: None, browser_page: Page
) -> None:
    page, base = browser_page, live_server.url
    enrolled(household_of(3), "900.00")
    enrolled(household_of(2), "480.00")
    enrolled(household_of(1, village=VILLAGE_B), "300.00")

    # The maker computes December's 农村低保 run and sees the township totals.
    _as(page, base, "county_admin")
    page.goto(f"{base}/payroll/")
    page.get_by_label("救助项目").first.select_option("dibao_rural")
    page.get_by_label("发放月份").first.fill(MONTH)
    page.get_by_role("button", name="生成发放批次").click()
    expect(page.locator(".messages")).to_contain_text("3笔，6人，合计1680.00元")
    expect(page.get_by_role("button", name="审批")).to_be_disabled()  # not by the maker
    run = PayrollRun.objects.get()

    # The checker approves: the month is locked.
    _as(page, base, "county_checker")
    page.goto(f"{base}/payroll/{run.pk}/")
    page.get_by_role("button", name="审批").click()
    expect(page.locator(".messages")).to_contain_text("发放批次已审批锁定：3笔，合计1680.00元")
    save_screenshot(page, "payroll-1-approved", docs=True)

    # The bank file: made, downloaded, answered with two failures.
    page.get_by_role("link", name="银行代发与对账").click()
    page.get_by_role("button", name="生成代发文件").click()
    expect(page.locator(".messages")).to_contain_text("已生成第 1 批代发文件：3 笔")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载").click()
    payment_file = download.value.path().read_bytes()
    answer = _return_file(payment_file, {0: "账户已销户", 2: "户名不符"})
    page.get_by_label("回盘文件（.csv 或 .xlsx）").set_input_files(
        {"name": "return.csv", "mimeType": "text/csv", "buffer": answer})
    page.get_by_role("button", name="导入").click()

    # Reconciliation: paid + failed + pending = approved, and the failures with their reasons.
    page.goto(f"{base}/payroll/bank/runs/{run.pk}/")
    total = page.locator("tfoot tr").first
    expect(total).to_contain_text("1680.00")
    cells = total.locator("th")
    assert [cells.nth(i).inner_text() for i in (1, 3, 5, 7)] == ["3", "1", "2", "0"]
    expect(page.locator("body")).to_contain_text("账户已销户")
    expect(page.locator("body")).to_contain_text("户名不符")
    save_screenshot(page, "payroll-2-reconciliation", docs=True)

    # The month's statistics report counts the approved run.
    page.goto(f"{base}/reports/monthly/?month={MONTH}")
    expect(page.locator("body")).to_contain_text("1680.00")
    save_screenshot(page, "payroll-3-report", docs=True)
