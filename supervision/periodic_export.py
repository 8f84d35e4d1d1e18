"""The periodic report as an Excel workbook and as a PDF, in the monthly report's house style
(benefits/statistics_export.py): a merged title, the 填报单位 / 统计期间 line, two-level
headers, numbers as numbers, a 合计 row, the definitions, and the 制表人 / 审核人 / 报送日期
footer. The PDF is the page's tables printed by weasyprint with the Noto CJK fonts embedded
(docs/adr/0003-weasyprint-for-notices.md)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .periodic import PeriodicReport
from .periodic.figures import DEFINITIONS, Figure, section_of
from .periodic.periods import Kind

INT, MONEY, PERCENT = "#,##0", "#,##0.00", "0.0"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
BOLD = Font(bold=True)


def title(report: PeriodicReport) -> str:
    return _("社会救助工作%(kind)s") % {"kind": Kind(report.period.kind).label}


def notes() -> list[str]:
    return [_("说明：")] + [f"{i}. {text}" for i, text in enumerate(DEFINITIONS, 1)]


def number_format(figure: Figure) -> str:
    return MONEY if figure.money else PERCENT if figure.ratio else INT


class _Sheet:
    """One table on its own worksheet: columns are (upper header, header, width)."""

    def __init__(self, ws: Worksheet, columns: list[tuple[str, str, int]]) -> None:
        self.ws, self.columns, self.row = ws, columns, 1
        for i, (_group, _label, width) in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width

    @property
    def width(self) -> int:
        return len(self.columns)

    def heading(self, text: str, report: PeriodicReport) -> None:
        ws = self.ws
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=self.width)
        ws["A1"] = text
        ws["A1"].font = Font(bold=True, size=16)
        ws["A1"].alignment = CENTER
        ws.row_dimensions[1].height = 30
        third = max(self.width // 3, 1)
        spans = [(1, third), (third + 1, self.width - third), (self.width - third + 1, self.width)]
        texts = [_("填报单位：%(u)s") % {"u": report.region.full_name()},
                 _("统计期间：%(p)s") % {"p": report.period.label},
                 _("单位：件、条、人次、元")]
        for (first, last), line in zip(spans, texts, strict=True):
            if last > first:
                ws.merge_cells(start_row=2, start_column=first, end_row=2, end_column=last)
            ws.cell(2, first, line)
        ws.cell(2, spans[1][0]).alignment = Alignment(horizontal="center")
        ws.cell(2, spans[2][0]).alignment = Alignment(horizontal="right")
        self.row = 3
        self._header()

    def _header(self) -> None:
        ws, top, bottom = self.ws, self.row, self.row + 1
        i = 0
        while i < self.width:
            group, label, _width = self.columns[i]
            if not group:
                ws.merge_cells(start_row=top, start_column=i + 1, end_row=bottom,
                               end_column=i + 1)
                ws.cell(top, i + 1, label)
                i += 1
                continue
            span = 1
            while i + span < self.width and self.columns[i + span][0] == group:
                span += 1
            if span > 1:
                ws.merge_cells(start_row=top, start_column=i + 1, end_row=top,
                               end_column=i + span)
            ws.cell(top, i + 1, group)
            for k in range(span):
                ws.cell(bottom, i + 1 + k, self.columns[i + k][1])
            i += span
        for r in (top, bottom):
            for c in range(1, self.width + 1):
                cell = ws.cell(r, c)
                cell.font, cell.alignment, cell.border = BOLD, CENTER, BOX
        self.row = bottom + 1

    def data(self, values: list[Any], formats: list[str | None], *, bold: bool = False) -> int:
        r = self.row
        for c, (value, fmt) in enumerate(zip(values, formats, strict=True), start=1):
            cell = self.ws.cell(r, c, value)
            cell.border = BOX
            if fmt:
                cell.number_format = fmt
                if value is None:  # a rate of nothing, or a comparison that does not exist
                    cell.value = "—"
                    cell.alignment = Alignment(horizontal="right")
            if bold:
                cell.font = BOLD
        self.row += 1
        return r

    def footer(self, preparer: str, submitted_on: date) -> None:
        ws = self.ws
        self.row += 1
        for note in notes():
            ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row,
                           end_column=self.width)
            ws.cell(self.row, 1, note).alignment = Alignment(wrap_text=True, vertical="top")
            # Long definitions wrap: give the merged row room for about two lines.
            ws.row_dimensions[self.row].height = 30 if len(note) > 60 else 15
            self.row += 1
        self.row += 1
        ws.cell(self.row, 1, _("制表人：%(n)s") % {"n": preparer})
        ws.cell(self.row, max(self.width // 3, 2), _("审核人："))
        ws.cell(self.row, max(2 * self.width // 3, 3),
                _("报送日期：%(d)s") % {"d": f"{submitted_on:%Y-%m-%d}"})
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True


def _main_sheet(ws: Worksheet, report: PeriodicReport) -> _Sheet:
    columns = [("", _("类别"), 16), ("", _("指标"), 18), ("", _("单位"), 6),
               ("", _("本期"), 14), ("", _("上期"), 14), ("", _("环比增减"), 12)]
    if report.compare_year:
        columns += [("", _("上年同期"), 14), ("", _("同比增减"), 12)]
    sheet = _Sheet(ws, columns)
    sheet.heading(title(report), report)
    for label, lines in report.sections:
        first = sheet.row
        for line in lines:
            fmt = number_format(line.figure)
            name = str(line.label) if not line.level else _("其中：%(f)s") % {"f": line.label}
            values: list[Any] = [str(label), name, str(line.figure.unit), line.current,
                                 line.previous, line.change]
            if report.compare_year:
                values += [line.year_ago, line.change_year]
            sheet.data(values, [None, None, None, *[fmt] * (len(values) - 3)],
                       bold=not line.level)
        if sheet.row - 1 > first:
            ws.merge_cells(start_row=first, start_column=1, end_row=sheet.row - 1, end_column=1)
            ws.cell(first, 1).alignment = CENTER
    return sheet


def _child_sheet(ws: Worksheet, report: PeriodicReport) -> _Sheet:
    columns = [("", _("地区"), 16)] + [
        (str(section_of(f.key).label), f"{f.label}（{f.unit}）", 10 if not f.money else 13)
        for f in report.columns]
    sheet = _Sheet(ws, columns)
    sheet.heading(_("%(title)s（分地区）") % {"title": title(report)}, report)
    formats: list[str | None] = [None, *(number_format(f) for f in report.columns)]
    for row in report.children:
        assert row.region is not None
        sheet.data([row.region.name, *row.cells], formats)
    if report.own:
        sheet.data([_("本级"), *report.own.cells], formats)
    sheet.data([_("合计"), *report.total.cells], formats, bold=True)
    return sheet


def report_xlsx(report: PeriodicReport, *, preparer: str, submitted_on: date) -> bytes:
    workbook = Workbook()
    main = workbook.active
    assert main is not None
    main.title = _("主要指标")
    sheets = [_main_sheet(main, report)]
    if report.children:
        sheets.append(_child_sheet(workbook.create_sheet(_("分地区")), report))
    for sheet in sheets:
        sheet.footer(preparer, submitted_on)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def report_pdf(context: dict[str, Any]) -> bytes:
    """The page's tables on A4 landscape, fonts embedded."""
    from weasyprint import HTML  # heavy import, needed only when a report is printed

    html = render_to_string("supervision/periodic/report_pdf.html", context)
    return bytes(HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf())


def file_name(report: PeriodicReport, extension: str) -> str:
    return f"periodic-{report.region.code}-{report.period.slug}.{extension}"
