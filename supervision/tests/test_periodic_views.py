"""定期报表 pages: pickers, scoping and drill-down, charts, Excel and PDF, and the dashboard's
figures at a glance (the data set is the hand-built county of test_periodic_figures)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from demo.reference import COUNTY, TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.testing.cases import VILLAGE_A, VILLAGE_B
from jiuzhu.testing.fixtures import client_for
from supervision.tests.test_periodic_figures import County, build

URL = "/reports/periodic/"
OCTOBER = {"kind": "month", "date": "2026-10-01"}
PDFTOTEXT = shutil.which("pdftotext")


@pytest.fixture
def data(county_admin: Any, county_checker: Any, clerk_b: Any, grid_a: Any) -> County:
    return build(county_admin, county_checker, clerk_b, grid_a)


def _row(html: str, figure: str) -> list[str]:
    row = html.split(f'data-figure="{figure}"', 1)[1].split("</tr>", 1)[0]
    return re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)


def test_county_month_with_comparisons_drill_down_and_charts(data: County,
                                                             county_admin: Any) -> None:
    response = client_for(county_admin).get(URL, OCTOBER)
    assert response.status_code == 200
    html = response.content.decode()
    assert "崆峒区（演示）" in html and "2026年10月" in html and "社会救助工作月报" in html
    assert _row(html, "cases_new") == ["5", "1", "+4", "1", "+4"]
    assert _row(html, "cases_new.dibao") == ["3", "0", "+3", "1", "+2"]
    assert _row(html, "pay_funds")[:3] == ["2280.00", "2280.00", "0.00"]
    assert _row(html, "tk_satisfaction")[0] == "50.0"
    assert "上年同期" in html and "同比增减" in html
    # Each township links to its own report of the same period; 本级 and 合计 close the table.
    assert f"?kind=month&amp;date=2026-10-01&amp;region={TOWNSHIP_A}" in html
    assert f"?kind=month&amp;date=2026-10-01&amp;region={TOWNSHIP_B}" in html
    assert ">本级<" in html and ">合计<" in html
    assert "期末超期在办：期末仍在办理" in html  # the definitions are printed
    # Two charts of the twelve months to October, each with its data table.
    assert html.count("<svg") == 2 and 'id="chart-cases-data"' in html
    cases = html.split('id="chart-cases-data"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>'
                      r'<td class="num">(\d+)</td>', cases)
    assert len(rows) == 12 and rows[0][0] == "2025年11月"
    assert rows[-1] == ("2026年10月", "5", "2") and rows[-2] == ("2026年9月", "1", "0")
    # The period pickers keep the choice, and the region list is the user's county.
    assert 'value="2026-10-01"' in html and 'value="month" selected' in html
    assert "\u3000白水镇" in html and "\u3000\u3000大寨村" in html


def test_township_user_sees_own_township_and_drills_down_to_a_village(data: County,
                                                                      clerk_a: Any) -> None:
    web = client_for(clerk_a)
    response = web.get(URL, OCTOBER)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.region.code == TOWNSHIP_A
    assert {row.region.code[:9] for row in report.children} == {TOWNSHIP_A[:9]}
    html = response.content.decode()
    assert "白水" not in html  # neither township B nor its villages, not even in the picker
    assert f"region={VILLAGE_A}" in html
    village = web.get(URL, OCTOBER | {"region": VILLAGE_A})
    assert village.status_code == 200
    body = village.content.decode()
    assert village.context["report"].children == [] and 'id="children-table"' not in body
    assert _row(body, "cases_new")[0] == "2"
    # The trail leads back up to the township (the county is outside the clerk's scope).
    trail = body.split('id="trail"', 1)[1].split("</nav>", 1)[0]
    assert f"region={TOWNSHIP_A}" in trail and f"region={COUNTY[0]}" not in trail


def test_another_township_or_the_county_is_a_404(data: County, clerk_b: Any) -> None:
    web = client_for(clerk_b)
    for region in (TOWNSHIP_A, VILLAGE_A, COUNTY[0], "620000000000", "999999999999", "abc"):
        for output in ("", "xlsx", "pdf"):
            response = web.get(URL, OCTOBER | {"region": region, "format": output})
            assert response.status_code == 404, (region, output)
    assert web.get(URL, OCTOBER | {"region": VILLAGE_B}).status_code == 200


def test_roles_without_reports_are_refused(data: County, grid_a: Any, liaison: Any,
                                           auditor: Any) -> None:
    assert client_for(grid_a).get(URL).status_code == 403
    assert client_for(liaison).get(URL).status_code == 403
    assert client_for(auditor).get(URL, OCTOBER | {"region": TOWNSHIP_B}).status_code == 200


def test_bad_input_is_shown_beside_its_field_and_kept(county_admin: Any) -> None:
    web = client_for(county_admin)
    response = web.get(URL, {"kind": "week", "date": "2026-13-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "日期格式应为" in html and 'value="2026-13-01"' in html
    assert 'value="week" selected' in html and "report" not in response.context
    future = web.get(URL, {"kind": "day", "date": "2099-01-01"})
    assert future.status_code == 400 and "统计日期不能晚于今天" in future.content.decode()
    assert web.get(URL, {"kind": "year"}).status_code == 400


def test_county_page_queries_are_bounded(data: County, county_admin: Any,
                                         django_assert_max_num_queries: Any) -> None:
    web = client_for(county_admin)
    # session, user, regions (the user's, the report's, its children, the picker), ten
    # aggregate queries for the table, four for the charts: none per township or record.
    with django_assert_max_num_queries(21):
        assert web.get(URL, OCTOBER).status_code == 200


def test_excel_is_a_statistical_table_read_back(data: County, county_admin: Any) -> None:
    response = client_for(county_admin).get(URL, OCTOBER | {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('periodic-620802000000-2026-10.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["主要指标", "分地区"]
    ws = book["主要指标"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:H1" in merged and ws["A1"].value == "社会救助工作月报"
    assert ws["A2"].value == "填报单位：崆峒区（演示）" and ws["C2"].value == "统计期间：2026年10月"
    assert [ws.cell(3, c).value for c in range(1, 9)] == [
        "类别", "指标", "单位", "本期", "上期", "环比增减", "上年同期", "同比增减"]
    def row(r: int) -> list[Any]:
        return [ws.cell(r, c).value for c in range(2, 9)]

    assert row(5) == ["新申请", "件", 5, 1, 4, 1, 4]
    assert row(6) == ["其中：低保", "件", 3, 0, 3, 1, 2]
    rows = {ws.cell(r, 2).value: row(r)[1:] for r in range(5, ws.max_row + 1)
            if ws.cell(r, 2).value and not str(ws.cell(r, 2).value).startswith("其中：低保")}
    assert rows["发放保障金"][:4] == ["元", 2280, 2280, 0]
    assert rows["满意率"][:4] == ["%", 50, "—", "—"]
    assert ws["A5"].value == "救助申请" and "A5:A20" in merged  # 4 figures × (total + 3)
    regions = book["分地区"]
    names = [regions.cell(r, 1).value for r in range(5, 13)]
    assert names == ["东关街道", "西郊街道", "崆峒镇", "白水镇", "花所镇", "安国镇", "本级", "合计"]
    assert regions["B3"].value == "救助申请" and regions["B4"].value == "新申请（件）"
    assert [regions.cell(12, c).value for c in range(2, 6)] == [5, 1, 1, 2]
    assert regions.cell(12, 6).number_format == "#,##0.00" and regions.cell(12, 6).value == 2280
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    assert "制表人：王建国" in texts and "审核人：" in texts
    assert any(t.startswith("报送日期：") for t in texts)
    assert any("期末超期在办" in t for t in texts)


def _pdf_text(pdf: bytes) -> str:
    assert PDFTOTEXT is not None
    result = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", "-", "-"], input=pdf,  # noqa: S603
                            capture_output=True, check=True)
    return re.sub(r"\s+", "", result.stdout.decode("utf-8"))


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (Debian poppler-utils) is not installed")
def test_pdf_has_the_title_region_and_figures(data: County, clerk_b: Any) -> None:
    response = client_for(clerk_b).get(URL, {"kind": "week", "date": "2026-10-14"})
    assert response.status_code == 200
    pdf = client_for(clerk_b).get(URL, {"kind": "week", "date": "2026-10-14", "format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].endswith('periodic-620802101000-2026-W42.pdf"')
    text = _pdf_text(pdf.content)
    assert "社会救助工作周报" in text and "白水镇" in text and "白水村" in text
    assert "统计期间：2026年第42周（10-12—10-18）" in text
    assert "1380.00" in text and "1500.00" in text  # the week's tekun payroll and 先行救助
    assert "制表人：赵丽" in text and "报送日期" in text and "环比增减" in text


def test_dashboard_shows_this_months_key_figures_with_drill_down(data: County,
                                                                 county_admin: Any,
                                                                 clerk_a: Any,
                                                                 grid_a: Any) -> None:
    html = client_for(county_admin).get("/").content.decode()
    assert 'id="key-figures-tiles"' in html and 'id="key-figures-regions"' in html
    tiles = html.split('id="key-figures-tiles"', 1)[1].split('id="key-figures-regions"', 1)[0]
    this_month = timezone.localdate().replace(day=1)
    assert f"?kind=month&amp;date={this_month}&amp;region={COUNTY[0]}" in tiles
    assert "较上月" in tiles and "超期在办" in tiles and "期末" not in tiles
    table = html.split('id="key-figures-regions"', 1)[1].split("</table>", 1)[0]
    assert f"region={TOWNSHIP_A}" in table and f"region={TOWNSHIP_B}" in table
    township = client_for(clerk_a).get("/").content.decode()
    assert f"region={TOWNSHIP_A}" in township and f"region={VILLAGE_A}" in township
    assert TOWNSHIP_B not in township
    assert 'id="key-figures' not in client_for(grid_a).get("/").content.decode()
