"""Case verification pages: start 核对 for a case, read its reports on screen and as PDF."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.roles import FULL_RECORD_VIEWERS
from audit.services import record_access_log
from cases import selectors
from cases.benefit import counted_members
from jiuzhu.errors import ApplicationError
from regions.scoping import scoped_get_or_404

from . import engine, reports
from .models import DataSource, VerificationReport


@require_http_methods(["GET", "POST"])
def case_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what will be matched and which sources cannot vouch; POST: run and issue."""
    case = selectors.case_get(request.user, pk)
    if request.method == "POST":
        try:
            report = reports.case_verify(actor=request.user, case_id=case.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("cases:case_detail", pk=case.pk)
        messages.success(request, _("核对已完成，已出具核对报告第 %(v)s 版") % {"v": report.version})
        return redirect("verification:report_detail", pk=report.pk)
    status = engine.source_status(timezone.localdate())
    names = dict(DataSource.objects.values_list("code", "name"))
    return render(request, "verification/case_verify.html", {
        "case": case, "members": counted_members(case),
        "sources": [(names.get(code, code), s["as_of"], s["status"],
                     reports.STATUS_LABELS.get(s["status"], s["status"]))
                    for code, s in status.items()],
        "reports": VerificationReport.objects.filter(case=case).select_related("issued_by"),
    })


def _report(request: HttpRequest, pk: int) -> VerificationReport:
    # Scoped through the case's village: another township gets the same 404 as a missing id.
    return scoped_get_or_404(
        request.user, VerificationReport.objects.select_related(
            "case__programme__department", "case__village__parent", "case__applicant",
            "issued_by"), pk=pk)


def _full(request: HttpRequest) -> bool:
    return request.user.is_superuser or getattr(request.user, "role", None) in FULL_RECORD_VIEWERS


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    full = _full(request)
    if full:
        record_access_log(user=request.user, obj=report)
    context = reports.report_context(report, full=full)
    context["versions"] = VerificationReport.objects.filter(case=report.case_id).only(
        "id", "version", "issued_at")
    return render(request, "verification/report_detail.html", context)


def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    full = _full(request)
    if full:
        record_access_log(user=request.user, obj=report, channel="pdf")
    response = HttpResponse(reports.report_pdf(report, full=full), content_type="application/pdf")
    name = f"{report.case.number}-hedui-v{report.version}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
