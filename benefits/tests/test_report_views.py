"""统计月报 pages: scoping by region, the table on screen, and the Excel and PDF exports."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from benefits.tests.test_statistics import build_county
from demo.reference import COUNTY, TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.testing.cases import VILLAGE_A, VILLAGE_B
from jiuzhu.testing.fixtures import client_for

URL = "/reports/monthly/"
PDFTOTEXT = shutil.which("pdftotext")


@pytest.fixture
def data(county_admin: Any, county_checker: Any, clerk_b: Any) -> None:
    build_county(county_admin, county_checker, clerk_b)


def test_county_table_defaults_to_the_latest_approved_month(data: None, county_admin: Any) -> None:
    response = client_for(county_admin).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    report = response.context["report"]
    assert report.region.code == COUNTY[0] and f"{report.month:%Y-%m}" == "2026-11"
    assert "填报单位" in html and "崆峒区（演示）" in html and "2026年11月" in html
    assert "单位：户、人、元" in html and "1—11月累计" in html
    assert "5260.50" in html and "584.50" in html and "581.72" in html  # the 合计 row
    # The drill-down links to each township of the month.
    assert f"?region={TOWNSHIP_A}&amp;month=2026-11" in html
    assert "当月保障金＝" in html  # the formula is stated


def test_township_user_sees_own_township_and_its_villages(data: None, clerk_b: Any) -> None:
    web = client_for(clerk_b)
    response = web.get(URL)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.region.code == TOWNSHIP_B
    assert report.children and all(c.region.code.startswith("620802101")
                                    for c in report.children)
    html = response.content.decode()
    assert "崆峒镇" not in html and "大寨村" not in html
    assert f"?region={VILLAGE_B}&amp;month=2026-11" in html
    assert web.get(URL, {"region": VILLAGE_B, "month": "2026-11"}).status_code == 200


def test_township_b_gets_404_for_township_a_and_the_county(data: None, clerk_b: Any) -> None:
    web = client_for(clerk_b)
    for region in (TOWNSHIP_A, VILLAGE_A, COUNTY[0], "999999999999", "abc"):
        assert web.get(URL, {"region": region}).status_code == 404, region
        assert web.get(URL, {"region": region, "format": "xlsx"}).status_code == 404, region


def test_roles_without_reports_are_refused(data: None, grid_a: Any, liaison: Any,
                                           auditor: Any) -> None:
    assert client_for(grid_a).get(URL).status_code == 403
    assert client_for(liaison).get(URL).status_code == 403
    assert client_for(auditor).get(URL, {"region": TOWNSHIP_A}).status_code == 200


def test_bad_month_is_shown_beside_the_field_and_kept(county_admin: Any) -> None:
    response = client_for(county_admin).get(URL, {"month": "2026-13"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "月份格式应为" in html and 'value="2026-13"' in html


def test_excel_is_a_statistical_table_with_numbers(data: None, county_admin: Any) -> None:
    response = client_for(county_admin).get(URL, {"month": "2026-11", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('yuebao-620802000000-202611.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["低保特困", "特困供养", "临时救助", "分地区"]
    ws = book["低保特困"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:N1" in merged and "A3:A4" in merged and "C3:F3" in merged  # title, 项目, 当月在保
    assert ws["A1"].value.startswith("社会救助统计月报表")
    assert ws["A2"].value == "填报单位：崆峒区（演示）" and ws["E2"].value == "统计月份：2026年11月"
    assert ws["C3"].value == "当月在保" and ws["G3"].value == "1—11月累计"
    assert [ws.cell(4, c).value for c in range(3, 7)] == ["户数", "人数", "保障金", "人均补差"]
    # Rows 5–13: 城市低保, 农村低保, 特困 × (城市, 农村, 小计); row 14 合计.
    assert ws["A8"].value == "农村最低生活保障" and "A8:A10" in merged
    rural = [ws.cell(9, c).value for c in range(2, 15)]
    assert rural == ["农村", 3, 5, 1400.5, 280.1, 12, 3251, 270.92, 0, 0, 1, 1, 1]
    assert ws["F6"].value == "—"  # no urban dibao recipients in the countryside: no average
    assert ws["A14"].value == "合计" and "A14:B14" in merged
    assert [ws.cell(14, c).value for c in range(3, 10)] == [6, 9, 5260.5, 584.5, 18, 10471,
                                                            581.72]
    assert ws["E9"].number_format == "#,##0.00" and ws["C9"].number_format == "#,##0"
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    assert "制表人：王建国" in texts and "审核人：" in texts
    assert any(t.startswith("报送日期：") for t in texts)
    assert any("补发－追回扣减" in t for t in texts)

    temporary = book["临时救助"]
    assert [temporary.cell(7, c).value for c in range(3, 9)] == [1, 3, 2000, 2, 5, 3500]
    assert [temporary.cell(8, c).value for c in (3, 5, 6, 8)] == [1, 2000, 1, 2000]
    regions = book["分地区"]
    names = [regions.cell(r, 1).value for r in range(5, 12)]
    assert names == ["东关街道", "西郊街道", "崆峒镇", "白水镇", "花所镇", "安国镇", "合计"]
    # 合计: month funds, then YTD funds
    assert [regions.cell(11, c).value for c in (14, 15)] == [7260.5, 13971]
    assert Decimal(str(regions.cell(7, 14).value)) == Decimal("3080.00")


def _pdf_text(pdf: bytes) -> str:
    assert PDFTOTEXT is not None
    result = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", "-", "-"], input=pdf,  # noqa: S603
                            capture_output=True, check=True)
    return re.sub(r"\s+", "", result.stdout.decode("utf-8"))


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (Debian poppler-utils) is not installed")
def test_pdf_has_the_chinese_table(data: None, clerk_b: Any) -> None:
    response = client_for(clerk_b).get(URL, {"month": "2026-11", "format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert "社会救助统计月报表" in text and "填报单位" in text and "白水镇" in text
    assert "统计月份：2026年11月" in text and "单位：户、人、元" in text
    assert "800.50" in text and "266.83" in text  # 农村低保 of township B
    assert "先行救助" in text and "白水村" in text
    assert "制表人：赵丽" in text and "审核人" in text and "报送日期" in text
