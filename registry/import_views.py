"""Household import pages: upload → report → choose a mode and confirm (registry.importing).

The downloadable template is rendered here from registry.importing.COLUMNS, like a page.
"""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from regions.selectors import villages_for_user

from . import importing
from .choices import Relation
from .forms import ImportUploadForm
from .idcard import check_character
from .models import ImportJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_PER_PAGE = 50
TEMPLATE_RULES = (
    "第1行为表头，请勿修改列名；从第2行起每行填写一名家庭成员。",
    "同一家庭的成员填写相同的户编号；每户须有且只有一名“申请人/户主”。",
    "户编号以“示例”开头的两行是示例，导入前请删除。",
    f"可保存为 .xlsx，或另存为 CSV（UTF-8 或 GBK 编码均可）；每个文件最多 {importing.MAX_ROWS:,} 行。",
    "上传后系统先校验，列出每一处错误（行号、列名、原因），确认后才写入；同一户中任一行有错误，整户都不导入。",
)


def _example_id(county: str, birth: str, serial: str) -> str:
    first17 = f"{county}{birth}{serial}"
    return first17 + check_character(first17)


def template_workbook(user: Any) -> bytes:
    """The .xlsx template: a data sheet with two example rows, 说明, and the user's village codes."""
    villages = list(villages_for_user(user)[:2000])
    workbook = Workbook()
    data = workbook.active
    assert data is not None
    data.title = "家庭成员"
    data.append(importing.HEADERS)
    county = villages[0].code[:6] if villages else "110101"
    examples = {"id_number": (_example_id(county, "19700101", "001"),
                              _example_id(county, "19720305", "002"))}
    if villages:
        examples["village"] = (villages[0].code, "")
        examples["address"] = (f"{villages[0].name}3组15号", "")
    for i in range(2):
        data.append([examples.get(c.field, c.example)[i] for c in importing.COLUMNS])
    for index, column in enumerate(importing.COLUMNS, start=1):
        cell = data.cell(row=1, column=index)
        cell.font = Font(bold=True)
        if column.required:
            cell.fill = PatternFill("solid", fgColor="FDECEA")
        wide = column.field in {"address", "id_number"}
        data.column_dimensions[cell.column_letter].width = 22 if wide else 14
        if column.field in {"key", "village", "phone", "id_number", "person_phone"}:
            # Text format keeps 18-digit numbers and leading zeros intact when typed in Excel.
            for row in range(2, 1002):
                data.cell(row=row, column=index).number_format = "@"
    data.freeze_panes = "A2"

    notes = workbook.create_sheet("说明")
    notes.append(["列名", "是否必填", "填写说明"])
    for column in importing.COLUMNS:
        required = ("必填" if column.required else "选填") + (
            "（同户各行相同，可只在第一行填写）" if column.household_level else "")
        notes.append([column.header, required, column.help])
    notes.append([])
    notes.append(["与申请人关系可选值", "代码"])
    with translation.override("zh-hans"):
        for code, label in Relation.choices:
            notes.append([str(label), code])
    notes.append([])
    for number, rule in enumerate(TEMPLATE_RULES, start=1):
        notes.append([f"{number}. {rule}"])
    for letter, width in zip("ABC", (24, 32, 80), strict=True):
        notes.column_dimensions[letter].width = width
        notes[f"{letter}1"].font = Font(bold=True)
    for row in notes.iter_rows(min_row=2, min_col=3, max_col=3):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")

    codes = workbook.create_sheet("村（社区）代码")
    codes.append(["村（社区）代码", "乡镇（街道）", "村（社区）", "城乡分类代码"])
    for village in villages:
        codes.append([village.code, village.parent.name if village.parent else "", village.name,
                      village.urban_rural_class])
    codes.column_dimensions["A"].width = 18
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class ImportCommitForm(forms.Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("导入方式"), choices=ImportJob.Mode.choices, widget=forms.RadioSelect
    )
    confirm = forms.BooleanField(label=gettext_lazy("我已核对上面的校验结果，确认导入"))


@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if (upload.size or 0) > importing.MAX_FILE_BYTES:
                raise ApplicationError(_("文件过大，不能超过20MB"), field="file")
            job = importing.import_validate(
                actor=request.user, file_name=upload.name or "", content=upload.read()
            )
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已读取并校验 %(n)s 行，请核对结果后确认导入") % {
                "n": job.rows_total})
            return redirect("registry:import_detail", job_id=job.pk)
    return render(request, "registry/import_start.html", {
        "form": form,
        "columns": importing.COLUMNS,
        "max_rows": importing.MAX_ROWS,
        "jobs": importing.import_jobs_for(request.user)[:20],
    }, status=400 if form.errors else 200)


@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    # None only when neither attachment nor file name is asked for.
    disposition = content_disposition_header(True, "家庭批量导入模板.xlsx") or "attachment"
    return HttpResponse(template_workbook(request.user), content_type=XLSX,
                        headers={"Content-Disposition": disposition})


@require_http_methods(["GET", "POST"])
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = importing.import_job_get(request.user, job_id)
    form = ImportCommitForm(request.POST if request.POST.get("action") == "commit" else None)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cancel":
                importing.import_cancel(actor=request.user, job=job)
                messages.success(request, _("已取消本次导入，未写入任何数据"))
                return redirect("registry:import_detail", job_id=job.pk)
            if form.is_valid():
                job = importing.import_commit(
                    actor=request.user, job=job, mode=form.cleaned_data["mode"]
                )
                messages.success(request, _("已导入 %(h)s 户、%(p)s 人") % {
                    "h": job.households_imported, "p": job.persons_imported})
                return redirect("registry:import_detail", job_id=job.pk)
        except ApplicationError as exc:
            attach_error(form, exc)
            # The re-check at commit may have added errors to the report; show them.
            job = importing.import_job_get(request.user, job_id)
        status = 400
    page_obj = Paginator(job.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "job": job,
        "form": form,
        "page_obj": page_obj,
        "can_commit": job.status == ImportJob.Status.VALIDATED
        and job.uploaded_by_id == request.user.pk,
        "errors_at_commit": sum(1 for e in job.errors if e.get("at_commit")),
    }
    # htmx paging swaps only the error table.
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        return render(request, "registry/import_error_table.html", context)
    return render(request, "registry/import_detail.html", context, status=status)
