"""The 微心愿 ledger as an Excel workbook, with the columns a county keeps it in.

A title row merged across, one header row, then one row per wish. The workbook is written in
openpyxl's write-only mode, row by row from a database iterator, so a county-wide ledger of tens
of thousands of wishes never sits in memory; styles follow benefits/statistics_export.py (bold
centred title and headers, thin borders, dates as dates).
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

from .models import Wish

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
        (_("编号"), 15), (_("乡镇（街道）"), 12), (_("村（社区）"), 12), (_("心愿人"), 9),
        (_("来源"), 10), (_("心愿内容"), 30), (_("类别"), 10), (_("责任部门"), 16),
        (_("责任人"), 9), (_("联系电话"), 14), (_("办理期限"), 11), (_("状态"), 9),
        (_("是否逾期"), 8), (_("办理结果"), 30), (_("反馈情况"), 24), (_("回访满意度"), 10),
        (_("登记日期"), 11), (_("办结日期"), 11),
    ]


def _local_day(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def row_values(wish: Wish, overdue: bool) -> list[Any]:
    return [
        wish.number, wish.village.parent.name if wish.village.parent else "", wish.village.name,
        wish.person_name, wish.get_source_display(), wish.content, wish.get_category_display(),
        wish.department.name if wish.department else "", wish.responsible_person,
        wish.responsible_phone, wish.due_on, wish.get_state_display(),
        _("是") if overdue else _("否"), wish.result, wish.feedback,
        wish.get_satisfaction_display(), _local_day(wish.created_at), _local_day(wish.closed_at),
    ]


def _cell(ws: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"  # typed text stays text
    if isinstance(value, date):
        cell.number_format = DATE
    cell.border, cell.alignment = BOX, WRAP
    return cell


def ledger_xlsx(wishes: Iterable[Wish], *, title: str, out: IO[bytes]) -> None:
    """Write the ledger to `out`. Each wish must carry the `overdue` annotation of
    `selectors.wishes.wish_list`."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(_("微心愿台账"))
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
    for wish in wishes:
        ws.append([_cell(ws, v) for v in row_values(wish, bool(getattr(wish, "overdue", False)))])
    workbook.save(out)


def file_name(region_code: str, today: date) -> str:
    return f"weixinyuan-{region_code or 'all'}-{today:%Y%m%d}.xlsx"
