"""The 清单 ledger as an Excel workbook, with the columns the county keeps it in.

A title row merged across, one header row, then one row per item, written in openpyxl's
write-only mode row by row from an iterator (a county-wide ledger never sits in memory). The
house style follows benefits/statistics_export.py: bold centred title and headers, thin borders,
dates as dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from .models import LedgerItem

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)
DATE = "yyyy-mm-dd"
# A text starting with one of these would be read by Excel as a formula (CSV/Excel injection).
FORMULA_START = ("=", "+", "-", "@")


def columns() -> list[tuple[str, int]]:
    """(header, width) in the county's order."""
    return [
        (_("编号"), 15), (_("清单"), 10), (_("来源"), 12), (_("地区"), 12), (_("事项"), 30),
        (_("责任单位"), 16), (_("责任人"), 9), (_("整改时限"), 11), (_("整改措施"), 30),
        (_("整改情况"), 30), (_("状态"), 10), (_("是否逾期"), 8), (_("销号时间"), 11),
        (_("销号审核人"), 10),
    ]


def _local_day(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def row_values(item: LedgerItem, overdue: bool) -> list[Any]:
    return [
        item.number, item.get_list_kind_display(), item.get_source_display(), item.region.name,
        item.title, item.responsible_unit, item.responsible_person, item.due_on, item.measures,
        item.rectification, item.get_state_display(), _("是") if overdue else _("否"),
        _local_day(item.closed_at), item.closed_by.display_name if item.closed_by else "",
    ]


def _cell(ws: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"  # typed text stays text
    if isinstance(value, date):
        cell.number_format = DATE
    cell.border, cell.alignment = BOX, WRAP
    return cell


def ledger_xlsx(items: Iterable[LedgerItem], *, title: str, out: IO[bytes]) -> None:
    """Write the ledger to `out`. Each item must carry the `overdue` annotation of
    `selectors.ledgers.item_list` (or `weekly_items`) and have `region` and `closed_by`
    loaded."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(_("清单台账"))
    header = columns()
    for i, (_label, width) in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.merged_cells.add(f"A1:{get_column_letter(len(header))}1")
    ws.row_dimensions[1].height = 30
    heading = WriteOnlyCell(ws, value=title)
    heading.font, heading.alignment = Font(bold=True, size=16), CENTER
    ws.append([heading])
    head_cells = []
    for label, _width in header:
        cell = WriteOnlyCell(ws, value=label)
        cell.font, cell.alignment, cell.border = Font(bold=True), CENTER, BOX
        head_cells.append(cell)
    ws.append(head_cells)
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    for item in items:
        ws.append([_cell(ws, v) for v in row_values(item, bool(getattr(item, "overdue", False)))])
    workbook.save(out)


def file_name(region_code: str, today: date, *, weekly: bool = False) -> str:
    kind = "yujing" if weekly else "taizhang"
    return f"qingdan-{kind}-{region_code or 'all'}-{today:%Y%m%d}.xlsx"
