"""Department data pages (部门数据): the sources a user sees; one source with its item mapping,
snapshot history and upload form; one snapshot with its counts, errors and activate / cancel.

Uploads are read within the request (verification.importing, up to MAX_UPLOAD_BYTES); bigger
extracts go through `manage.py import_department_data`, which prints its progress.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error

from . import importing, selectors
from .forms import SnapshotActivateForm, SnapshotUploadForm
from .models import SnapshotStatus, ValueKind

ERRORS_PER_PAGE = 50
HISTORY_PER_PAGE = 20


@require_GET
def source_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(request, "verification/source_list.html", {
        "rows": selectors.source_rows(request.user, today), "today": today})


@require_http_methods(["GET", "POST"])
def source_detail(request: HttpRequest, pk: str) -> HttpResponse:
    source = selectors.source_get(request.user, pk)
    may_upload = selectors.can_upload(request.user, source)
    form = SnapshotUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if not may_upload:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if (upload.size or 0) > importing.MAX_UPLOAD_BYTES:
                    raise ApplicationError(
                        _("文件过大，网页上传不能超过 %(mb)s MB，请拆分文件或由系统管理员用命令导入")
                        % {"mb": importing.MAX_UPLOAD_BYTES // (1024 * 1024)}, field="file")
                snapshot = importing.snapshot_import_file(
                    actor=request.user, source=source, file_name=upload.name or "",
                    stream=upload, as_of=form.cleaned_data["as_of"],
                    mode=form.cleaned_data["mode"])
            except ApplicationError as exc:
                attach_error(form, exc)
            else:
                messages.success(request, _(
                    "已读取并校验 %(n)s 行：%(bad)s 行有错误，写入 %(facts)s 条数据项。"
                    "请核对后启用或取消。") % {"n": snapshot.rows_total, "bad": snapshot.rows_bad,
                                       "facts": snapshot.facts})
                return redirect("verification:snapshot_detail", pk=snapshot.pk)
        status = 400
    history = Paginator(selectors.snapshot_history(source), HISTORY_PER_PAGE).get_page(
        request.GET.get("page"))
    newest = selectors.active_as_of(source)
    return render(request, "verification/source_detail.html", {
        "source": source, "items": list(source.items.all()), "form": form,
        "may_upload": may_upload, "page_obj": history, "query": "",
        "active_as_of": newest,
        "freshness": selectors.freshness(newest, source.max_age_days, timezone.localdate()),
        "kinds": ValueKind, "max_mb": importing.MAX_UPLOAD_BYTES // (1024 * 1024),
    }, status=status)


@require_http_methods(["GET", "POST"])
def snapshot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = selectors.snapshot_get(request.user, pk)
    action = request.POST.get("action")
    form = SnapshotActivateForm(request.POST if action == "activate" else None)
    status = 200
    if request.method == "POST":
        try:
            if action == "cancel":
                importing.snapshot_cancel(actor=request.user, snapshot=snapshot)
                messages.success(request, _("已取消这批数据，它写入的数据项随即删除"))
                return redirect("verification:snapshot_detail", pk=snapshot.pk)
            if form.is_valid():
                snapshot = importing.snapshot_activate(
                    actor=request.user, snapshot=snapshot, accept=form.cleaned_data["accept"])
                messages.success(request, _("已启用这批数据（%(n)s 条数据项），核对将使用它")
                                 % {"n": snapshot.facts})
                return redirect("verification:snapshot_detail", pk=snapshot.pk)
            status = 400
        except ApplicationError as exc:
            attach_error(form, exc)
            status = exc.status
            snapshot = selectors.snapshot_get(request.user, pk)
    page_obj = Paginator(snapshot.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    error_rows = len({e["row"] for e in snapshot.errors})
    context = {
        "snapshot": snapshot, "source": snapshot.source, "form": form, "page_obj": page_obj,
        "query": "", "rows_good": snapshot.rows_total - snapshot.rows_bad,
        "loading": snapshot.status == SnapshotStatus.STAGED and not snapshot.rows_total,
        "may_act": snapshot.status == SnapshotStatus.STAGED
        and selectors.can_upload(request.user, snapshot.source),
        "errors_cut": snapshot.rows_bad > error_rows, "error_rows": error_rows,
    }
    # htmx paging swaps only the error table.
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        return render(request, "verification/snapshot_error_table.html", context)
    return render(request, "verification/snapshot_detail.html", context, status=status)
