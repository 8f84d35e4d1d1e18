"""一卡通 account and bank pages. Views parse input, call one service or selector, and render.

The route map (jiuzhu.access) keeps townships off the county's actions; these views keep every
read inside the user's region (regions.scoping).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import COUNTY_ONLY, FULL_RECORD_VIEWERS
from audit.services import record_access_log
from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error, set_choices
from jiuzhu.paging import CachedCountPaginator
from regions.scoping import scope_with_ancestors, scoped_get_or_404
from registry.masking import mask_name
from registry.models import Household

from . import bankfile
from .bank_forms import AccountCloseForm, AccountForm, ReturnForm
from .models import AccountStatus, BankFile, PayrollRun, RunStatus
from .services import accounts, bank

# ---------------------------------------------------------------- accounts


def _household(request: HttpRequest, household_id: int) -> Household:
    return scoped_get_or_404(request.user, Household.objects.select_related("village"),
                             pk=household_id)


def _account_page(request: HttpRequest, household: Household, form: AccountForm,
                  close_form: AccountCloseForm, status: int = 200) -> HttpResponse:
    rows = list(household.payment_accounts.select_related("holder", "created_by")
                .order_by("-id"))
    user: Any = request.user
    full = user.has_role(FULL_RECORD_VIEWERS)
    if full and rows:
        record_access_log(user=user, obj=household, channel="account")
    return render(request, "benefits/bank/account_section.html", {
        "household": household, "full": full,
        "active": next((a for a in rows if a.status == AccountStatus.ACTIVE), None),
        "closed": [a for a in rows if a.status != AccountStatus.ACTIVE],
        "form": form, "close_form": close_form,
        "can_write": user.has_role(accounts.ACCOUNT_WRITERS),
    }, status=status)


def _account_form(household: Household, data: Any = None) -> AccountForm:
    form = AccountForm(data)
    set_choices(form, "holder", [("", _("请选择"))] + [
        (str(p.pk), f"{p.name}（{p.get_relation_display()}）")
        for p in household.members.order_by("id")])
    return form


@require_http_methods(["GET", "POST"])
def account_section(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household(request, household_id)
    form = _account_form(household, request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            account = accounts.account_open(
                actor=request.user, household_id=household.pk, holder_id=int(d["holder"]),
                bank=d["bank"], account_number=d["account_number"],
                managed_by=d["managed_by"], managed_agreement=d["managed_agreement"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已登记一卡通账户 %(n)s") % {"n": account.masked_number})
            return redirect("bank:account_section", household_id=household.pk)
    status = 400 if request.method == "POST" else 200
    return _account_page(request, household, form, AccountCloseForm(), status)


@require_POST
def account_close(request: HttpRequest, household_id: int, pk: int) -> HttpResponse:
    household = _household(request, household_id)
    account = get_object_or_404(household.payment_accounts, pk=pk)
    close_form = AccountCloseForm(request.POST)
    if close_form.is_valid():
        try:
            accounts.account_close(actor=request.user, account_id=account.pk,
                                   reason=close_form.cleaned_data["reason"])
        except ApplicationError as exc:
            attach_error(close_form, exc)
        else:
            messages.success(request, _("账户已停用，新的发放将等待登记新账户"))
            return redirect("bank:account_section", household_id=household.pk)
    return _account_page(request, household, _account_form(household), close_form, 400)


# ---------------------------------------------------------------- run: files and returns


def _run(request: HttpRequest, pk: int) -> PayrollRun:
    # Townships follow the county's run; the lines they read of it are scoped in the selectors.
    run = scope_with_ancestors(request.user, PayrollRun.objects.select_related("programme")
                               .filter(pk=pk)).first()
    if run is None:
        raise Http404
    return run


def _return_form(run: PayrollRun, data: Any = None, files: Any = None) -> ReturnForm:
    form = ReturnForm(data, files)
    set_choices(form, "bank_file", [
        (str(f.pk), _("第 %(n)s 批（%(lines)s 笔）") % {"n": f.sequence, "lines": f.lines})
        for f in run.bank_files.order_by("-sequence")])
    return form


def _run_page(request: HttpRequest, run: PayrollRun, *, return_form: ReturnForm | None = None,
              result: bank.ReturnResult | None = None, status: int = 200) -> HttpResponse:
    user: Any = request.user
    # After an upload the page answers a POST: its relative paging links would not work, so
    # it shows the import report and links back instead of the lines.
    show_lines = request.method == "GET"
    context: dict[str, Any] = {"run": run, "show_lines": show_lines}
    if show_lines:
        which = "unbound" if request.GET.get("list") == "unbound" else "failed"
        page = CachedCountPaginator(bank.lines_for_fixing(run, user, which),
                                    settings.PAGE_SIZE).get_page(request.GET.get("page"))
        context.update({
            "which": which, "page_obj": page,
            "query": "list=unbound&" if which == "unbound" else "",
            "rows": [(line, mask_name(line.applicant_name or "")) for line in page.object_list],
        })
        # htmx tabs and paging swap only the lines table.
        if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
            return render(request, "benefits/bank/_lines_table.html", context)
    county = user.has_role(COUNTY_ONLY)
    context.update({
        "county": county, "approved": run.status == RunStatus.APPROVED,
        "recon": bank.reconciliation(run, user=user),
        "files": bank.file_results(run, user=user),
        "reissuable": bank.reissuable_count(run) if county else 0,
        "return_form": return_form or _return_form(run), "result": result,
    })
    return render(request, "benefits/bank/run_detail.html", context, status=status)


@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_page(request, _run(request, pk))


@require_POST
def file_create(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    try:
        bank_file = bank.bank_file_create(actor=request.user, run_id=run.pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已生成第 %(n)s 批代发文件：%(lines)s 笔，%(total)s 元") % {
            "n": bank_file.sequence, "lines": bank_file.lines, "total": f"{bank_file.total:.2f}"})
    return redirect("bank:run_detail", pk=run.pk)


@require_POST
def reissue(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    try:
        count = bank.failed_lines_reissue(actor=request.user, run_id=run.pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)s 笔失败明细已转为待发送，请生成新的代发文件") % {"n": count})
    return redirect("bank:run_detail", pk=run.pk)


@require_POST
def return_import(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    form = _return_form(run, request.POST, request.FILES)
    if not form.is_valid():
        return _run_page(request, run, return_form=form, status=400)
    d = form.cleaned_data
    try:
        result = bank.bank_return_import(actor=request.user, bank_file_id=int(d["bank_file"]),
                                         uploaded_file=d["file"], mode=d["mode"])
    except ApplicationError as exc:
        attach_error(form, exc)
        return _run_page(request, run, return_form=form, status=400)
    if result.errors:
        # The bad rows exist only in this answer: show them rather than redirect.
        return _run_page(request, run, return_form=form, result=result)
    messages.success(request, _("回盘已导入：成功 %(paid)s 笔，失败 %(failed)s 笔") % {
        "paid": result.paid, "failed": result.failed})
    return redirect("bank:run_detail", pk=run.pk)


@require_GET
def file_download(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    bank_file = scoped_get_or_404(request.user, BankFile.objects.select_related(
        "run__programme"), pk=pk)
    # The file carries full account numbers: who downloaded it is logged like a record view.
    record_access_log(user=request.user, obj=bank_file, channel="download")
    response = StreamingHttpResponse(bankfile.bank_file_stream(bank_file),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{bankfile.bank_file_name(bank_file)}"'
    response["Cache-Control"] = "private, no-store"
    return response
