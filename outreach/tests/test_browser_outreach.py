"""Reaching people in headless Chromium: a care card from the household page to its QR page and
the progress query on a phone, and a 微心愿 from the grid worker's visit to the 回访."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from cards.models import Card
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.browser import login, save_screenshot
from jiuzhu.testing.cases import accepted_case, household_of
from outreach.models import Wish, WishState

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
NAME = "马秀兰"
ADDRESS = "大寨村三组18号"
AMOUNT = "987.65"


def _as(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    login(page, base, username)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_card_from_household_page_to_qr_page_and_progress_query(
    live_server: Any, county: None, browser_page: Page
) -> None:
    page, base = browser_page, live_server.url
    household = household_of(name=NAME, wage="300.00")
    household.address = ADDRESS
    household.save()
    applicant = household.members.get(relation="applicant")
    enrolled(household, amount=AMOUNT)
    enrolled(household, amount="123.40", programme="medical", account=False)
    case = accepted_case(household, programme="temporary", temporary_kind="expenditure",
                         requested_amount="3000.00")

    # clerk_a issues the card from the household page and sees it as it will be printed.
    _as(page, base, "clerk_a")
    page.goto(f"{base}/households/{household.pk}/")
    page.get_by_role("button", name="发放联系卡").click()
    expect(page.locator(".messages")).to_contain_text("已发放联系卡")
    card = Card.objects.get(household=household)
    expect(page).to_have_url(f"{base}/cards/{card.pk}/")
    preview = page.locator(".cc-preview")
    expect(preview).to_contain_text("农村最低生活保障")
    expect(preview).to_contain_text(AMOUNT)
    expect(preview).to_contain_text("1111.05")  # the monthly total of both benefits
    expect(preview.get_by_alt_text("二维码")).to_be_visible()
    save_screenshot(page, "care-card-1", docs=True)
    public_url = page.get_by_role("link", name="打开扫码页面").get_attribute("href")
    assert public_url == f"{base}/k/{card.token}/"

    # Someone scans the QR code with a phone: no login, nothing private.
    browser = page.context.browser
    assert browser is not None
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    errors: list[str] = []
    try:
        scan = phone.new_page()
        scan.on("pageerror", lambda exc: errors.append(str(exc)))
        scan.goto(public_url)
        main = scan.locator("main")
        expect(main).to_contain_text("农村最低生活保障")
        expect(main).to_contain_text("按差额给予保障")  # the programme in plain words
        expect(main).to_contain_text("医疗救助")
        expect(main).to_contain_text("0933-8211001")  # the county hotline
        expect(main).to_contain_text("12345")
        for private in (applicant.id_number, applicant.id_number[-6:], ADDRESS, AMOUNT, "123.40",
                        "1111.05", NAME):
            expect(main).not_to_contain_text(private)
        save_screenshot(scan, "care-card-2", docs=True)

        # The progress query on the same page: case number and the last 6 of the ID number.
        scan.get_by_label("案件编号").fill(case.number)
        scan.get_by_label("申请人身份证号码后6位").fill(applicant.id_number[-6:])
        scan.get_by_role("button", name="查询进度").click()
        result = scan.locator("main")
        expect(result).to_contain_text(case.number)
        expect(result).to_contain_text("临时救助")
        expect(result).to_contain_text("已受理")
        expect(result).not_to_contain_text(NAME)
        save_screenshot(scan, "care-card-3", docs=True)
    finally:
        phone.close()
    assert not errors, errors
    assert Card.objects.get(pk=card.pk).scans == 1


def _step(page: Page, action: str, button: str) -> None:
    page.locator(f"#action-{action}").get_by_role("button", name=button).click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_wish_from_visit_to_revisit(live_server: Any, county: None, browser_page: Page) -> None:
    page, base = browser_page, live_server.url
    household = household_of(name=NAME, wage="300.00")
    enrolled(household, amount=AMOUNT)

    # grid_a, on the phone, finds the household on the village's visit list and records a visit
    # with a wish heard on the doorstep.
    page.set_viewport_size(PHONE)
    _as(page, base, "grid_a")
    page.goto(f"{base}/visits/")
    row = page.locator("tr", has_text=NAME)
    expect(row).to_contain_text("今日应访")
    row.get_by_role("link", name="登记走访").click()
    page.get_by_label("家庭近况").fill("老人腰腿疼痛，行动不便，冬季取暖煤不够")
    page.get_by_label("心愿内容").fill("冬天取暖煤不够，希望帮助解决一些")
    save_screenshot(page, "wish-1", docs=True)
    page.get_by_role("button", name="保存走访记录").click()
    expect(page.locator(".messages")).to_contain_text("走访记录已保存")
    wish = Wish.objects.get(household=household)
    expect(page.locator("main")).to_contain_text(f"{wish.number} 冬天取暖煤不够")
    assert wish.state == WishState.COLLECTED and wish.visit is not None

    # clerk_a classifies, assigns, handles and resolves it from the ledger.
    page.set_viewport_size(DESKTOP)
    _as(page, base, "clerk_a")
    page.goto(f"{base}/wishes/")
    page.get_by_role("link", name=wish.number).click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("已收集")
    page.locator("#action-classify").get_by_label("类别").select_option("living")
    _step(page, "classify", "保存分类")
    expect(heading).to_contain_text("已分类")
    page.locator("#action-assign").get_by_label("责任部门").select_option(label="区民政局社会救助股")
    _step(page, "assign", "交办")
    expect(heading).to_contain_text("已交办")
    expect(page.locator("main")).to_contain_text("办理期限")
    _step(page, "start", "开始办理")
    expect(heading).to_contain_text("办理中")
    page.locator("#action-resolve").get_by_label("办理结果").fill("已协调发放取暖煤1吨，送货上门")
    _step(page, "resolve", "登记办理结果")
    expect(heading).to_contain_text("已解决")

    # grid_a tells the household and makes the 回访.
    page.set_viewport_size(PHONE)
    _as(page, base, "grid_a")
    page.goto(f"{base}/wishes/{wish.pk}/")
    page.locator("#action-feedback").get_by_label("反馈情况").fill("已上门告知，煤已送到家中")
    _step(page, "feedback", "登记反馈")
    expect(heading).to_contain_text("已反馈")
    revisit = page.locator("#action-revisit")
    revisit.get_by_label("满意", exact=True).check()
    revisit.get_by_label("回访情况").fill("煤已烧上，屋里暖和，老人很满意")
    _step(page, "revisit", "登记回访")
    expect(heading).to_contain_text("已回访")

    # clerk_a closes it; the ledger shows it closed with the household satisfied.
    page.set_viewport_size(DESKTOP)
    _as(page, base, "clerk_a")
    page.goto(f"{base}/wishes/{wish.pk}/")
    _step(page, "close", "销号办结")
    expect(heading).to_contain_text("已办结")
    timeline = page.locator("#wish-timeline")
    for label in ("登记心愿", "分类", "交办", "开始办理", "登记办理结果", "向群众反馈", "回访", "销号办结"):
        expect(timeline).to_contain_text(label)
    expect(timeline).to_contain_text("满意度：满意")
    save_screenshot(page, "wish-2", docs=True)
    page.goto(f"{base}/wishes/")
    expect(page.locator("tr", has_text=wish.number)).to_contain_text("已办结")
    wish.refresh_from_db()
    assert (wish.state, wish.satisfaction) == (WishState.CLOSED, "satisfied")
