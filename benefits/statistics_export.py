"""The monthly report as an Excel workbook and as a PDF (design.md "Reports").

The workbook is a statistical table as districts send it upwards: a title merged across, the
填报单位 / 统计月份 / 单位 line, two-level headers with merged cells, number formats, a totals
row and the 制表人 / 审核人 / 报送日期 footer. Cells hold numbers, not text, so the receiving
office can add them up. The PDF is the page's tables printed by weasyprint with the Noto CJK
fonts embedded (docs/adr/0003-weasyprint-for-notices.md).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .statistics import MonthlyReport, ProgrammeRow, Tally

INT, MONEY, TEXT = "#,##0", "#,##0.00", "@"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
BOLD = Font(bold=True)


@dataclass(frozen=True)
class Column:
    group: str  # the upper header; "" = the label spans both header rows
    label: str
    number_format: str = TEXT
    width: int = 11


def month_label(month: date) -> str:
    return _("%(y)s年%(m)s月") % {"y": month.year, "m": month.month}


def ytd_label(month: date) -> str:
    return _("1—%(m)s月累计") % {"m": month.month}


def formulas(report: MonthlyReport) -> list[str]:
    """The notes under every version of the table: what each figure is made of."""
    return [
        _("当月保障金＝当月已审批发放明细的实发金额合计＝月保障金（含分类施保加发）＋补发－追回扣减。"),
        _("人均补差＝当月保障金÷当月保障人数；累计人均＝累计保障金÷累计人次；四舍五入到分。"),
        _("户数、人数为当月发放名册中的户数和保障人数；累计人次为1月至本月各月保障人数之和。"),
        _("新增为起始发放月份在本月的对象；清退为本月作出停保决定的对象；金额变更为本月生效的调整。"),
        _("只统计已审批发放批次的当前版本；未审批的批次和重新打开前的旧版本不计入。"),
        _("临时救助按一次性发放明细统计户次、人次和金额；先行救助为乡镇备用金台账中的支出。"),
    ]


def _main_columns(report: MonthlyReport) -> list[Column]:
    now, ytd = _("当月在保"), ytd_label(report.month)
    return [
        Column("", _("项目"), width=20), Column("", _("城乡"), width=7),
        Column(now, _("户数"), INT), Column(now, _("人数"), INT),
        Column(now, _("保障金"), MONEY, 14), Column(now, _("人均补差"), MONEY),
        Column(ytd, _("人次"), INT), Column(ytd, _("保障金"), MONEY, 14),
        Column(ytd, _("人均补差"), MONEY),
        Column(_("当月新增"), _("户数"), INT), Column(_("当月新增"), _("人数"), INT),
        Column("", _("金额变更（户）"), INT, 9),
        Column(_("当月清退"), _("户数"), INT), Column(_("当月清退"), _("人数"), INT),
    ]


def _main_values(row: ProgrammeRow) -> list[Any]:
    return [row.label, row.area, row.month.households, row.month.persons, row.month.funds,
            row.month.average, row.ytd.persons, row.ytd.funds, row.ytd.average,
            row.new.households, row.new.persons, row.changed, row.ended.households,
            row.ended.persons]


def _tekun_columns() -> list[Column]:
    return [Column("", _("项目"), width=26),
            *(c for group in (_("城市"), _("农村"), _("合计"))
              for c in (Column(group, _("人数"), INT), Column(group, _("保障金"), MONEY, 14)))]


def _tekun_values(label: str, parts: Sequence[Tally]) -> list[Any]:
    return [label, *(v for t in parts for v in (t.persons, t.funds))]


def _temporary_columns(report: MonthlyReport) -> list[Column]:
    ytd = ytd_label(report.month)
    return [Column("", _("项目"), width=20), Column("", _("城乡"), width=7),
            Column(_("当月"), _("户次"), INT), Column(_("当月"), _("人次"), INT),
            Column(_("当月"), _("金额"), MONEY, 14),
            Column(ytd, _("户次"), INT), Column(ytd, _("人次"), INT),
            Column(ytd, _("金额"), MONEY, 14)]


def _temporary_values(row: ProgrammeRow) -> list[Any]:
    return [row.label, row.area if row.urban_rural else _("合计"), row.month.households,
            row.month.persons, row.month.funds, row.ytd.households, row.ytd.persons,
            row.ytd.funds]


def _child_columns(report: MonthlyReport) -> list[Column]:
    columns = [Column("", _("地区"), width=18)]
    for _code, name in report.child_programmes:
        columns += [Column(name, _("户数"), INT, 8), Column(name, _("人数"), INT, 8),
                    Column(name, _("金额"), MONEY, 13)]
    return [*columns, Column("", _("当月资金合计"), MONEY, 14),
            Column("", ytd_label(report.month) + _("资金"), MONEY, 14)]


def _child_values(name: str, cells: Sequence[Tally], funds: Decimal, ytd: Decimal) -> list[Any]:
    return [name, *(v for t in cells for v in (t.households, t.persons, t.funds)), funds, ytd]


class _Sheet:
    """One statistical table on its own worksheet."""

    def __init__(self, ws: Worksheet, columns: list[Column]) -> None:
        self.ws, self.columns, self.row = ws, columns, 1
        for i, column in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = column.width

    @property
    def last(self) -> str:
        return get_column_letter(len(self.columns))

    def heading(self, title: str, report: MonthlyReport) -> None:
        ws, n = self.ws, len(self.columns)
        ws.merge_cells(f"A1:{self.last}1")
        ws["A1"] = title
        ws["A1"].font = Font(bold=True, size=16)
        ws["A1"].alignment = CENTER
        ws.row_dimensions[1].height = 30
        # 填报单位 on the left, 统计月份 in the middle, 单位 on the right of one line.
        third = max(n // 3, 1)
        spans = [(1, third), (third + 1, n - third), (n - third + 1, n)]
        texts = [_("填报单位：%(u)s") % {"u": report.region.full_name()},
                 _("统计月份：%(m)s") % {"m": month_label(report.month)},
                 _("单位：户、人、元")]
        for (first, last), text in zip(spans, texts, strict=True):
            if last > first:
                ws.merge_cells(start_row=2, start_column=first, end_row=2, end_column=last)
            ws.cell(2, first, text)
        ws.cell(2, spans[1][0]).alignment = Alignment(horizontal="center")
        ws.cell(2, spans[2][0]).alignment = Alignment(horizontal="right")
        self.row = 3
        self._header()

    def _header(self) -> None:
        ws, top, bottom = self.ws, self.row, self.row + 1
        i = 0
        while i < len(self.columns):
            column = self.columns[i]
            col = i + 1
            if not column.group:
                ws.merge_cells(start_row=top, start_column=col, end_row=bottom, end_column=col)
                ws.cell(top, col, column.label)
                i += 1
                continue
            span = 1
            while i + span < len(self.columns) and self.columns[i + span].group == column.group:
                span += 1
            if span > 1:
                ws.merge_cells(start_row=top, start_column=col, end_row=top,
                               end_column=col + span - 1)
            ws.cell(top, col, column.group)
            for k in range(span):
                ws.cell(bottom, col + k, self.columns[i + k].label)
            i += span
        for r in (top, bottom):
            for c in range(1, len(self.columns) + 1):
                cell = ws.cell(r, c)
                cell.font, cell.alignment, cell.border = BOLD, CENTER, BOX
        self.row = bottom + 1

    def data(self, values: list[Any], *, bold: bool = False) -> int:
        r = self.row
        for c, (column, value) in enumerate(zip(self.columns, values, strict=True), start=1):
            cell = self.ws.cell(r, c, value)
            cell.border = BOX
            if column.number_format != TEXT:
                cell.number_format = column.number_format
                if value is None:  # an average of nobody
                    cell.value = "—"
                    cell.alignment = Alignment(horizontal="right")
            if bold:
                cell.font = BOLD
        self.row += 1
        return r

    def merge_down(self, column: int, first: int, last: int) -> None:
        if last > first:
            self.ws.merge_cells(start_row=first, start_column=column, end_row=last,
                                end_column=column)
            self.ws.cell(first, column).alignment = CENTER

    def merge_across(self, row: int, first: int, last: int) -> None:
        self.ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        self.ws.cell(row, first).alignment = CENTER

    def footer(self, notes: list[str], preparer: str, submitted_on: date) -> None:
        ws = self.ws
        self.row += 1
        for note in notes:
            ws.merge_cells(f"A{self.row}:{self.last}{self.row}")
            ws.cell(self.row, 1, note).alignment = Alignment(wrap_text=True, vertical="top")
            self.row += 1
        self.row += 1
        ws.cell(self.row, 1, _("制表人：%(n)s") % {"n": preparer})
        ws.cell(self.row, max(len(self.columns) // 3, 2), _("审核人："))
        ws.cell(self.row, max(2 * len(self.columns) // 3, 3),
                _("报送日期：%(d)s") % {"d": f"{submitted_on:%Y-%m-%d}"})
        ws.print_options.horizontalCentered = True
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True


def _main_sheet(ws: Worksheet, report: MonthlyReport) -> _Sheet:
    sheet = _Sheet(ws, _main_columns(report))
    sheet.heading(_("社会救助统计月报表（最低生活保障、特困人员救助供养）"), report)
    first = sheet.row
    for row in report.rows:
        r = sheet.data(_main_values(row), bold=not row.urban_rural)
        if not row.programme_id:
            sheet.merge_across(r, 1, 2)
        elif not row.urban_rural:
            sheet.merge_down(1, first, r)
            first = r + 1
    return sheet


def _tekun_sheet(ws: Worksheet, report: MonthlyReport) -> _Sheet:
    sheet = _Sheet(ws, _tekun_columns())
    sheet.heading(_("特困人员救助供养情况（按供养方式和生活自理能力）"), report)
    for row in report.tekun:
        sheet.data(_tekun_values(row.label, (row.urban, row.rural, row.total)))
    return sheet


def _temporary_sheet(ws: Worksheet, report: MonthlyReport) -> _Sheet:
    sheet = _Sheet(ws, _temporary_columns(report))
    sheet.heading(_("临时救助情况"), report)
    first = sheet.row
    for row in report.temporary:
        r = sheet.data(_temporary_values(row), bold=not row.urban_rural)
        if not row.urban_rural:
            sheet.merge_down(1, first, r)
            first = r + 1
    prepaid = report.prepaid
    # Person-times are not in the reserve-fund ledger: those cells show —.
    r = sheet.data([_("其中：先行救助（备用金支出）"), "", prepaid.month_cases, None,
                    prepaid.month_amount, prepaid.ytd_cases, None, prepaid.ytd_amount])
    sheet.merge_across(r, 1, 2)
    return sheet


def _child_sheet(ws: Worksheet, report: MonthlyReport) -> _Sheet:
    sheet = _Sheet(ws, _child_columns(report))
    sheet.heading(_("分地区情况"), report)
    for child in report.children:
        sheet.data(_child_values(child.region.name, child.cells, child.funds, child.ytd_funds))
    total = report.child_totals
    sheet.data(_child_values(_("合计"), total.cells, total.funds, total.ytd_funds), bold=True)
    return sheet


def report_xlsx(report: MonthlyReport, *, preparer: str, submitted_on: date) -> bytes:
    workbook = Workbook()
    notes = [_("说明：")] + [f"{i}. {text}" for i, text in enumerate(formulas(report), 1)]
    main = workbook.active
    assert main is not None
    main.title = _("低保特困")
    sheets = [_main_sheet(main, report),
              _tekun_sheet(workbook.create_sheet(_("特困供养")), report),
              _temporary_sheet(workbook.create_sheet(_("临时救助")), report)]
    if report.children:
        sheets.append(_child_sheet(workbook.create_sheet(_("分地区")), report))
    for sheet in sheets:
        sheet.footer(notes, preparer, submitted_on)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def report_pdf(context: dict[str, Any]) -> bytes:
    """The page's tables on A4 landscape, fonts embedded."""
    from weasyprint import HTML  # heavy import, needed only when a report is printed

    html = render_to_string("benefits/reports/monthly_pdf.html", context)
    return bytes(HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf())


def file_name(report: MonthlyReport, extension: str) -> str:
    return f"yuebao-{report.region.code}-{report.month:%Y%m}.{extension}"
