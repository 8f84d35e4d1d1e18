"""The 清单 ledger as an Excel workbook, with the columns the county keeps it in (layout:
jiuzhu.ledger_xlsx)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import IO, Any

from django.utils.translation import gettext as _

from jiuzhu.ledger_xlsx import local_day, write_ledger

from .models import LedgerItem


def columns() -> list[tuple[str, int]]:
    """(header, width) in the county's order."""
    return [
        (_("编号"), 15), (_("清单"), 10), (_("来源"), 12), (_("地区"), 12), (_("事项"), 30),
        (_("责任单位"), 16), (_("责任人"), 9), (_("整改时限"), 11), (_("整改措施"), 30),
        (_("整改情况"), 30), (_("状态"), 10), (_("是否逾期"), 8), (_("销号时间"), 11),
        (_("销号审核人"), 10),
    ]


def row_values(item: LedgerItem, overdue: bool) -> list[Any]:
    return [
        item.number, item.get_list_kind_display(), item.get_source_display(), item.region.name,
        item.title, item.responsible_unit, item.responsible_person, item.due_on, item.measures,
        item.rectification, item.get_state_display(), _("是") if overdue else _("否"),
        local_day(item.closed_at), item.closed_by.display_name if item.closed_by else "",
    ]


def ledger_xlsx(items: Iterable[LedgerItem], *, title: str, out: IO[bytes]) -> None:
    """Write the ledger to `out`. Each item must carry the `overdue` annotation of
    `selectors.ledgers.item_list` (or `weekly_items`) and have `region` and `closed_by`
    loaded."""
    rows = (row_values(item, bool(getattr(item, "overdue", False))) for item in items)
    write_ledger(rows, sheet=_("清单台账"), title=title, header=columns(), out=out)


def file_name(region_code: str, today: date, *, weekly: bool = False) -> str:
    kind = "yujing" if weekly else "taizhang"
    return f"qingdan-{kind}-{region_code or 'all'}-{today:%Y%m%d}.xlsx"
