"""Public disclosure: 政策公开 with the standards per township, and the monthly recipient lists
of each village, which show only what domain.md §7 allows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from benefits.models import PayrollLine, RunStatus
from benefits.months import month_of
from benefits.services.payroll import payroll_approve, payroll_compute
from demo.reference import TOWNSHIP_B
from jiuzhu.testing.benefits import enrolled, open_account
from jiuzhu.testing.factories import PersonFactory, household_with_applicant
from policies.models import Parameter
from registry.models import Household

VILLAGE_A = "620802100201"  # 大寨村


def this_month() -> date:
    return month_of(timezone.localdate())


def recipient(name: str, amount: str, *, programme: str = "dibao_rural", members: int = 1,
              id_number: str | None = None, phone: str = "13800000000",
              address: str = "大寨村1组1号", account: str | None = None) -> Household:
    person: dict[str, Any] = {"name": name, "phone": phone}
    if id_number:
        person["id_number"] = id_number
    household = household_with_applicant(VILLAGE_A, **person)
    Household.objects.filter(pk=household.pk).update(address=address, phone=phone)
    for i in range(members - 1):
        PersonFactory(household=household, relation="child", name=f"{name}之子{i}",
                      birth_date=date(2010 + i, 1, 1))
    enrolled(household, amount, programme=programme, account=False)
    open_account(household, number=account)
    return household


def approved_payroll(maker: Any, checker: Any, programme: str = "dibao_rural") -> Any:
    run = payroll_compute(actor=maker, programme_id=programme, month=this_month()).run
    return payroll_approve(actor=checker, run_id=run.pk)


def list_url(month: date | None = None, village: str = VILLAGE_A) -> str:
    return f"/portal/mingdan/{village}/{(month or this_month()):%Y-%m}/"


def test_the_recipient_list_never_shows_what_identifies_a_household(
        county_admin, county_checker, client: Client):
    household = recipient("欧阳明华", "900.00", members=3, id_number="620802195803070411",
                          phone="13999998888", address="崆峒镇大寨村九组99号",
                          account="6230999988887777")
    approved_payroll(county_admin, county_checker)

    page = client.get(list_url())
    html = page.content.decode()

    assert page.status_code == 200
    assert "欧***" in html and "900.00" in html and ">3<" in html
    for secret in ["欧阳明华", "明华", "620802195803070411", "0411", "崆峒镇大寨村九组99号",
                   "九组", "13999998888", "8888", "6230999988887777", "7777"]:
        assert secret not in html, secret
    # The other members are not named either.
    assert "欧阳明华之子" not in html
    assert household.members.count() == 3


def test_figures_equal_the_approved_lines_and_a_draft_run_shows_nothing(
        county_admin, county_checker, client: Client):
    recipient("司马光", "900.00", members=3)
    recipient("上官婉", "450.50", members=2)
    recipient("诸葛亮", "300.00", programme="dibao_urban")
    run = approved_payroll(county_admin, county_checker)
    draft = payroll_compute(actor=county_admin, programme_id="dibao_urban",
                            month=this_month()).run
    assert draft.status == RunStatus.DRAFT and draft.lines == 1

    html = client.get(list_url()).content.decode()

    lines = PayrollLine.objects.filter(run=run, version=run.version, village_code=VILLAGE_A)
    assert sum(line.base_amount for line in lines) == Decimal("1350.50")
    assert "司**" in html and "上**" in html and "诸**" not in html
    assert "1350.50" in html and "共 2 户，保障 5 人次" in html
    assert "农村最低生活保障" in html and "城市最低生活保障" not in html


def test_the_index_lists_months_and_villages_of_approved_runs(
        county_admin, county_checker, client: Client):
    assert "暂无公布的名单" in client.get("/portal/mingdan/").content.decode()
    recipient("司马光", "900.00")
    recipient("上官婉", "450.50")
    approved_payroll(county_admin, county_checker)

    html = client.get("/portal/mingdan/").content.decode()
    assert f"{this_month():%Y-%m}" in html and "大寨村" in html and "2 户" in html
    assert f'href="{list_url()}"' in html


def test_a_big_village_is_paged(county_admin, county_checker, client: Client):
    for i in range(51):
        recipient(f"赵{i}", "100.00")
    approved_payroll(county_admin, county_checker)

    first = client.get(list_url()).content.decode()
    second = client.get(list_url(), {"page": 2}).content.decode()
    assert first.count("<td>赵*") == 50 and second.count("<td>赵*") == 1
    assert "共 51 户" in second


@pytest.mark.parametrize("path", [
    "/portal/mingdan/620802100201/2026-13/",  # no such month
    "/portal/mingdan/620802100201/2026-1/",
    "/portal/mingdan/620802100201/abcd/",
    "/portal/mingdan/620802100201/2020-01/",  # no approved payroll that month
    "/portal/mingdan/620802100000/{month}/",  # a township, not a village
    "/portal/mingdan/110101001001/{month}/",  # another county
    "/portal/mingdan/6208021002/{month}/",
    "/portal/mingdan/?month=2020-01",
])
def test_a_bad_village_or_month_gets_the_neutral_not_found_page(
        county_admin, county_checker, client: Client, path):
    recipient("司马光", "900.00")
    approved_payroll(county_admin, county_checker)
    assert client.get(list_url()).status_code == 200

    page = client.get(path.format(month=f"{this_month():%Y-%m}"))
    assert page.status_code == 404 and "未找到" in page.content.decode()


def _row(html: str, township: str) -> str:
    return html.split(f"<td>{township}</td>", 1)[1].split("</tr>", 1)[0]


def test_standards_are_resolved_per_township(county, client: Client):
    Parameter.objects.create(key="dibao.standard.rural", region_id=TOWNSHIP_B, value="650.00",
                             value_type="decimal", effective_from=date(2026, 1, 1))
    Parameter.objects.filter(key="temp.township_cap").delete()

    page = client.get("/portal/zhengce/")
    html = page.content.decode()

    assert page.status_code == 200
    a, b = _row(html, "崆峒镇"), _row(html, "白水镇")
    assert "600.00" in a and "780.00" in a and "650.00" not in a  # 600 × 1.3
    assert "650.00" in b and "845.00" in b  # the township's own standard × 1.3
    assert "750.00" in a and "750.00" in b  # the urban standard is the county's for both
    assert "600.00 / 800.00 / 1200.00" in a
    assert "1125.00 / 900.00" in a  # 低保边缘: 1.5 × each standard
    assert a.rstrip().endswith('<td class="num">—</td>')  # no township cap set anywhere


def test_policies_page_lists_programmes_hotlines_and_how_to_apply(county, client: Client):
    html = client.get("/portal/zhengce/").content.decode()
    assert "农村最低生活保障" in html and "社会救助暂行办法第九条" in html
    assert "区民政局社会救助股" in html and "0933-8211001" in html
    for number in ["0933-8212349", "0931-12349", "12345"]:
        assert number in html
    assert 'href="/portal/apply/"' in html


def test_the_portal_links_the_disclosure_pages(county, client: Client):
    html = client.get("/portal/").content.decode()
    assert 'href="/portal/zhengce/"' in html and 'href="/portal/mingdan/"' in html
