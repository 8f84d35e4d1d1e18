from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.roles import CASE_READERS
from cases import selectors as case_selectors
from cases.choices import OPEN_STATES
from supervision import periodic

from . import charts, panels, selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html", {
        "counts": selectors.region_counts(request.user),
        "townships": selectors.township_breakdown(request.user),
        "payroll_chart": charts.payroll_chart(request.user),
        "outreach_tiles": panels.outreach_tiles(request.user),
        "key_figures": periodic.key_figures(request.user),
        **_case_summary(request),
    })


def _case_summary(request: HttpRequest) -> dict[str, object]:
    """Open and overdue cases for the roles that work cases (the 办理时限 page has detail)."""
    if getattr(request.user, "role", None) not in CASE_READERS:
        return {}
    counts = case_selectors.state_counts(request.user)
    overdue = case_selectors.overdue_by_township(request.user, timezone.localdate())
    return {"open_cases": sum(n for s, n in counts.items() if s in OPEN_STATES),
            "overdue_total": sum(n for _t, n in overdue), "overdue_townships": overdue}
