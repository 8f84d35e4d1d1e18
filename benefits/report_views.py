"""统计月报 pages: the monthly report of a region on screen, as Excel and as PDF.

Views parse input, check the region is in the user's scope (outside it and missing are the
same 404) and call the one selector, `statistics.monthly_report`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from jiuzhu.errors import ApplicationError
from regions.models import Level, Region
from regions.scoping import region_in_scope

from . import statistics, statistics_export
from .months import add_months, month_of, parse_month

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportFilterForm(forms.Form):
    region = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    month = forms.CharField(label=gettext_lazy("统计月份"), required=False, max_length=7,
                            widget=forms.TextInput(attrs={"type": "month"}))

    def clean_month(self) -> date | None:
        text = self.cleaned_data["month"].strip()
        if not text:
            return None
        try:
            return parse_month(text)
        except ValueError as exc:
            raise forms.ValidationError(_("月份格式应为“年-月”，如2026-11")) from exc


def _default_region(user: Any) -> str:
    if getattr(user, "region_id", None):
        return str(user.region_id)
    # A superuser without a region starts at the first county.
    county = Region.objects.filter(level=Level.COUNTY).order_by("code").first()
    if county is None:
        raise Http404
    return county.code


def _region(user: Any, code: str) -> Region:
    """The report's region: missing, not a county/township/village, or outside the user's
    scope are the same 404."""
    if not code.isdigit() or len(code) != 12 or not region_in_scope(user, code):
        raise Http404
    try:
        return statistics.report_region(code)
    except ApplicationError as exc:
        raise Http404 from exc


def _trail(user: Any, region: Region) -> list[tuple[Region, bool]]:
    """County → township → village above the report, each linkable if in the user's scope."""
    trail = []
    node: Region | None = region
    while node is not None and node.level >= Level.COUNTY:
        trail.append((node, region_in_scope(user, node.code)))
        node = node.parent
    return list(reversed(trail))


def _context(request: HttpRequest, report: statistics.MonthlyReport) -> dict[str, Any]:
    return {
        "report": report,
        "month_label": statistics_export.month_label(report.month),
        "ytd_label": statistics_export.ytd_label(report.month),
        "formulas": statistics_export.formulas(report),
        "preparer": getattr(request.user, "display_name", ""),
        "submitted_on": timezone.localdate(),
        "child_level": Level(report.region.level + 1).label
        if report.region.level < Level.VILLAGE else "",
    }


@require_GET
def monthly(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "benefits/reports/monthly.html", {"form": form}, status=400)
    region = _region(request.user, form.cleaned_data["region"] or _default_region(request.user))
    month = form.cleaned_data["month"] or statistics.latest_approved_month(
        statistics.county_code_of(region.code)) or month_of(timezone.localdate())
    report = statistics.monthly_report(region.code, month)
    context = _context(request, report)
    output = request.GET.get("format", "")
    if output == "xlsx":
        body = statistics_export.report_xlsx(report, preparer=context["preparer"],
                                             submitted_on=context["submitted_on"])
        response = HttpResponse(body, content_type=XLSX)
        response["Content-Disposition"] = (
            f'attachment; filename="{statistics_export.file_name(report, "xlsx")}"')
    elif output == "pdf":
        response = HttpResponse(statistics_export.report_pdf(context),
                                content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="{statistics_export.file_name(report, "pdf")}"')
    else:
        form = ReportFilterForm(initial={"region": region.code, "month": f"{month:%Y-%m}"})
        return render(request, "benefits/reports/monthly.html", context | {
            "form": form, "trail": _trail(request.user, region),
            "previous_month": add_months(report.month, -1),
            "next_month": add_months(report.month, 1),
        })
    response["Cache-Control"] = "private, no-store"
    return response
