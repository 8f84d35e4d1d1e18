"""Reserve-fund pages. Views parse input, call one service or selector, and render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import COUNTY_ONLY
from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from jiuzhu.paging import CachedCountPaginator

from . import selectors, services
from .forms import AllocateForm


def _can_allocate(user: Any) -> bool:
    """Whether to offer the allocation buttons; the route map enforces it (jiuzhu.access)."""
    return bool(user.has_role(COUNTY_ONLY))


@require_GET
def fund_list(request: HttpRequest) -> HttpResponse:
    return render(request, "relief/fund_list.html", {
        "rows": selectors.fund_rows(request.user, timezone.localdate()),
        "can_allocate": _can_allocate(request.user),
    })


@require_GET
def fund_detail(request: HttpRequest, township_code: str) -> HttpResponse:
    fund = selectors.fund_get(request.user, township_code)
    page = CachedCountPaginator(selectors.fund_entries(fund), settings.PAGE_SIZE)
    context = {
        "fund": fund,
        "page_obj": page.get_page(request.GET.get("page")),
        "alert_below": selectors.low_alert(fund.township_id, timezone.localdate()),
        "can_allocate": _can_allocate(request.user),
    }
    # htmx paging requests swap only the ledger table.
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-Boosted")
    template = "relief/_ledger_table.html" if partial else "relief/fund_detail.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def allocate(request: HttpRequest) -> HttpResponse:
    form = AllocateForm(request.POST or None, user=request.user,
                        initial={"township": request.GET.get("township", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.reserve_allocate(actor=request.user, township_code=data["township"],
                                              amount=data["amount"], note=data["note"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已拨付备用金%(a)s元，当前余额%(b)s元") % {
                "a": f"{entry.amount:.2f}", "b": f"{entry.balance_after:.2f}"})
            return redirect("relief:fund_detail", township_code=entry.fund.township_id)
    return render(request, "relief/allocate.html", {"form": form})
