"""The dashboard's 12-month payroll chart: inline SVG plus a data table, scoped to the user."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from benefits.tests.test_statistics import build_county
from dashboard.charts import payroll_chart
from jiuzhu.testing.fixtures import client_for


@pytest.fixture
def data(county_admin: Any, county_checker: Any, clerk_b: Any) -> None:
    build_county(county_admin, county_checker, clerk_b)


def _table(html: str) -> dict[str, tuple[str, str]]:
    body = html.split('id="payroll-chart-data"', 1)[1].split("</table>", 1)[0]
    return {m[0]: (m[1], m[2]) for m in re.findall(
        r'<th scope="row">([\d-]+)</th><td class="num">([\d.]+)</td><td class="num">(\d+)</td>',
        body)}


def test_county_chart_has_twelve_months_up_to_the_latest_approved(data: None,
                                                                  county_admin: Any) -> None:
    html = client_for(county_admin).get("/").content.decode()
    assert "<svg" in html and 'role="img"' in html and "<script" not in html.split("<main>")[1]
    rows = _table(html)
    months = list(rows)
    assert (months[0], months[-1], len(months)) == ("2025-12", "2026-11", 12)
    # October: dibao_rural 1850.50 (7 persons) + tekun 3360.00 (2) + temporary 1500.00 (2)
    assert rows["2026-10"] == ("6710.50", "11")
    # November: 500.00 (2) + 1400.50 (5) + 3360.00 (2) + temporary 2000.00 (3)
    assert rows["2026-11"] == ("7260.50", "12")
    assert rows["2026-09"] == ("0.00", "0")
    assert html.count("<rect") >= 12  # one bar a month


def test_township_chart_counts_only_its_own_villages(data: None, clerk_b: Any) -> None:
    rows = _table(client_for(clerk_b).get("/").content.decode())
    # October b1 450.50 + b2 300.00 + b3 1380.00 (4 persons); November adds b4's 2000.00 (3)
    assert rows["2026-10"] == ("2130.50", "4")
    assert rows["2026-11"] == ("4180.50", "7")


def test_chart_is_two_queries_and_only_for_report_readers(
        data: None, county_admin: Any, grid_a: Any, liaison: Any,
        django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(2):  # the latest approved month, then one GROUP BY month
        chart = payroll_chart(county_admin)
    assert chart is not None and chart["points"][-1].funds == Decimal("7260.50")
    assert payroll_chart(grid_a) is None and payroll_chart(liaison) is None
    assert "payroll-chart-data" not in client_for(grid_a).get("/").content.decode()


def test_no_approved_payroll_yet_still_draws_an_empty_chart(county_admin: Any) -> None:
    chart = payroll_chart(county_admin)
    assert chart is not None and len(chart["points"]) == 12 and not chart["has_data"]
