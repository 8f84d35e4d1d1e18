"""Public disclosure pages (no login): 政策公开 and the monthly 救助对象名单 of each village.

What they show is limited by portal.disclosure (domain.md §7); a bad village or month gets the
portal's one neutral not-found page, like every other missing public page.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from benefits.months import parse_month

from . import disclosure
from .selectors import site_context

MONTH = re.compile(r"\d{4}-\d{2}")
# A village list of a big village is paged; 50 rows fit a phone screen's scrolling well.
RECIPIENTS_PER_PAGE = 50


def _page(request: HttpRequest, template: str, context: dict[str, Any],
          status: int = 200) -> HttpResponse:
    return render(request, template, {**site_context(), **context}, status=status)


def _not_found(request: HttpRequest) -> HttpResponse:
    return _page(request, "portal/not_found.html", {}, status=404)


def _approved_month(text: str) -> date | None:
    """A month written yyyy-mm that has an approved payroll in the county, else None."""
    if not MONTH.fullmatch(text):
        return None
    try:
        month = parse_month(text)
    except ValueError:
        return None
    return month if month in disclosure.recipient_months() else None


@require_GET
def policies(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return _page(request, "portal/policies.html", {
        "today": today, "programmes": disclosure.programmes(),
        "standards": disclosure.township_standards(today),
        "hotlines": disclosure.hotlines(today),
    })


@require_GET
def recipients_index(request: HttpRequest) -> HttpResponse:
    months = disclosure.recipient_months()
    chosen = request.GET.get("month", "")
    month = _approved_month(chosen) if chosen else (months[0] if months else None)
    if chosen and month is None:
        return _not_found(request)
    runs = disclosure.approved_runs(month) if month else []
    return _page(request, "portal/recipients_index.html", {
        "months": months, "month": month, "groups": disclosure.villages_with_recipients(runs),
    })


@require_GET
def recipients(request: HttpRequest, village_code: str, month: str) -> HttpResponse:
    village = disclosure.recipient_village(village_code)
    paid_month = _approved_month(month)
    if village is None or paid_month is None:
        return _not_found(request)
    runs = disclosure.approved_runs(paid_month)
    page_obj = Paginator(disclosure.village_recipients(village.code, runs),
                         RECIPIENTS_PER_PAGE).get_page(request.GET.get("page"))
    return _page(request, "portal/recipients.html", {
        "village": village, "month": paid_month, "page_obj": page_obj,
        "rows": disclosure.recipient_rows(list(page_obj.object_list)),
        "totals": disclosure.village_totals(village.code, runs),
    })
