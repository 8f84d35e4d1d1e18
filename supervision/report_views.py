"""定期报表: the daily, weekly, monthly or quarterly report of a region, on screen with charts,
as Excel and as PDF.

The view parses the period and region, and calls the selectors in supervision.periodic, which
404 a region outside the user's scope (missing and not-yours alike).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from regions.models import Level, Region
from regions.scoping import code_range, region_in_scope, user_prefix

from . import periodic_export
from .periodic import (
    Kind,
    Period,
    PeriodicReport,
    periodic_report,
    periodic_series,
)
from .periodic.charts import report_charts
from .periodic.figures import DEFINITIONS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PeriodForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("报表类型"), choices=Kind.choices,
                             required=False)
    date = forms.DateField(label=gettext_lazy("统计日期"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages={"invalid": gettext_lazy("日期格式应为“年-月-日”，如2026-11-23")})
    region = forms.CharField(label=gettext_lazy("地区"), required=False, max_length=12,
                             widget=forms.Select)

    def clean_date(self) -> dt.date | None:
        day = self.cleaned_data["date"]
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(_("统计日期不能晚于今天"))
        return day


def _default_region(user: Any) -> str:
    if getattr(user, "region_id", None):
        return str(user.region_id)
    # A superuser without a region starts at the first county.
    county = Region.objects.filter(level=Level.COUNTY).order_by("code").first()
    if county is None:
        raise Http404
    return county.code


def _set_region_choices(form: PeriodForm, user: Any) -> None:
    """The user's region and everything under it down to the villages, indented by level."""
    prefix = user_prefix(user)
    regions = Region.objects.filter(level__gte=Level.COUNTY, level__lte=Level.VILLAGE,
                                    valid_to__isnull=True).order_by("code")
    if prefix:
        regions = regions.filter(code__scope_range=code_range(prefix))
    widget = form.fields["region"].widget
    assert isinstance(widget, forms.Select)
    widget.choices = [(r.code, "\u3000" * (r.level - Level.COUNTY) + r.name) for r in regions]


def _trail(user: Any, region: Region) -> list[tuple[Region, bool]]:
    """County → township → village above the report, each linkable if in the user's scope."""
    trail = []
    node: Region | None = region
    while node is not None and node.level >= Level.COUNTY:
        trail.append((node, region_in_scope(user, node.code)))
        node = node.parent
    return list(reversed(trail))


def _period_query(period: Period) -> str:
    return f"kind={period.kind}&date={period.start:%Y-%m-%d}"


def _context(request: HttpRequest, report: PeriodicReport) -> dict[str, Any]:
    return {
        "report": report, "definitions": DEFINITIONS, "title": periodic_export.title(report),
        "preparer": getattr(request.user, "display_name", ""),
        "submitted_on": timezone.localdate(),
    }


def _attachment(body: bytes, content_type: str, name: str, disposition: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    _set_region_choices(form, request.user)
    if not form.is_valid():
        return render(request, "supervision/periodic/report.html", {"form": form}, status=400)
    kind = form.cleaned_data["kind"] or Kind.MONTH
    period = Period.of(kind, form.cleaned_data["date"] or timezone.localdate())
    region_code = form.cleaned_data["region"] or _default_region(request.user)
    result = periodic_report(request.user, region_code, period)
    context = _context(request, result)
    output = request.GET.get("format", "")
    if output == "xlsx":
        body = periodic_export.report_xlsx(result, preparer=context["preparer"],
                                           submitted_on=context["submitted_on"])
        return _attachment(body, XLSX, periodic_export.file_name(result, "xlsx"), "attachment")
    if output == "pdf":
        return _attachment(periodic_export.report_pdf(context), "application/pdf",
                           periodic_export.file_name(result, "pdf"), "inline")
    form = PeriodForm(initial={"kind": kind, "date": period.start,
                               "region": result.region.code})
    _set_region_choices(form, request.user)
    following = period.shifted(1)
    return render(request, "supervision/periodic/report.html", context | {
        "form": form, "trail": _trail(request.user, result.region),
        "charts": report_charts(periodic_series(result.region, period)),
        "period_query": _period_query(period),
        "previous_query": _period_query(period.previous),
        # Periods that have not begun have no figures yet.
        "next_query": (_period_query(following)
                       if following.start <= timezone.localdate() else ""),
    })
