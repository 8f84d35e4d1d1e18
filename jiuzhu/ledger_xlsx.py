"""A ledger (台账) as an Excel workbook: the layout the county's ledgers share.

A title row merged across, one header row, then one row per record, written in openpyxl's
write-only mode row by row from an iterator, so a county-wide ledger never sits in memory. The
house style follows benefits/statistics_export.py: bold centred title and headers, thin
borders, dates as dates, landscape A4 with the header repeated on every printed page. Each
ledger module (outreach.wish_export, supervision.ledger_export) supplies its columns and rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)
DATE = "yyyy-mm-dd"
# A text starting with one of these would be read by Excel as a formula (CSV/Excel injection).
FORMULA_START = ("=", "+", "-", "@")


def local_day(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def _cell(ws: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"  # typed text stays text
    if isinstance(value, date):
        cell.number_format = DATE
    cell.border, cell.alignment = BOX, WRAP
    return cell


def write_ledger(rows: Iterable[Sequence[Any]], *, sheet: str, title: str,
                 header: Sequence[tuple[str, int]], out: IO[bytes]) -> None:
    """Write the ledger to `out`: `header` is (label, column width) in order, each row one
    value per column."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(sheet)
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
    for row in rows:
        ws.append([_cell(ws, v) for v in row])
    workbook.save(out)
