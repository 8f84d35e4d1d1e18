"""Department data import (部门数据导入): an extract → a STAGED snapshot → activate or cancel.

A liaison's file (CSV in UTF-8 or GBK, or .xlsx) or an API batch is read row by row: the ID
number column and each item's column are found by the names configured on the source
(`DataSource.id_column`, `SourceItem.column`). Every row is checked; bad rows are counted and
reported (row, column, reason) and never written. Good rows' facts go to `SourceFact` in chunks of
`FACT_BATCH` with `bulk_create`, so memory stays flat whatever the file size and a big file is not
one long write transaction. (Reading the file itself is `verification.extracts`.) The snapshot
stays STAGED, invisible to matching (a run matches the snapshots that were ACTIVE when it was
created), until someone activates it:

* all-or-nothing ("全部启用"): refused while the snapshot has any bad row;
* good rows only ("只启用无错误的行"): the bad rows were never written, so nothing is removed.

A snapshot whose `rows_total` is still 0 is being loaded (a finished load always has at least one
data row; an empty file is refused and its snapshot deleted), so it cannot be activated yet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import audit_record
from jiuzhu.errors import ApplicationError
from registry.idcard import check_id_number

from .extracts import file_records
from .models import DataSource, Snapshot, SnapshotStatus, SourceFact, SourceItem, ValueKind
from .retention import purge_unused_facts
from .selectors import can_upload

# The web upload is read inside the request. Django spools anything above
# FILE_UPLOAD_MAX_MEMORY_SIZE (20 MB) to a temporary file and we stream from it, so the limit is
# about request time, not memory: 50 MB is about 1.7M rows of a two-column CSV, which takes
# about a minute at the measured 25–30k rows/s (SQLite and PostgreSQL, 2 cores). The front
# proxy must allow that body size and time (e.g. nginx client_max_body_size 50m and
# proxy_read_timeout 120s). Bigger extracts go through `manage.py import_department_data`.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
FACT_BATCH = 5000
MAX_ERROR_ROWS = 1000
PROGRESS_EVERY = 100_000
MAX_TEXT = 200
SEEN_FILTER_BYTES = 1 << 23  # 8 MiB = 2**26 bits
SEEN_FILTER_MASK = SEEN_FILTER_BYTES * 8 - 1
MAX_VALUE_SHOWN = 100
# SourceFact.value_num is DecimalField(max_digits=16, decimal_places=2).
MAX_AMOUNT = Decimal("99999999999999.99")

TRUE_FLAGS = frozenset({"是", "有", "1", "y", "yes", "true"})
FALSE_FLAGS = frozenset({"否", "无", "0", "n", "no", "false", "空", ""})
# YYYY-MM-DD or YYYY/MM/DD (month and day may have one digit), or YYYYMMDD.
DATE_PATTERN = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})|(\d{4})(\d{2})(\d{2})")

Progress = Callable[[int], None]
# A cell's value as (value_num, value_text, value_date), or None for "no record".
Parsed = tuple[Decimal | None, str, date | None] | None


class Accept(models.TextChoices):
    """What activation takes from a staged snapshot (the user's choice on the snapshot page)."""

    ALL = "all", gettext_lazy("全部启用：有错误行时不启用，修正后重新上传")
    GOOD_ONLY = "good_only", gettext_lazy("只启用无错误的行（错误行未写入）")


# Explicit state machine of a snapshot (style.md §5).
TRANSITIONS: dict[str, frozenset[str]] = {
    SnapshotStatus.STAGED: frozenset({SnapshotStatus.ACTIVE, SnapshotStatus.CANCELLED}),
    SnapshotStatus.ACTIVE: frozenset({SnapshotStatus.SUPERSEDED}),
}


class _CellError(ValueError):
    pass


# ---------------------------------------------------------------- values


def _cell_text(value: Any) -> str:
    if type(value) is str:  # the CSV case, first: this runs for every cell
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        # Excel stores numbers as doubles: 0.1+0.2 shows as 0.3 there, and should here.
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_flag(text: str) -> Parsed:
    lowered = text.lower()
    if lowered in TRUE_FLAGS:
        return (None, "", None)
    if lowered in FALSE_FLAGS:
        return None
    raise _CellError(_("应填写“是/有/1/Y”或“否/无/0/N”，或者留空"))


def parse_amount(text: str) -> Parsed:
    if not text:
        return None
    cleaned = text.replace(",", "").replace("，", "").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise _CellError(_("应为数字（可带千位分隔逗号）")) from None
    if not value.is_finite():
        raise _CellError(_("应为数字（可带千位分隔逗号）"))
    if value < 0:
        raise _CellError(_("不能为负数"))
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise _CellError(_("最多保留两位小数"))
    if value > MAX_AMOUNT:
        raise _CellError(_("数值过大"))
    return (value, "", None)


def parse_date(text: str) -> Parsed:
    if not text:
        return None
    # A spreadsheet's "2026-01-05 00:00:00" is a date too.
    candidate = text[:10] if len(text) > 10 and text[10] in " T" else text
    match = DATE_PATTERN.fullmatch(candidate)
    if match:
        parts = match.group(1, 3, 4) if match.group(1) else match.group(5, 6, 7)
        try:
            return (None, "", date(*(int(p) for p in parts)))
        except ValueError:
            pass
    raise _CellError(_("日期应为 YYYY-MM-DD、YYYY/MM/DD 或 YYYYMMDD 格式的有效日期"))


def parse_text(text: str) -> Parsed:
    if not text:
        return None
    if len(text) > MAX_TEXT:
        raise _CellError(_("内容过长，最多%(n)s个字") % {"n": MAX_TEXT})
    return (None, text, None)


PARSERS: dict[str, Callable[[str], Parsed]] = {
    ValueKind.FLAG: parse_flag,
    ValueKind.AMOUNT: parse_amount,
    ValueKind.DATE: parse_date,
    ValueKind.TEXT: parse_text,
}


def parse_as_of(value: Any) -> date:
    """数据截止日期: required, a real date, not in the future."""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        text = str(value or "").strip()
        if not text:
            raise ApplicationError(_("请填写数据截止日期"), field="as_of")
        try:
            value = date.fromisoformat(text)
        except ValueError:
            raise ApplicationError(_("数据截止日期应为 YYYY-MM-DD 格式的有效日期"),
                                   field="as_of") from None
    if value > timezone.localdate():
        raise ApplicationError(_("数据截止日期不能晚于今天"), field="as_of")
    return value


# ---------------------------------------------------------------- loading


def _header_name(value: Any) -> str:
    text = _cell_text(value).replace(" ", "").replace("\u3000", "")
    return text.replace("(", "（").replace(")", "）").strip("*＊")


@dataclass(frozen=True)
class _Column:
    item: str
    column: str
    position: int
    parse: Callable[[str], Parsed]


FACT_COLUMNS = ("snapshot_id", "source_id", "id_number", "item", "value_num", "value_text",
                "value_date")


def write_facts(values: list[tuple[Any, ...]]) -> None:
    """Insert one chunk of facts (tuples in FACT_COLUMNS order), set-based: COPY on PostgreSQL,
    one executemany of a prepared INSERT on SQLite (design.md, "Big jobs").

    Not `bulk_create`: building a model instance and compiling every value of every row in
    Python took two thirds of the import time (200k rows, bulk_create with batch_size 5000:
    12k rows/s on SQLite, 8k on PostgreSQL; this way: 32k and 20k).
    """
    if not values:
        return
    # The table and column names come from the model and this module; values are parameters.
    table = connection.ops.quote_name(SourceFact._meta.db_table)
    columns = ", ".join(FACT_COLUMNS)
    marks = ", ".join(["%s"] * len(FACT_COLUMNS))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(insert, values)


class _Loader:
    """Checks rows and writes the good ones' facts, a chunk at a time."""

    def __init__(self, snapshot: Snapshot, id_position: int, columns: list[_Column]) -> None:
        self.snapshot = snapshot
        self.id_column = snapshot.source.id_column
        self.id_position = id_position
        self.columns = columns
        self.rows_total = 0
        self.rows_bad = 0
        self.facts = 0
        self.errors: list[dict[str, Any]] = []
        self._error_rows = 0
        self._chunk_errors: list[tuple[int, list[tuple[str, str, str]]]] = []
        # Good rows not yet written: row number, ID number, [(item, num, text, date)], and
        # whether an earlier chunk may already have written one of its (ID number, item) pairs.
        self._pending: list[tuple[int, str, list[tuple[str, Any, str, Any]], bool]] = []
        # A fixed-size bit filter of the pairs seen: only a row whose bit is already set needs
        # looking up in the database at flush (no false negatives; about 1% false positives
        # at a million rows), so memory does not grow with the file.
        self._seen = bytearray(SEEN_FILTER_BYTES)
        self._pending_keys: dict[tuple[str, str], int] = {}
        self._pending_facts = 0
        self._chunk_rows = 0

    def _bad(self, row: int, problems: list[tuple[str, str, str]]) -> None:
        self.rows_bad += 1
        self._chunk_errors.append((row, problems))

    def add(self, row: int, cells: Sequence[Any]) -> None:
        size = len(cells)
        raw_id = cells[self.id_position] if self.id_position < size else None
        id_text = _cell_text(raw_id)
        texts = [_cell_text(cells[c.position]) if c.position < size else "" for c in self.columns]
        if not id_text and not any(texts):
            return  # blank rows (often trailing ones) are skipped but keep their row number
        self.rows_total += 1
        problems: list[tuple[str, str, str]] = []
        id_number = ""
        if not id_text:
            problems.append((self.id_column, "", _("身份证号码不能为空")))
        else:
            check = check_id_number(id_text)
            if check.valid:
                id_number = check.normalized
            else:
                hint = ""
                if isinstance(raw_id, int | float) or "E+" in id_text.upper():
                    hint = _("（Excel 把号码存成了数字，末几位可能已丢失，请将该列设为“文本”格式）")
                problems.append((self.id_column, id_text, check.error + hint))
        facts: list[tuple[str, Any, str, Any]] = []
        for column, text in zip(self.columns, texts, strict=True):
            try:
                parsed = column.parse(text)
            except _CellError as exc:
                problems.append((column.column, text, str(exc)))
                continue
            if parsed is not None:
                facts.append((column.item, *parsed))
        if not problems:
            # One value per (snapshot, ID number, item): a second row giving the same person
            # the same item is a duplicate; earlier chunks are checked against the database.
            for item, *_rest in facts:
                first = self._pending_keys.get((id_number, item))
                if first is not None:
                    problems.append((self.id_column, id_number,
                                     _("身份证号码重复：第%(r)s行已有该号码的数据，每人只能有一行")
                                     % {"r": first}))
                    break
        if problems:
            self._bad(row, problems)
        elif facts:  # a good row without any record writes nothing
            maybe_written = False
            seen = self._seen
            for item, *_rest in facts:
                self._pending_keys[(id_number, item)] = row
                bit = hash((id_number, item)) & SEEN_FILTER_MASK
                if seen[bit >> 3] & (1 << (bit & 7)):
                    maybe_written = True
                else:
                    seen[bit >> 3] |= 1 << (bit & 7)
            self._pending.append((row, id_number, facts, maybe_written))
            self._pending_facts += len(facts)
        # Flushed by facts and by rows, so neither a file of good rows nor one of bad rows
        # (whose errors wait here to be sorted) holds more than a chunk in memory.
        self._chunk_rows += 1
        if self._pending_facts >= FACT_BATCH or self._chunk_rows >= FACT_BATCH:
            self.flush()

    def flush(self) -> None:
        snapshot = self.snapshot
        ids = sorted({id_number for _row, id_number, _facts, maybe in self._pending if maybe})
        written = set()
        if ids and self.facts:
            written = set(SourceFact.objects.filter(snapshot=snapshot, id_number__in=ids)
                          .values_list("id_number", "item"))
        values: list[tuple[Any, ...]] = []
        for row, id_number, facts, _maybe in self._pending:
            if any((id_number, f[0]) in written for f in facts):
                self._bad(row, [(self.id_column, id_number,
                                 _("身份证号码重复：本文件前面的行已有该号码的数据，每人只能有一行"))])
                continue
            values.extend((snapshot.pk, snapshot.source_id, id_number, item, num, text, day)
                          for item, num, text, day in facts)
        write_facts(values)
        self.facts += len(values)
        self._pending, self._pending_keys, self._pending_facts, self._chunk_rows = [], {}, 0, 0
        # Errors kept in row order, whole rows, up to MAX_ERROR_ROWS rows.
        for row, problems in sorted(self._chunk_errors, key=lambda e: e[0]):
            if self._error_rows >= MAX_ERROR_ROWS:
                break
            self._error_rows += 1
            self.errors.extend({"row": row, "column": column, "value": value[:MAX_VALUE_SHOWN],
                                "message": message} for column, value, message in problems)
        self._chunk_errors = []


def _columns(source: DataSource, header: Sequence[Any], where: str,
             field: str) -> tuple[int, list[_Column]]:
    """Positions of the ID column and each item's column; `where` names the header in errors."""
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        name = _header_name(value)
        if not name:
            continue
        if name in positions:
            raise ApplicationError(_("%(w)s中“%(c)s”列重复") % {"w": where, "c": name},
                                   field=field)
        positions[name] = index
    items: list[SourceItem] = list(source.items.all())
    if not items:
        raise ApplicationError(_("该数据源尚未配置核对项目，不能导入"), code="conflict")
    wanted = [source.id_column] + [i.column for i in items]
    # Every item column is required: in replace mode a missing column would silently turn
    # everyone's record of that item into "no record".
    missing = [c for c in wanted if _header_name(c) not in positions]
    if missing:
        raise ApplicationError(
            _("%(w)s缺少以下列：%(cols)s。列名须与数据源配置的列名一致。")
            % {"w": where, "cols": "、".join(missing)}, field=field)
    columns = [_Column(i.code, i.column, positions[_header_name(i.column)], PARSERS[i.kind])
               for i in items]
    return positions[_header_name(source.id_column)], columns


def _check_upload(actor: Any, source: DataSource, mode: str) -> None:
    if actor is not None and not can_upload(actor, source):
        raise ApplicationError(_("只有县级民政部门或该数据提供部门的联络员可以上传此数据"),
                               code="forbidden")
    if not source.active:
        raise ApplicationError(_("该数据源已停用，不能导入"), code="conflict")
    if mode not in Snapshot.Mode.values:
        raise ApplicationError(_("请选择导入方式（替换或追加）"), field="mode")


def _load(*, actor: Any, source: DataSource, records: Iterator[Sequence[Any]], first_row: int,
          header: Sequence[Any], where: str, field: str, as_of: date, mode: str, file_name: str,
          progress: Progress | None) -> Snapshot:
    id_position, columns = _columns(source, header, where, field)
    snapshot = Snapshot.objects.create(
        source=source, as_of=as_of, mode=mode, status=SnapshotStatus.STAGED,
        file_name=file_name[:255], uploaded_by=actor if getattr(actor, "pk", None) else None)
    loader = _Loader(snapshot, id_position, columns)
    try:
        for number, record in enumerate(records, start=first_row):
            loader.add(number, record if isinstance(record, list | tuple) else list(record))
            if progress is not None and (number - first_row + 1) % PROGRESS_EVERY == 0:
                progress(number - first_row + 1)
        loader.flush()
        if not loader.rows_total:
            raise ApplicationError(_("没有数据行（第1行为表头，从第2行起填写）"), field=field)
    except BaseException:
        # Nothing half-loaded stays behind (the facts go with the snapshot, one DELETE).
        if not transaction.get_connection().needs_rollback:
            snapshot.delete()
        raise
    with transaction.atomic():
        Snapshot.objects.filter(pk=snapshot.pk).update(
            rows_total=loader.rows_total, rows_bad=loader.rows_bad, facts=loader.facts,
            errors=loader.errors)
        snapshot.refresh_from_db()
        audit_record(actor=actor, action="verification.snapshot_upload", obj=snapshot,
                     region_code=getattr(actor, "region_id", None) or "", after={
                         "source": source.code, "as_of": as_of.isoformat(), "mode": mode,
                         "file_name": snapshot.file_name, "rows_total": loader.rows_total,
                         "rows_bad": loader.rows_bad, "facts": loader.facts})
    return snapshot


def snapshot_import_file(*, actor: Any, source: DataSource, file_name: str, stream: IO[bytes],
                         as_of: Any, mode: str = Snapshot.Mode.REPLACE,
                         progress: Progress | None = None) -> Snapshot:
    """Read a CSV/xlsx extract into a new STAGED snapshot. `actor` None is the command line."""
    _check_upload(actor, source, mode)
    day = parse_as_of(as_of)
    records = file_records(file_name, stream)
    try:
        header = next(records, None)
        if header is None or not any(_cell_text(v) for v in header):
            raise ApplicationError(_("文件为空或第1行不是表头"), field="file")
        return _load(actor=actor, source=source, records=records, first_row=2, header=header,
                     where=_("第1行表头"), field="file", as_of=day, mode=mode,
                     file_name=Path(file_name).name, progress=progress)
    finally:
        records.close()  # closes the workbook or detaches the text wrapper now, not at GC


def snapshot_import_rows(*, actor: Any, source: DataSource, rows: Sequence[dict[str, Any]],
                         as_of: Any, mode: str = Snapshot.Mode.REPLACE,
                         file_name: str = "API") -> Snapshot:
    """The same, for rows given as {column name: value} (the API). Rows are numbered from 1;
    the keys of all rows play the header (a key a row leaves out is an empty cell)."""
    _check_upload(actor, source, mode)
    day = parse_as_of(as_of)
    if not rows:
        raise ApplicationError(_("没有数据行"), field="rows")
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    header = list(names)
    records: Iterable[list[Any]] = ([row.get(name) for name in header] for row in rows)
    return _load(actor=actor, source=source, records=iter(records), first_row=1, header=header,
                 where=_("数据行的列名"), field="rows", as_of=day, mode=mode,
                 file_name=file_name, progress=None)


# ---------------------------------------------------------------- activate / cancel


def _transition(snapshot: Snapshot, to: str) -> None:
    if to not in TRANSITIONS.get(snapshot.status, frozenset()):
        raise ApplicationError(
            _("这批数据的状态为“%(s)s”，不能再启用或取消") % {"s": snapshot.get_status_display()},
            code="transition")
    snapshot.status = to


def _locked(actor: Any, snapshot: Snapshot) -> Snapshot:
    # The source row is locked first: two activations of one source run one after the other.
    source = DataSource.objects.select_for_update().get(pk=snapshot.source_id)
    if actor is not None and not can_upload(actor, source):
        raise ApplicationError(_("只有县级民政部门或该数据提供部门的联络员可以启用或取消此数据"),
                               code="forbidden")
    locked = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
    locked.source = source
    return locked


def snapshot_activate(*, actor: Any, snapshot: Snapshot, accept: str) -> Snapshot:
    """Put a staged snapshot to use, in one transaction with its audit row. Replace mode
    supersedes the source's active snapshots; append mode keeps them."""
    if accept not in Accept.values:
        raise ApplicationError(_("请选择启用方式"), field="accept")
    with transaction.atomic():
        snapshot = _locked(actor, snapshot)
        _transition(snapshot, SnapshotStatus.ACTIVE)
        if not snapshot.rows_total:
            raise ApplicationError(_("这批数据尚未导入完成，请稍后再启用"), code="conflict")
        if accept == Accept.ALL and snapshot.rows_bad:
            raise ApplicationError(
                _("有 %(n)s 行数据有错误，按“全部启用”不能启用。请修正后重新上传，"
                  "或选择“只启用无错误的行”。") % {"n": snapshot.rows_bad},
                field="accept", code="conflict")
        if snapshot.rows_total == snapshot.rows_bad:
            raise ApplicationError(_("没有无错误的数据行可以启用"), field="accept",
                                   code="conflict")
        superseded: list[int] = []
        if snapshot.mode == Snapshot.Mode.REPLACE:
            previous = Snapshot.objects.filter(source_id=snapshot.source_id,
                                               status=SnapshotStatus.ACTIVE)
            superseded = list(previous.values_list("pk", flat=True))
            previous.update(status=SnapshotStatus.SUPERSEDED)
        snapshot.activated_at = timezone.now()
        snapshot.save(update_fields=["status", "activated_at"])
        audit_record(actor=actor, action="verification.snapshot_activate", obj=snapshot,
                     region_code=getattr(actor, "region_id", None) or "", after={
                         "source": snapshot.source_id, "as_of": snapshot.as_of.isoformat(),
                         "mode": snapshot.mode, "accept": accept,
                         "rows_total": snapshot.rows_total, "rows_bad": snapshot.rows_bad,
                         "facts": snapshot.facts, "superseded": superseded})
        if superseded:
            source_id = snapshot.source_id
            transaction.on_commit(lambda: purge_unused_facts(source_id))
    return snapshot


def snapshot_cancel(*, actor: Any, snapshot: Snapshot) -> Snapshot:
    """Drop a staged snapshot: its facts are deleted once the cancel is committed."""
    with transaction.atomic():
        snapshot = _locked(actor, snapshot)
        _transition(snapshot, SnapshotStatus.CANCELLED)
        snapshot.save(update_fields=["status"])
        audit_record(actor=actor, action="verification.snapshot_cancel", obj=snapshot,
                     region_code=getattr(actor, "region_id", None) or "", after={
                         "source": snapshot.source_id, "as_of": snapshot.as_of.isoformat(),
                         "facts": snapshot.facts})
        source_id = snapshot.source_id
        transaction.on_commit(lambda: purge_unused_facts(source_id))
    return snapshot
