"""Reading the first sheet of an uploaded .xlsx file, row by row, for every import."""

from __future__ import annotations

import zipfile
from collections.abc import Generator
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from .errors import ApplicationError


def xlsx_rows(stream: IO[bytes]) -> Generator[tuple[Any, ...], None, None]:
    """The first sheet's rows as value tuples; a damaged file is an ApplicationError on "file".

    read_only streams the sheet: only the shared-strings table is held in memory (bounded by
    the caller's upload limit)."""
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ApplicationError(_("无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式"),
                               field="file") from exc
    try:
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            # Some programs write a wrong <dimension>; read every row that is really there.
            sheet.reset_dimensions()
        yield from sheet.iter_rows(values_only=True)
    except (KeyError, ValueError, TypeError, SyntaxError, zipfile.BadZipFile) as exc:
        # XML ParseError is a SyntaxError.
        raise ApplicationError(_("Excel 文件内容有误，无法读取"), field="file") from exc
    finally:
        workbook.close()
