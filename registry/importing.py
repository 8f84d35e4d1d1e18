"""Household import (批量导入): read an .xlsx or .csv file, report every bad row, commit on confirmation.

`import_validate` reads the file, checks every row against the file itself and the database and
stores the normalised rows and every error on an ImportJob; the registry tables are not touched.
`import_commit` re-checks the database (an ID number may have been registered since) and writes the
chosen households in one transaction with bulk inserts, history rows and one audit row.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accounts.roles import COUNTY_ONLY
from audit.services import audit_record
from jiuzhu.errors import ApplicationError
from jiuzhu.spreadsheets import xlsx_rows
from regions.models import Level, Region
from regions.scoping import region_in_scope, scope, scoped_get_or_404

from .choices import Relation, UrbanRural
from .idcard import check_id_number
from .models import Household, ImportJob, Person
from .services import MemberInput, person_from_check

MAX_ROWS = 50_000
MAX_FILE_BYTES = 20 * 1024 * 1024
BATCH_SIZE = 500
# Rows whose 户编号 starts with this are the template's examples and must not be imported.
EXAMPLE_KEY_PREFIX = "示例"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    required: bool
    household_level: bool
    help: str
    example: tuple[str, str]


COLUMNS = (
    Column("key", "户编号", True, False,
           "同一家庭的各行填写相同的户编号（如 1、2、3），只用于在本文件中归并家庭，不写入系统。",
           ("示例1", "示例1")),
    Column("village", "村（社区）代码", True, True,
           "12位统计用区划代码，须为您管辖范围内的村（社区），见“村（社区）代码”工作表。",
           ("", "")),
    Column("address", "居住地址", True, True, "家庭实际居住地址，最多200字。",
           ("大寨村3组15号", "")),
    Column("phone", "家庭电话", False, True, "家庭联系电话，可不填。", ("13900000000", "")),
    Column("urban_rural", "城乡类别", False, True,
           "填写“城镇”或“农村”；不填时按村（社区）的城乡分类代码自动判定。", ("", "")),
    Column("name", "姓名", True, False, "家庭成员姓名，最多50字。", ("张三", "李梅")),
    Column("id_number", "身份证号码", True, False,
           "18位居民身份证号码（末位X大小写均可）；15位旧号码自动升位。请将该列设为“文本”格式，"
           "以免 Excel 把号码变成科学计数法。", ("", "")),
    Column("relation", "与申请人关系", True, False,
           "每户须有且只有一名“申请人/户主”；其他成员填写与申请人的关系，可选值见下表。",
           ("申请人/户主", "配偶")),
    Column("person_phone", "个人电话", False, False, "成员本人电话，可不填。", ("", "")),
)
HEADERS = [c.header for c in COLUMNS]
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}
HOUSEHOLD_FIELDS = [c.field for c in COLUMNS if c.household_level]
MAX_LENGTH = {"address": 200, "phone": 20, "name": 50, "person_phone": 20, "key": 50}


@dataclass
class ImportRow:
    """One data row as stored on the job: text as entered, ID and codes normalised when valid."""

    row: int
    key: str = ""
    village: str = ""
    address: str = ""
    phone: str = ""
    urban_rural: str = ""
    name: str = ""
    id_number: str = ""
    relation: str = ""
    person_phone: str = ""
    id_number_old: str = ""  # the 15-digit number as entered, when it was upgraded

    @property
    def group(self) -> tuple[str, int]:
        # A row without 户编号 cannot be grouped; it is its own (bad) household.
        return (self.key, 0) if self.key else ("", self.row)


class ErrorList:
    def __init__(self, *, at_commit: bool = False) -> None:
        self.items: list[dict[str, Any]] = []
        self.at_commit = at_commit

    def add(self, row: ImportRow, field: str, message: str) -> None:
        item = {"row": row.row, "key": row.key, "column": COLUMN_BY_FIELD[field].header,
                "value": getattr(row, field), "message": message}
        if self.at_commit:
            item["at_commit"] = True
        self.items.append(item)


# ---------------------------------------------------------------- reading the file


def _header_name(value: Any) -> str:
    text = _cell_text(value).replace(" ", "").replace("(", "（").replace(")", "）")
    return text.strip("*＊")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _csv_records(content: bytes) -> Iterator[list[str]]:
    # Chinese Excel saves CSV in GBK; GB18030 is its superset. UTF-8 (with or without BOM) first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ApplicationError(_("无法识别 CSV 文件的编码，请保存为 UTF-8 或 GBK 编码"), field="file")
    if "\x00" in text:
        raise ApplicationError(_("文件内容不是文本格式的 CSV，请上传 .xlsx 或 .csv 文件"), field="file")
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise ApplicationError(_("CSV 文件格式有误，无法解析：%(e)s") % {"e": exc}, field="file") from exc


def _records(file_name: str, content: bytes) -> Iterator[Iterable[Any]]:
    suffix = Path(file_name).suffix.lower()
    if content.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise ApplicationError(
            _("不支持旧版 .xls 格式，请在 Excel 中“另存为” .xlsx 或 CSV 后上传"), field="file"
        )
    if content.startswith(b"PK\x03\x04") or suffix == ".xlsx":
        return xlsx_rows(io.BytesIO(content))
    if suffix in {".csv", ".txt"}:
        return _csv_records(content)
    raise ApplicationError(_("文件格式不支持，请上传 .xlsx 或 .csv 文件"), field="file")


def read_rows(file_name: str, content: bytes) -> tuple[list[ImportRow], set[int]]:
    """The data rows (numbered as Excel shows them, header = 1) and the rows whose ID was a number."""
    if not content:
        raise ApplicationError(_("文件为空"), field="file")
    if len(content) > MAX_FILE_BYTES:
        raise ApplicationError(_("文件过大，不能超过20MB"), field="file")
    records = iter(_records(file_name, content))
    header = next(records, None)
    positions: dict[str, int] = {}
    for index, value in enumerate(header or ()):
        name = _header_name(value)
        if name in HEADERS:
            if name in positions:
                raise ApplicationError(_("表头中“%(c)s”列重复") % {"c": name}, field="file")
            positions[name] = index
    if not positions and not any(_cell_text(v) for v in header or ()):
        raise ApplicationError(_("文件为空或第1行不是表头"), field="file")
    missing = [c.header for c in COLUMNS if c.required and c.header not in positions]
    if missing:
        raise ApplicationError(
            _("第1行表头缺少以下列：%(cols)s。请使用下载的导入模板。") % {"cols": "、".join(missing)},
            field="file",
        )
    rows: list[ImportRow] = []
    numeric_ids: set[int] = set()
    id_position = positions[COLUMN_BY_FIELD["id_number"].header]
    for number, record in enumerate(records, start=2):
        cells = list(record)
        values = {c.field: _cell_text(cells[positions[c.header]])
                  for c in COLUMNS if c.header in positions and positions[c.header] < len(cells)}
        if not any(values.values()):
            continue  # blank rows (often trailing ones) are skipped but still counted in numbering
        if len(rows) >= MAX_ROWS:
            raise ApplicationError(
                _("数据行超过 %(n)s 行，请拆分为多个文件导入") % {"n": f"{MAX_ROWS:,}"}, field="file"
            )
        if id_position < len(cells) and isinstance(cells[id_position], int | float):
            numeric_ids.add(number)
        rows.append(ImportRow(row=number, **values))
    if not rows:
        raise ApplicationError(_("文件中没有数据行（第1行为表头，从第2行起填写）"), field="file")
    return rows, numeric_ids


# ---------------------------------------------------------------- validation


def _relation_codes() -> dict[str, str]:
    """Accepted spellings: the Chinese label, each half of a label like 申请人/户主, and the code."""
    accepted: dict[str, str] = {}
    with translation.override("zh-hans"):
        labels = [(code, str(label)) for code, label in Relation.choices]
    labels += [(code, str(label)) for code, label in Relation.choices]
    for code, label in labels:
        accepted[code] = code
        accepted[label] = code
        for part in label.split("/"):
            accepted.setdefault(part, code)
    accepted.setdefault("其他", Relation.OTHER)
    return accepted


URBAN_RURAL_CODES = {"城镇": UrbanRural.URBAN.value, "农村": UrbanRural.RURAL.value,
                     "urban": UrbanRural.URBAN.value, "rural": UrbanRural.RURAL.value}


def _check_row(row: ImportRow, numeric_id: bool, relations: dict[str, str], errors: ErrorList) -> None:
    for column in COLUMNS:
        value = getattr(row, column.field)
        if column.required and not column.household_level and not value:
            errors.add(row, column.field, _("%(c)s不能为空") % {"c": column.header})
        limit = MAX_LENGTH.get(column.field)
        if limit and len(value) > limit:
            errors.add(row, column.field, _("内容过长，最多%(n)s个字") % {"n": limit})
    if row.key.startswith(EXAMPLE_KEY_PREFIX):
        errors.add(row, "key", _("这是模板中的示例行，请删除后再导入"))
    if row.village and not (len(row.village) == 12 and row.village.isdigit()):
        errors.add(row, "village", _("村（社区）代码应为12位数字"))
    if row.urban_rural:
        code = URBAN_RURAL_CODES.get(row.urban_rural.lower())
        if code is None:
            errors.add(row, "urban_rural", _("城乡类别应填写“城镇”或“农村”，或者留空"))
        else:
            row.urban_rural = code
    if row.relation:
        relation = relations.get(row.relation) or relations.get(row.relation.lower())
        if relation is None:
            errors.add(row, "relation", _("与申请人关系“%(v)s”无法识别，请填写模板说明中的选项")
                       % {"v": row.relation})
        else:
            row.relation = relation
    if row.id_number:
        result = check_id_number(row.id_number)
        if result.valid:
            row.id_number, row.id_number_old = result.normalized, result.upgraded_from
        else:
            hint = ""
            if numeric_id or "E+" in row.id_number.upper():
                hint = _("（Excel 把号码存成了数字，末几位可能已丢失，请将该列设为“文本”格式后重新填写）")
            errors.add(row, "id_number", result.error + hint)


def _check_household(members: list[ImportRow], errors: ErrorList) -> None:
    first = members[0]
    for field in HOUSEHOLD_FIELDS:
        column = COLUMN_BY_FIELD[field]
        filled = [m for m in members if getattr(m, field)]
        if not filled:
            if column.required:
                errors.add(first, field, _("本户未填写%(c)s") % {"c": column.header})
            continue
        reference = filled[0]
        for member in filled[1:]:
            if getattr(member, field) != getattr(reference, field):
                errors.add(member, field, _("与同户第%(r)s行的%(c)s“%(v)s”不一致") % {
                    "r": reference.row, "c": column.header, "v": getattr(reference, field)})
    applicants = [m for m in members if m.relation == Relation.APPLICANT]
    if not applicants:
        errors.add(first, "relation", _("户编号“%(k)s”没有申请人/户主，每户须有且只有一名")
                   % {"k": first.key})
    elif len(applicants) > 1:
        rows = "、".join(str(m.row) for m in applicants)
        for member in applicants:
            errors.add(member, "relation", _("该户有多名申请人/户主（第%(rows)s行），每户只能有一名")
                       % {"rows": rows})


def _check_duplicates_in_file(rows: list[ImportRow], errors: ErrorList) -> None:
    by_id: dict[str, list[ImportRow]] = defaultdict(list)
    for row in rows:
        if len(row.id_number) == 18:
            by_id[row.id_number].append(row)
    for same in by_id.values():
        if len(same) > 1:
            where = "、".join(str(r.row) for r in same)
            for row in same:
                errors.add(row, "id_number", _("身份证号码在本文件中重复出现（第%(rows)s行）")
                           % {"rows": where})


def _chunks(values: list[str], size: int = BATCH_SIZE) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _check_database(actor: Any, rows: list[ImportRow], errors: ErrorList) -> dict[str, Region]:
    """Villages and already-registered ID numbers, one query per chunk of distinct values."""
    codes = {r.village for r in rows if len(r.village) == 12 and r.village.isdigit()}
    villages: dict[str, Region] = {}
    for chunk in _chunks(sorted(codes)):
        villages.update((r.code, r) for r in Region.objects.filter(code__in=chunk))
    today = timezone.localdate()
    for row in rows:
        if row.village not in codes:
            continue
        region = villages.get(row.village)
        if region is None:
            errors.add(row, "village", _("区划代码不存在"))
        elif region.level != Level.VILLAGE:
            errors.add(row, "village", _("“%(n)s”不是村（社区）级区划，请填写村（社区）的12位代码")
                       % {"n": region.name})
        elif not region_in_scope(actor, region.code):
            errors.add(row, "village", _("“%(n)s”不在您的管辖范围内") % {"n": region.name})
        elif region.valid_to is not None and region.valid_to <= today:
            errors.add(row, "village", _("“%(n)s”已停用") % {"n": region.name})
    ids = sorted({r.id_number for r in rows if check_id_number(r.id_number).valid})
    registered: set[str] = set()
    for chunk in _chunks(ids):
        registered.update(Person.objects.filter(id_number__in=chunk).values_list("id_number", flat=True))
    for row in rows:
        if row.id_number in registered:
            errors.add(row, "id_number", _("该身份证号码已在系统中登记"))
    return villages


def _sorted_errors(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    order = {c.header: i for i, c in enumerate(COLUMNS)}
    return sorted(items, key=lambda e: (e["row"], order.get(e["column"], 99)))


def _groups(rows: list[ImportRow]) -> dict[tuple[str, int], list[ImportRow]]:
    groups: dict[tuple[str, int], list[ImportRow]] = defaultdict(list)
    for row in rows:
        groups[row.group].append(row)
    return groups


def _set_counts(
    job: ImportJob, rows: list[ImportRow], errors: list[dict[str, Any]]
) -> set[tuple[str, int]]:
    """Counts on the job; returns the households (groups) that have any error."""
    groups = _groups(rows)
    bad_rows = {e["row"] for e in errors}
    bad = {g for g, members in groups.items() if any(m.row in bad_rows for m in members)}
    job.rows_total = job.persons_total = len(rows)
    job.households_total = len(groups)
    job.households_bad = len(bad)
    job.persons_bad = sum(len(groups[g]) for g in bad)
    return bad


def validate_rows(actor: Any, rows: list[ImportRow], numeric_ids: set[int]) -> list[dict[str, Any]]:
    """Every error of the rows, sorted by row and column; normalises the rows in place."""
    errors = ErrorList()
    relations = _relation_codes()
    for row in rows:
        _check_row(row, row.row in numeric_ids, relations, errors)
    for (key, _row), members in _groups(rows).items():
        if key:
            _check_household(members, errors)
    _check_duplicates_in_file(rows, errors)
    _check_database(actor, rows, errors)
    return _sorted_errors(errors.items)


def import_validate(*, actor: Any, file_name: str, content: bytes) -> ImportJob:
    """Read and check the whole file; store the outcome. Writes nothing to the registry tables."""
    rows, numeric_ids = read_rows(file_name, content)
    errors = validate_rows(actor, rows, numeric_ids)
    job = ImportJob(
        uploaded_by=actor, region_code=getattr(actor, "region_id", None) or "",
        file_name=Path(file_name).name[:255], rows=[asdict(r) for r in rows], errors=errors,
    )
    _set_counts(job, rows, errors)
    job.save()
    return job


# ---------------------------------------------------------------- commit


def _job_rows(job: ImportJob) -> list[ImportRow]:
    names = {f.name for f in fields(ImportRow)}
    return [ImportRow(**{k: v for k, v in r.items() if k in names}) for r in job.rows]


def _household_for(members: list[ImportRow], village: Region, actor: Any) -> Household:
    def first(field: str) -> str:
        return next((str(getattr(m, field)) for m in members if getattr(m, field)), "")

    return Household(
        village=village, address=first("address"), phone=first("phone"),
        urban_rural=first("urban_rural") or village.default_urban_rural,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def _person_for(household: Household, row: ImportRow) -> Person:
    # The ID was checked at validation and again at commit; re-checking gives the derived fields.
    return person_from_check(
        household,
        MemberInput(name=row.name, id_number=row.id_number, relation=row.relation,
                    phone=row.person_phone),
        check_id_number(row.id_number_old or row.id_number),
    )


def _write(actor: Any, job: ImportJob, groups: dict[tuple[str, int], list[ImportRow]],
           villages: dict[str, Region]) -> tuple[int, int]:
    """Bulk-insert the households, then their members; history rows are written alongside."""
    user = actor if getattr(actor, "pk", None) else None
    reason = f"批量导入#{job.pk}"
    households = [
        _household_for(members, villages[next(m.village for m in members if m.village)], actor)
        for members in groups.values()
    ]
    bulk_create_with_history(households, Household, batch_size=BATCH_SIZE, default_user=user,
                             default_change_reason=reason)
    persons = [
        _person_for(household, row)
        for household, members in zip(households, groups.values(), strict=True)
        for row in members
    ]
    bulk_create_with_history(persons, Person, batch_size=BATCH_SIZE, default_user=user,
                             default_change_reason=reason)
    return len(households), len(persons)


def _check_can_commit(actor: Any, job: ImportJob) -> None:
    if job.uploaded_by_id != getattr(actor, "pk", None):
        raise ApplicationError(_("只有上传人可以确认或取消此次导入"), code="conflict")
    if job.status != ImportJob.Status.VALIDATED:
        raise ApplicationError(
            _("此次导入的状态为“%(s)s”，不能再确认或取消") % {"s": job.get_status_display()},
            code="transition",
        )


def import_commit(*, actor: Any, job: ImportJob, mode: str) -> ImportJob:
    """Write the households of a validated job in one transaction, as the chosen mode allows.

    The database is checked again first: a village may have left the uploader's scope or an ID
    number may have been registered since validation. New errors are added to the job's report.
    """
    if mode not in ImportJob.Mode.values:
        raise ApplicationError(_("请选择导入方式"), field="mode")
    refusal = ""
    try:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job.pk)
            _check_can_commit(actor, job)
            rows = _job_rows(job)
            bad = _set_counts(job, rows, job.errors)
            candidates = [r for r in rows if r.group not in bad]
            recheck = ErrorList(at_commit=True)
            villages = _check_database(actor, candidates, recheck)
            if recheck.items:
                job.errors = _sorted_errors(job.errors + recheck.items)
                bad = _set_counts(job, rows, job.errors)
            good = {g: m for g, m in _groups(rows).items() if g not in bad}
            if mode == ImportJob.Mode.ALL_OR_NOTHING and job.errors:
                refusal = _("文件中有 %(n)s 处错误，按“全部导入，有错误则全部不导入”未导入任何数据。"
                            "请修正后重新上传，或选择“只导入无错误的家庭”。") % {"n": len(job.errors)}
            elif not good:
                refusal = _("没有无错误的家庭可以导入，未导入任何数据")
            if refusal:
                # Keep what the re-check found, so the report shows why nothing was imported.
                job.save(update_fields=["errors", "households_bad", "persons_bad"])
            else:
                job.households_imported, job.persons_imported = _write(actor, job, good, villages)
                job.status, job.mode = ImportJob.Status.COMMITTED, mode
                job.committed_at = timezone.now()
                job.save(update_fields=[
                    "status", "mode", "committed_at", "households_imported", "persons_imported",
                    "errors", "households_bad", "persons_bad",
                ])
                audit_record(actor=actor, action="household.import", obj=job,
                             region_code=job.region_code, after={
                                 "file_name": job.file_name, "mode": mode,
                                 "households_imported": job.households_imported,
                                 "persons_imported": job.persons_imported,
                                 "households_skipped": job.households_bad,
                                 "persons_skipped": job.persons_bad,
                                 "errors_found_at_commit": len(recheck.items),
                             })
    except IntegrityError as exc:
        # Someone registered one of these ID numbers between the re-check and the insert.
        reason = _("导入时与其他登记冲突（身份证号码已被登记），未写入任何数据，请重新上传文件")
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, mode=mode, failure_reason=reason
        )
        raise ApplicationError(reason, code="conflict") from exc
    if refusal:
        raise ApplicationError(refusal, field="mode", code="conflict")
    return job


@transaction.atomic
def import_cancel(*, actor: Any, job: ImportJob) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _check_can_commit(actor, job)
    job.status = ImportJob.Status.CANCELLED
    job.save(update_fields=["status"])
    return job


# ---------------------------------------------------------------- reads


def import_jobs_for(user: Any) -> QuerySet[ImportJob]:
    """Jobs a user may see: their own; a county administrator sees all in the county."""
    qs = scope(user, ImportJob.objects.defer("rows", "errors").select_related("uploaded_by"))
    if not user.has_role(COUNTY_ONLY):
        qs = qs.filter(uploaded_by_id=user.pk)
    return qs.order_by("-id")


def import_job_get(user: Any, job_id: int) -> ImportJob:
    """Missing, another township's and another clerk's job are the same 404."""
    qs = ImportJob.objects.defer("rows").select_related("uploaded_by")
    if not user.has_role(COUNTY_ONLY):
        qs = qs.filter(uploaded_by_id=user.pk)
    return scoped_get_or_404(user, qs, pk=job_id)
