"""Overdue and the weekly warning list (预警提醒单): the arithmetic in working days across the 2026
Spring Festival, the per-region window, `manage.py ledger_weekly` and its Excel file, the
scoped page."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from calendar_days.workdays import add_working_days
from demo.reference import TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.fixtures import client_for
from policies.models import Parameter, ValueType
from supervision.models import ItemState, LedgerItem
from supervision.selectors.ledgers import weekly_list

from .test_ledger_lifecycle import force, register, set_today

pytestmark = pytest.mark.django_db
S = ItemState


def due(actor: Any, day: date | None, *, region: str = TOWNSHIP_A, state: str = S.RECTIFYING,
        title: str = "事项") -> LedgerItem:
    item = register(actor, region=region, title=title)
    LedgerItem.objects.filter(pk=item.pk).update(
        due_on=day, state=state, responsible_unit="民政办", responsible_person="李娟")
    item.refresh_from_db()
    return item


def listed(groups: list[Any]) -> dict[str, tuple[str, int]]:
    """{title: ("overdue" | "soon", working days)} over all regions."""
    out: dict[str, tuple[str, int]] = {}
    for g in groups:
        out |= {r.item.title: ("overdue", r.working_days) for r in g.overdue}
        out |= {r.item.title: ("soon", r.working_days) for r in g.due_soon}
    return out


def test_due_soon_counts_working_days_across_the_spring_festival(
        clerk_a: Any, reviewer_a: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Fri 2026-02-13; Sat 02-14 is a 调休 working day, 02-15..02-23 the holiday: 3 working days
    # on are 02-14, 02-24 and 02-25.
    today = date(2026, 2, 13)
    set_today(monkeypatch, today)
    assert add_working_days(today, 3).date == date(2026, 2, 25)
    due(clerk_a, date(2026, 2, 12), title="昨天到期")
    due(clerk_a, today, title="今天到期")
    due(clerk_a, date(2026, 2, 20), title="假期中到期")
    due(clerk_a, date(2026, 2, 25), title="第3个工作日到期")
    due(clerk_a, date(2026, 2, 26), title="第4个工作日到期")
    due(clerk_a, None, state=S.OPEN, title="未交办")
    closed = due(clerk_a, date(2026, 2, 1), title="已销号")
    force(closed, S.CLOSED, clerk_a, reviewer_a)
    submitted = due(clerk_a, date(2026, 2, 10), state=S.SUBMITTED, title="待审核")
    groups = weekly_list(LedgerItem.objects.all(), today)
    assert [g.region.code for g in groups] == [TOWNSHIP_A]
    assert listed(groups) == {
        "昨天到期": ("overdue", 1), "待审核": ("overdue", 3), "今天到期": ("soon", 0),
        "假期中到期": ("soon", 1), "第3个工作日到期": ("soon", 3),
    }
    # Overdue first, each part by deadline.
    assert [r.item.title for r in groups[0].overdue] == ["待审核", "昨天到期"]
    assert [r.item.title for r in groups[0].due_soon] == ["今天到期", "假期中到期", "第3个工作日到期"]
    assert submitted.state == S.SUBMITTED  # not closed yet, so still on the list


def test_overdue_working_days_skip_the_holiday(clerk_a: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    today = date(2026, 2, 24)  # the first working day after the holiday
    set_today(monkeypatch, today)
    due(clerk_a, date(2026, 2, 13), title="节前到期")  # 02-14 (调休) and 02-24
    due(clerk_a, date(2026, 2, 23), title="假期最后一天到期")
    due(clerk_a, date(2026, 2, 6), title="两周前到期")  # 02-09..02-13, 02-14, 02-24
    assert listed(weekly_list(LedgerItem.objects.all(), today)) == {
        "节前到期": ("overdue", 2), "假期最后一天到期": ("overdue", 1),
        "两周前到期": ("overdue", 7),
    }


def test_a_township_may_set_its_own_window(clerk_a: Any, clerk_b: Any,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    today = date(2026, 3, 9)  # Monday
    set_today(monkeypatch, today)
    Parameter.objects.create(key="ledger.warning_days", region_id=TOWNSHIP_B, value="1",
                             value_type=ValueType.INTEGER, effective_from=date(2026, 1, 1))
    due(clerk_a, date(2026, 3, 12), title="甲镇周四到期")  # county's 3 days: through Thu
    due(clerk_b, date(2026, 3, 12), region=TOWNSHIP_B, title="乙镇周四到期")
    due(clerk_b, date(2026, 3, 10), region=TOWNSHIP_B, title="乙镇周二到期")
    groups = weekly_list(LedgerItem.objects.all(), today)
    assert [g.region.code for g in groups] == [TOWNSHIP_A, TOWNSHIP_B]
    assert listed(groups) == {"甲镇周四到期": ("soon", 3), "乙镇周二到期": ("soon", 1)}


def test_without_the_parameter_the_list_says_so(clerk_a: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    set_today(monkeypatch, date(2026, 3, 9))
    due(clerk_a, date(2026, 3, 10))
    Parameter.objects.filter(key="ledger.warning_days").delete()
    with pytest.raises(ApplicationError) as exc:
        weekly_list(LedgerItem.objects.all(), date(2026, 3, 9))
    assert exc.value.code == "conflict" and "ledger.warning_days" in exc.value.message
    with pytest.raises(CommandError):
        call_command("ledger_weekly", "--date", "2026-03-09", stdout=io.StringIO())


# -- manage.py ledger_weekly --------------------------------------------------------------------

@pytest.fixture
def two_townships(clerk_a: Any, clerk_b: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    set_today(monkeypatch, date(2026, 2, 13))
    due(clerk_a, date(2026, 2, 6), title="甲镇档案不全")
    due(clerk_b, date(2026, 2, 20), region=TOWNSHIP_B, title="乙镇资金滞留")
    due(clerk_b, date(2026, 3, 31), region=TOWNSHIP_B, title="乙镇远期事项")


@pytest.mark.usefixtures("two_townships")
def test_the_command_prints_the_list_per_region(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("ledger_weekly", "--date", "2026-02-24", stdout=out)
    text = out.getvalue()
    assert "清单事项预警提醒单（2026-02-24）：逾期 2 件，即将到期 0 件" in text
    assert "【崆峒镇】逾期 1 件" in text and "【白水镇】逾期 1 件" in text
    assert text.index("【崆峒镇】") < text.index("甲镇档案不全") < text.index("【白水镇】")
    # 02-06 → 02-24: 02-09..02-13, 02-14 (调休), 02-24.
    assert "甲镇档案不全" in text and "逾期7个工作日" in text
    assert "乙镇资金滞留" in text and "逾期1个工作日" in text
    assert "乙镇远期事项" not in text
    # One region only.
    out = io.StringIO()
    call_command("ledger_weekly", "--date", "2026-02-24", "--region", TOWNSHIP_B, stdout=out)
    assert "乙镇资金滞留" in out.getvalue() and "甲镇档案不全" not in out.getvalue()


@pytest.mark.usefixtures("two_townships")
def test_the_command_writes_the_excel_file(tmp_path: Path) -> None:
    path = tmp_path / "yujing.xlsx"
    call_command("ledger_weekly", "--date", "2026-02-13", "--xlsx", str(path),
                 stdout=io.StringIO())
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][0] == "清单事项预警提醒单（2026-02-13）"
    assert list(rows[1]) == ["编号", "清单", "来源", "地区", "事项", "责任单位", "责任人",
                             "整改时限", "整改措施", "整改情况", "状态", "是否逾期", "销号时间",
                             "销号审核人"]
    body = [(r[3], r[4], r[11]) for r in rows[2:]]
    assert body == [("崆峒镇", "甲镇档案不全", "是"), ("白水镇", "乙镇资金滞留", "否")]


@pytest.mark.parametrize("args", [["--date", "2026-02-30"], ["--date", "next week"],
                                  ["--region", "123"]])
def test_the_command_refuses_bad_arguments(county: None, args: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("ledger_weekly", *args, stdout=io.StringIO())


# -- the page -------------------------------------------------------------------------------------

@pytest.mark.usefixtures("two_townships")
def test_the_weekly_page_is_scoped(clerk_a: Any, clerk_b: Any, county_admin: Any) -> None:
    page_a = client_for(clerk_a).get("/supervision/ledgers/weekly/")
    assert page_a.status_code == 200
    html = page_a.content.decode()
    assert "甲镇档案不全" in html and "乙镇资金滞留" not in html
    assert f'id="weekly-{TOWNSHIP_A}"' in html and f'id="weekly-{TOWNSHIP_B}"' not in html
    assert "逾期5个工作日" in html  # 02-06 → 02-13
    html_b = client_for(clerk_b).get("/supervision/ledgers/weekly/").content.decode()
    assert "乙镇资金滞留" in html_b and "剩余1个工作日" in html_b and "甲镇档案不全" not in html_b
    html_county = client_for(county_admin).get("/supervision/ledgers/weekly/").content.decode()
    assert "甲镇档案不全" in html_county and "乙镇资金滞留" in html_county
    assert "乙镇远期事项" not in html_county


def test_the_weekly_page_with_nothing_due(clerk_a: Any) -> None:
    html = client_for(clerk_a).get("/supervision/ledgers/weekly/").content.decode()
    assert 'id="weekly-empty"' in html
