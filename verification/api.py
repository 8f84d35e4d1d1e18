"""Department data API: list the sources, and push an extract as JSON rows (部门数据接口).

A push is read exactly like an uploaded file (verification.importing), with the rows' keys as
the column names. The request body is limited by DATA_UPLOAD_MAX_MEMORY_SIZE (20 MB, roughly
100,000 rows); bigger extracts go through the file upload or `import_department_data`.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from . import importing, selectors
from .models import SnapshotStatus

router = Router(tags=["verification"])
ERRORS_IN_ANSWER = 100


class ItemOut(Schema):
    code: str
    label: str
    column: str
    kind: str
    feeds: str


class ActiveSnapshotOut(Schema):
    id: int
    as_of: date


class SourceOut(Schema):
    code: str
    name: str
    department: str
    id_column: str
    max_age_days: int
    active: bool
    status: str = Field(description="ok | stale | missing")
    items: list[ItemOut]
    active_snapshots: list[ActiveSnapshotOut]
    last_upload: datetime | None


@router.get("/verification/sources", response=list[SourceOut],
            url_name="verification_source_list")
def source_list(request: HttpRequest) -> list[SourceOut]:
    return [
        SourceOut(
            code=row.source.code, name=row.source.name, department=row.source.department.name,
            id_column=row.source.id_column, max_age_days=row.source.max_age_days,
            active=row.source.active, status=row.status,
            items=[ItemOut(code=i.code, label=i.label, column=i.column, kind=i.kind,
                           feeds=i.feeds) for i in row.items],
            active_snapshots=[ActiveSnapshotOut(id=pk, as_of=as_of)
                              for pk, as_of in row.active_dates],
            last_upload=row.last_upload,
        )
        for row in selectors.source_rows(request.user, timezone.localdate())
    ]


Cell = str | int | float | bool | None


class SnapshotIn(Schema):
    # A string, checked by the service, so a bad date answers 400 with field "as_of".
    as_of: str = Field("", description="数据截止日期 YYYY-MM-DD，不晚于今天")
    mode: str = Field("replace", description="replace 替换原有数据 | append 追加")
    activate: bool = Field(False, description="无错误行时立即启用")
    good_rows_only: bool = Field(
        False, description="与 activate 同用：有错误行时只启用无错误的行（错误行不写入）")
    rows: list[dict[str, Cell]] = Field(
        ..., description="每条一行，键为与文件相同的列名（身份证号码列和各核对项目的列）")


class RowErrorOut(Schema):
    row: int = Field(description="rows 中的序号，从1开始")
    column: str
    value: str
    message: str


class SnapshotOut(Schema):
    snapshot_id: int
    rows_total: int
    rows_bad: int
    facts: int
    status: str = Field(description="staged 暂存待启用 | active 已启用")
    errors: list[RowErrorOut] = Field(description=f"前 {ERRORS_IN_ANSWER} 处错误")


@router.post("/verification/sources/{pk}/snapshots", response={201: SnapshotOut},
             url_name="verification_snapshot_create")
def snapshot_create(request: HttpRequest, pk: str, payload: SnapshotIn) -> Status[SnapshotOut]:
    """`pk` is the source's code. With `activate`, a batch that has bad rows (or no good row)
    stays staged (status "staged") unless `good_rows_only`; it can then be checked and activated
    or cancelled on its page."""
    source = selectors.source_get(request.user, pk)
    snapshot = importing.snapshot_import_rows(
        actor=request.user, source=source, rows=payload.rows, as_of=payload.as_of,
        mode=payload.mode)
    has_good_rows = snapshot.rows_total > snapshot.rows_bad
    if payload.activate and has_good_rows and (payload.good_rows_only or not snapshot.rows_bad):
        accept = importing.Accept.GOOD_ONLY if payload.good_rows_only else importing.Accept.ALL
        snapshot = importing.snapshot_activate(actor=request.user, snapshot=snapshot,
                                               accept=accept)
    return Status(201, SnapshotOut(
        snapshot_id=snapshot.pk, rows_total=snapshot.rows_total, rows_bad=snapshot.rows_bad,
        facts=snapshot.facts, status=SnapshotStatus(snapshot.status).value,
        errors=[RowErrorOut(**e) for e in snapshot.errors[:ERRORS_IN_ANSWER]]))
