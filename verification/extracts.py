"""Reading department extracts (部门数据文件): a CSV (UTF-8 or GBK) or .xlsx file as a stream of
rows, header first. What the cells mean is `verification.importing`'s business.

Split out of `importing` to keep that module about checking and loading rows.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from jiuzhu.errors import ApplicationError
from jiuzhu.spreadsheets import xlsx_rows


def _csv_encoding(stream: IO[bytes]) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes so, else GB18030 (a superset of
    the GBK that Chinese Excel writes). One streaming pass, nothing kept."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    encoding = "utf-8-sig"
    try:
        while chunk := stream.read(1 << 20):
            if b"\x00" in chunk:
                raise ApplicationError(
                    _("文件内容不是文本格式的 CSV，请上传 .xlsx 或 .csv 文件"), field="file")
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        encoding = "gb18030"
    stream.seek(0)
    return encoding


def _csv_records(stream: IO[bytes]) -> Generator[Sequence[Any], None, None]:
    encoding = _csv_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        yield from csv.reader(text)
    except UnicodeDecodeError as exc:
        raise ApplicationError(_("无法识别 CSV 文件的编码，请保存为 UTF-8 或 GBK 编码"),
                               field="file") from exc
    except csv.Error as exc:
        raise ApplicationError(_("CSV 文件格式有误，无法解析：%(e)s") % {"e": exc},
                               field="file") from exc
    finally:
        if not stream.closed:
            text.detach()  # the caller owns (and closes) the binary stream


def file_records(file_name: str, stream: IO[bytes]) -> Generator[Sequence[Any], None, None]:
    head = stream.read(8)
    stream.seek(0)
    if not head:
        raise ApplicationError(_("文件为空"), field="file")
    suffix = Path(file_name).suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise ApplicationError(
            _("不支持旧版 .xls 格式，请在 Excel 中“另存为” .xlsx 或 CSV 后上传"), field="file")
    if head.startswith(b"PK\x03\x04") or suffix == ".xlsx":
        return xlsx_rows(stream)
    if suffix in {".csv", ".txt"}:
        return _csv_records(stream)
    raise ApplicationError(_("文件格式不支持，请上传 .xlsx 或 .csv 文件"), field="file")
