"""A township clerk registers a household through the real form in headless Chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from jiuzhu.testing.browser import login, save_screenshot
from registry.idcard import check_character
from registry.models import Household, Person

VILLAGE = "620802100201"  # 崆峒镇 大寨村, in clerk_a's township
ADDRESS = "大寨村三组18号"
NAME = "王建国"
PHONE = "13993301234"
BAD_ID = "620802195803070412"  # check character should be 1


def _valid_id_ending_in_x() -> str:
    """A valid number (a man's: odd serial) whose check character is X, typed as lowercase x."""
    for serial in range(1, 1000, 2):
        first17 = f"62080219580307{serial:03d}"
        if check_character(first17) == "X":
            return first17 + "X"
    raise AssertionError("no serial gives check character X")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_clerk_registers_household_after_fixing_rejected_id(
    live_server: Any, county: None, browser_page: Page
) -> None:
    page, base = browser_page, live_server.url
    good_id = _valid_id_ending_in_x()
    assert check_character(BAD_ID[:17]) != BAD_ID[17]

    login(page, base, "clerk_a")
    expect(page.locator("header .who")).to_contain_text("李娟")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="家庭档案").click()
    expect(page).to_have_url(f"{base}/households/")
    page.get_by_role("link", name="登记新家庭").click()
    expect(page).to_have_url(f"{base}/households/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("登记新家庭")

    village = page.get_by_label("村（社区）")
    # clerk_a is scoped to 崆峒镇: its villages are offered, 白水镇's are not.
    expect(village.locator(f'option[value="{VILLAGE}"]')).to_have_text("崆峒镇 大寨村")
    expect(village.locator('option[value="620802101201"]')).to_have_count(0)
    village.select_option(VILLAGE)
    page.get_by_label("居住地址").fill(ADDRESS)
    page.get_by_label("家庭联系电话").fill(PHONE)
    page.get_by_label("申请人姓名").fill(NAME)
    id_input = page.get_by_label("申请人身份证号码")
    id_input.fill(BAD_ID)
    page.get_by_role("button", name="保存").click()

    # Rejected: the same form again, nothing saved, the error next to the ID field only.
    expect(page).to_have_url(f"{base}/households/new/")
    id_field = page.locator(".field").filter(has=page.locator("#id_applicant_id_number"))
    expect(id_field).to_have_class(re.compile(r"\bhas-error\b"))
    expect(id_field.locator(".errorlist")).to_contain_text("校验位")
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(id_input).to_have_attribute("aria-invalid", "true")
    # What the clerk typed is kept, including the rejected number.
    expect(village).to_have_value(VILLAGE)
    expect(page.get_by_label("居住地址")).to_have_value(ADDRESS)
    expect(page.get_by_label("家庭联系电话")).to_have_value(PHONE)
    expect(page.get_by_label("申请人姓名")).to_have_value(NAME)
    expect(id_input).to_have_value(BAD_ID)
    assert not Household.objects.exists()
    save_screenshot(page, "household-form-error", docs=True)

    id_input.fill(good_id.lower())
    page.get_by_role("button", name="保存").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/households/(\d+)/$"))
    expect(page.locator(".messages")).to_contain_text("家庭已登记")
    expect(page.get_by_role("link", name=NAME)).to_be_visible()
    expect(page.get_by_role("cell", name=good_id)).to_be_visible()
    save_screenshot(page, "household-detail")

    match = re.search(r"/households/(\d+)/$", page.url)
    assert match
    household = Household.objects.get(pk=int(match.group(1)))
    assert household.village_id == VILLAGE
    assert household.address == ADDRESS
    assert household.phone == PHONE
    assert Household.objects.count() == 1
    applicant = Person.objects.get(household=household)
    assert (applicant.name, applicant.relation, applicant.id_number) == (NAME, "applicant", good_id)
