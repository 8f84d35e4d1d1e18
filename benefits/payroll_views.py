"""Payroll run pages: list and compute, review by township and village, approve, reopen.

Views parse input, call one service or selector, and render. A county's run of about 50k
enrollments computes within the request in a few seconds (set-based SQL, payroll_sql);
bigger runs are computed with `manage.py payroll_run`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import COUNTY_ONLY
from jiuzhu.access import PUBLIC, permission_for
from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from jiuzhu.paging import CachedCountPaginator
from registry.masking import mask_name

from . import selectors
from .models import PayrollRun, RunStatus
from .payroll_forms import LOCKED_UNCHANGED, ComputeForm, ReopenForm, RunFilterForm
from .services.payroll import ComputeResult, payroll_approve, payroll_compute, payroll_reopen


def _partial(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))


def _may_use(user: Any, route: str) -> bool:
    """Whether to offer a link or button; the route map enforces it (jiuzhu.access)."""
    rule = permission_for(route)
    roles = rule.get("POST", frozenset()) if isinstance(rule, dict) else rule
    return bool(rule == PUBLIC or (roles and user.has_role(roles)))


def _report_compute(request: HttpRequest, result: ComputeResult) -> None:
    run = result.run
    if not result.computed:
        messages.warning(request, LOCKED_UNCHANGED)
        return
    messages.success(request, _("已生成发放批次（第%(v)s版）：%(l)s笔，%(p)s人，合计%(t)s元") % {
        "v": run.version, "l": run.lines, "p": run.persons, "t": f"{run.total:.2f}"})


@require_http_methods(["GET", "POST"])
def run_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = ComputeForm(request.POST or None, initial={
        "month": selectors.next_payroll_month(user, timezone.localdate())})
    if request.method == "POST" and form.is_valid():
        try:
            result = payroll_compute(actor=user, programme_id=form.cleaned_data["programme"],
                                     month=form.cleaned_data["month"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            _report_compute(request, result)
            return redirect("payroll:run_detail", pk=result.run.pk)
    filters = RunFilterForm(request.GET)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    runs = selectors.run_list(user, selectors.RunFilter(
        programme=cleaned.get("programme", ""), month=cleaned.get("month")))
    # Runs are few (programmes × months), so a plain count is cheap.
    page = Paginator(runs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    context = {"form": form, "filters": filters, "page_obj": page,
               "query": f"{query}&" if query else "",
               "can_compute": _may_use(user, "payroll:run_list")}
    template = "benefits/payroll/_run_table.html" if _partial(request) \
        else "benefits/payroll/run_list.html"
    return render(request, template, context, status=400 if form.errors else 200)


def _bank_url(run: PayrollRun) -> str | None:
    # The bank and reconciliation pages are another module's; link them once they exist.
    # Positional, so the link holds whatever that route names its argument.
    try:
        return reverse("bank:run_detail", args=[run.pk])
    except NoReverseMatch:
        return None


def _detail_context(request: HttpRequest, run: PayrollRun, **forms: Any) -> dict[str, Any]:
    user: Any = request.user
    county = user.has_role(COUNTY_ONLY)
    township = request.GET.get("township", "")
    townships = selectors.township_totals(user, run)
    return {
        "run": run,
        "townships": townships,
        "township": township,
        "township_name": next((t.name for t in townships if t.code == township), township),
        "villages": selectors.village_totals(user, run, township) if township else None,
        "county_user": county,
        "can_recompute": county and run.status == RunStatus.DRAFT,
        "can_reopen": county and run.status == RunStatus.APPROVED,
        "is_maker": run.computed_by_id == user.pk,
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "bank_url": _bank_url(run),
        "history": selectors.version_history(run),
        "events": selectors.run_events(run).order_by("-at", "-id"),
    }


@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(request.user, pk)
    context = _detail_context(request, run)
    if _partial(request) and context["villages"] is not None:
        return render(request, "benefits/payroll/_villages.html", context)
    return render(request, "benefits/payroll/run_detail.html", context)


@require_GET
def run_lines(request: HttpRequest, pk: int) -> HttpResponse:
    """One village's payments of the run, paged, with masked names."""
    user: Any = request.user
    run = selectors.run_get(user, pk)
    village = selectors.village_get(user, run, request.GET.get("village", ""))
    page = CachedCountPaginator(selectors.run_lines(user, run, village),
                                settings.PAGE_SIZE).get_page(request.GET.get("page"))
    lines = list(page.object_list)
    names = selectors.applicant_names([line.household_id for line in lines])
    context = {
        "run": run, "village": village, "page_obj": page,
        "rows": [(line, mask_name(names.get(line.household_id, ""))) for line in lines],
        "query": urlencode({"village": village.code}) + "&",
        "household_links": _may_use(user, "registry:household_detail"),
    }
    template = "benefits/payroll/_line_table.html" if _partial(request) \
        else "benefits/payroll/run_lines.html"
    return render(request, template, context)


@require_POST
def run_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(request.user, pk)
    try:
        result = payroll_compute(actor=request.user, programme_id=run.programme_id,
                                 month=run.month, county_code=run.region_code)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        _report_compute(request, result)
    return redirect("payroll:run_detail", pk=run.pk)


@require_POST
def run_approve(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(request.user, pk)
    try:
        run = payroll_approve(actor=request.user, run_id=run.pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("发放批次已审批锁定：%(l)s笔，合计%(t)s元") % {
            "l": run.lines, "t": f"{run.total:.2f}"})
    return redirect("payroll:run_detail", pk=run.pk)


@require_POST
def run_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(request.user, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            run = payroll_reopen(actor=request.user, run_id=run.pk,
                                 reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("发放批次已重新打开为第%(v)s版，请重新计算后再审批") % {
                "v": run.version})
            return redirect("payroll:run_detail", pk=run.pk)
    # The detail page again, with the reason typed and the error beside it.
    return render(request, "benefits/payroll/run_detail.html",
                  _detail_context(request, run, reopen_form=form), status=400)
