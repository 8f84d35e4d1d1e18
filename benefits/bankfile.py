"""The two bank file layouts (docs/bank-file-format.md): the payment file the county sends to
the bank (代发文件) and the return file (回盘文件) the bank sends back.

Writing streams the file in constant memory, a few thousand lines at a time; reading turns a
return file into numbered rows without judging them (services.bank checks them against the
payment file).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext as _

from jiuzhu.errors import ApplicationError
from regions.models import Level, Region
from regions.scoping import code_range
from verification.extracts import file_records

from .models import BankFile, PayrollLine

PAYMENT_HEADER = ("流水号", "账号", "户名", "金额", "项目", "所属月份", "乡镇", "村")
SUMMARY_LABEL = "合计"
RETURN_COLUMNS = {"line": "流水号", "account": "账号", "amount": "金额", "result": "结果",
                  "reason": "失败原因"}
# 失败原因 may be left out of a file in which every payment succeeded.
RETURN_REQUIRED = ("line", "account", "amount", "result")
RESULT_PAID, RESULT_FAILED = "成功", "失败"
BOM = "\ufeff"  # Excel opens a UTF-8 CSV as GBK unless it starts with a BOM
CHUNK_ROWS = 2000
FLUSH_CHARS = 64 * 1024
MAX_RETURN_BYTES = 20 * 1024 * 1024
MAX_RETURN_ROWS = 200_000


def _region_names(county_code: str) -> dict[str, str]:
    """Township and village names of the county: a few hundred rows, read once per file."""
    return dict(Region.objects.filter(
        code__range=code_range(county_code[:6]), level__in=[Level.TOWNSHIP, Level.VILLAGE],
    ).values_list("code", "name"))


def bank_file_stream(bank_file: BankFile) -> Iterator[bytes]:
    """The payment file as UTF-8 CSV chunks: header, one row per line, then 合计 (count, total).

    The lines are read with a database cursor in chunks and written as they come, so a county's
    50,000 lines never sit in memory at once. The summary row adds up what was written."""
    run = bank_file.run
    programme, month = run.programme.name, f"{run.month:%Y-%m}"
    names = _region_names(run.region_code)
    rows = (PayrollLine.objects.filter(bank_file=bank_file).order_by("pk")
            .values_list("pk", "account__account_number", "account__holder__name", "amount",
                         "village_code")
            .iterator(chunk_size=CHUNK_ROWS))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(PAYMENT_HEADER)
    count, total = 0, Decimal("0.00")
    for pk, number, holder, amount, village in rows:
        township = village[:9] + "000"
        writer.writerow([pk, number, holder, f"{amount:.2f}", programme, month,
                         names.get(township, township), names.get(village, village)])
        count += 1
        total += amount
        if buffer.tell() >= FLUSH_CHARS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    writer.writerow([SUMMARY_LABEL, count, f"{total:.2f}"])
    yield buffer.getvalue().encode("utf-8")


def bank_file_name(bank_file: BankFile) -> str:
    """ASCII only, so every browser keeps it: bank-<programme>-<YYYYMM>-<sequence>.csv."""
    run = bank_file.run
    programme = "".join(c for c in run.programme_id if c.isascii() and (c.isalnum() or c in "_-"))
    return f"bank-{programme or 'run'}-{run.month:%Y%m}-{bank_file.sequence:02d}.csv"


@dataclass(frozen=True)
class ReturnRow:
    """One data row of a return file, as written; `row` is the number Excel shows (header 1)."""

    row: int
    line: str
    account: str
    amount: str
    result: str
    reason: str


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _header(cells: list[str]) -> dict[str, int]:
    names = [c.replace(" ", "").lstrip(BOM) for c in cells]
    positions: dict[str, int] = {}
    for field, title in RETURN_COLUMNS.items():
        if names.count(title) > 1:
            raise ApplicationError(_("表头中“%(c)s”列重复") % {"c": title}, field="file")
        if title in names:
            positions[field] = names.index(title)
    missing = [RETURN_COLUMNS[f] for f in RETURN_REQUIRED if f not in positions]
    if missing:
        raise ApplicationError(
            _("第1行表头缺少以下列：%(cols)s") % {"cols": "、".join(missing)}, field="file")
    return positions


def read_return(file_name: str, stream: IO[bytes]) -> list[ReturnRow]:
    """Every data row of a return file (.csv in UTF-8 or GBK, or .xlsx). Blank rows and a 合计
    row are skipped but keep their numbers, so the numbers match what the user sees."""
    stream.seek(0, io.SEEK_END)
    if stream.tell() > MAX_RETURN_BYTES:
        raise ApplicationError(_("文件过大，不能超过20MB"), field="file")
    stream.seek(0)
    records = iter(file_records(file_name, stream))
    positions = _header([_cell(v) for v in next(records, ())])
    rows: list[ReturnRow] = []
    for number, record in enumerate(records, start=2):
        cells = [_cell(v) for v in record]
        values = {f: cells[i] if i < len(cells) else "" for f, i in positions.items()}
        if not any(values.values()) or values["line"] == SUMMARY_LABEL:
            continue
        if len(rows) >= MAX_RETURN_ROWS:
            raise ApplicationError(_("数据行超过 %(n)s 行，请拆分后导入") % {
                "n": f"{MAX_RETURN_ROWS:,}"}, field="file")
        rows.append(ReturnRow(row=number, line=values["line"], account=values["account"],
                              amount=values["amount"], result=values["result"],
                              reason=values.get("reason", "")))
    if not rows:
        raise ApplicationError(_("文件中没有数据行（第1行为表头，从第2行起填写）"), field="file")
    return rows
