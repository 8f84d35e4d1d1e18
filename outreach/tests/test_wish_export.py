"""The ledger's Excel export: the county's columns, a row read back, the page's filters."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from demo.reference import TOWNSHIP_B
from jiuzhu.testing.fixtures import client_for
from outreach.models import Satisfaction, Wish, WishState
from policies.models import Department

from .test_wish_lifecycle import call, in_state, record, set_today

pytestmark = pytest.mark.django_db
S = WishState
HEADER = ["编号", "乡镇（街道）", "村（社区）", "心愿人", "来源", "心愿内容", "类别", "责任部门",
          "责任人", "联系电话", "办理期限", "状态", "是否逾期", "办理结果", "反馈情况",
          "回访满意度", "登记日期", "办结日期"]


def sheet_rows(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.getvalue()))
    return list(book.active.iter_rows(values_only=True))


def test_columns_and_a_closed_wish_read_back(clerk_a: Any, grid_a: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    set_today(monkeypatch, date(2026, 3, 10))
    wish = record(grid_a, person_name="张三", content="想要一台轮椅")
    call("classify", clerk_a, wish)
    call("assign", clerk_a, wish)
    call("start", clerk_a, wish)
    set_today(monkeypatch, date(2026, 3, 16))
    call("resolve", clerk_a, wish)
    call("feedback", grid_a, wish)
    call("revisit", grid_a, wish, satisfaction=Satisfaction.BASIC)
    call("close", clerk_a, wish)
    rows = sheet_rows(client_for(clerk_a).get("/wishes/export/"))
    assert "崆峒镇微心愿台账" in rows[0][0] and "2026-03-16" in rows[0][0]
    assert list(rows[1]) == HEADER
    department = Department.objects.order_by("name").first()
    assert department is not None
    row = dict(zip(HEADER, rows[2], strict=True))
    assert row == {
        "编号": wish.number, "乡镇（街道）": "崆峒镇", "村（社区）": "大寨村", "心愿人": "张三",
        "来源": "入户走访", "心愿内容": "想要一台轮椅", "类别": "就医看病",
        "责任部门": department.name, "责任人": "王医生", "联系电话": "0933-8211001",
        "办理期限": row["办理期限"], "状态": "已办结", "是否逾期": "否",
        "办理结果": "已联系残联配发轮椅", "反馈情况": "电话告知心愿人", "回访满意度": "基本满意",
        "登记日期": row["登记日期"], "办结日期": row["办结日期"],
    }
    # Dates are dates in the workbook (a county sorts and filters on them).
    assert row["办理期限"].date() == date(2026, 3, 24)
    assert row["登记日期"].date() == date(2026, 3, 10)
    assert row["办结日期"].date() == date(2026, 3, 16)
    assert len(rows) == 3


def test_overdue_flag_and_empty_cells(clerk_a: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    set_today(monkeypatch, date(2026, 3, 20))
    late = in_state(clerk_a, S.IN_PROGRESS, due_on=date(2026, 3, 19),
                    responsible_person="刘干事")
    rows = sheet_rows(client_for(clerk_a).get("/wishes/export/"))
    row = dict(zip(HEADER, rows[2], strict=True))
    assert (row["编号"], row["是否逾期"], row["状态"]) == (late.number, "是", "办理中")
    assert row["办结日期"] is None and row["回访满意度"] in (None, "")


def test_the_export_follows_the_filters_and_the_scope(clerk_a: Any, clerk_b: Any,
                                                      county_admin: Any) -> None:
    medical = record(clerk_a, category="medical")
    record(clerk_a, category="housing")
    record(clerk_b, village=TOWNSHIP_B[:9] + "201", category="medical")
    rows = sheet_rows(client_for(clerk_a).get("/wishes/export/", {"category": "medical"}))
    assert [r[0] for r in rows[2:]] == [medical.number]
    county_rows = sheet_rows(client_for(county_admin).get("/wishes/export/"))
    assert len(county_rows) == 2 + 3
    assert "全部区域" not in county_rows[0][0] and "崆峒区" in county_rows[0][0]


def test_typed_text_is_never_a_formula(clerk_a: Any) -> None:
    record(clerk_a, content="=HYPERLINK(\"http://x\",\"点我\")", person_name="+张三")
    row = sheet_rows(client_for(clerk_a).get("/wishes/export/"))[2]
    assert row[5] == "=HYPERLINK(\"http://x\",\"点我\")" and row[3] == "+张三"
    book = load_workbook(io.BytesIO(
        client_for(clerk_a).get("/wishes/export/").getvalue()))
    assert book.active.cell(3, 6).data_type == "s"


def test_thousands_of_rows(clerk_a: Any, django_assert_max_num_queries: Any) -> None:
    first = record(clerk_a)
    Wish.objects.bulk_create([
        Wish(number=f"XY2026{n:06d}", village_id=first.village_id, person_name=f"人{n}",
             source="other", content="求助", created_by=clerk_a)
        for n in range(900_000, 902_000)])
    web = client_for(clerk_a)
    with django_assert_max_num_queries(12):
        response = web.get("/wishes/export/")
        rows = sheet_rows(response)
    assert len(rows) == 2 + 2_001


def test_who_may_export(grid_a: Any, auditor: Any, liaison: Any) -> None:
    assert client_for(grid_a).get("/wishes/export/").status_code == 403
    assert client_for(liaison).get("/wishes/export/").status_code == 403
    assert client_for(auditor).get("/wishes/export/").status_code == 200
