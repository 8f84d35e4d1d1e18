"""Sampling pages (抽查核查): rounds, a round's accuracy table and checks, recording a finding,
adding an 应保未保 household. Views parse input, call one service or selector, and render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

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
from regions.models import Region
from registry.selectors import applicants_for

from .models import Finding, SampleCheck, SamplingRound
from .sampling_forms import FindingForm, MissingForm, RoundForm
from .selectors import sampling as selectors
from .services import sampling as services


def _partial(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))


def _is_county(user: Any) -> bool:
    """Whether to offer the county's actions; the route map enforces it (jiuzhu.access)."""
    return bool(user.has_role(COUNTY_ONLY))


def _region_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    page = CachedCountPaginator(selectors.round_list(request.user),
                                settings.PAGE_SIZE).get_page(request.GET.get("page"))
    rounds: list[SamplingRound] = list(page.object_list)
    names = _region_names({r.region_code for r in rounds})
    template = ("supervision/sampling/_round_table.html" if _partial(request)
                else "supervision/sampling/round_list.html")
    return render(request, template, {
        "page_obj": page, "query": "", "can_create": _is_county(request.user),
        "rows": [(r, names.get(r.region_code, r.region_code),
                  sum(s.get("drawn", 0) for s in r.strata.values())) for r in rounds],
    })


@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest) -> HttpResponse:
    form = RoundForm(request.POST or None, user=request.user,
                     initial={"period": selectors.quarter_of(timezone.localdate())})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = services.sampling_round_create(
                actor=request.user, region_code=data["region"], period=data["period"],
                seed=data["seed"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已抽取 %(n)s 户在保对象") % {"n": round_.checks.count()})
            return redirect("sampling:round_detail", round_id=round_.pk)
    return render(request, "supervision/sampling/round_create.html", {"form": form})


def _check_rows(checks: list[SampleCheck]) -> list[tuple[SampleCheck, Any, str]]:
    """Each check with its household's applicant and village name (two queries a page)."""
    applicants = applicants_for([c.household for c in checks])
    villages = _region_names({c.village_code for c in checks})
    return [(c, applicants.get(c.household_id), villages.get(c.village_code, c.village_code))
            for c in checks]


@require_GET
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = selectors.round_get(request.user, round_id)
    g = request.GET
    filters = selectors.CheckFilter(township=g.get("township", ""), finding=g.get("finding", ""))
    page = CachedCountPaginator(selectors.check_list(request.user, round_, filters),
                                settings.PAGE_SIZE).get_page(g.get("page"))
    query = urlencode([(k, v) for k, v in g.items() if k != "page" and v])
    rows = selectors.accuracy_by_township(request.user, round_)
    context = {
        "round": round_, "page_obj": page, "check_rows": _check_rows(list(page.object_list)),
        "filters": filters, "query": f"{query}&" if query else "",
        "findings": Finding.choices, "townships": [r.township for r in rows],
        "is_county": _is_county(request.user),
    }
    if _partial(request):
        return render(request, "supervision/sampling/_check_table.html", context)
    context |= {
        "accuracy_rows": rows,
        "overall": selectors.accuracy_of(selectors.check_list(
            request.user, round_, selectors.CheckFilter())) if len(rows) > 1 else None,
        "region_name": _region_names({round_.region_code}).get(round_.region_code, ""),
    }
    return render(request, "supervision/sampling/round_detail.html", context)


@require_http_methods(["GET", "POST"])
def check_record(request: HttpRequest, check_id: int) -> HttpResponse:
    check = selectors.check_get(request.user, check_id)
    form = FindingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sample_check_record(actor=request.user, check_id=check.pk,
                                         finding=data["finding"], note=data["note"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已登记核查结论"))
            return redirect("sampling:round_detail", round_id=check.round_id)
    applicant = applicants_for([check.household]).get(check.household_id)
    return render(request, "supervision/sampling/check_record.html", {
        "check": check, "applicant": applicant, "form": form,
        "can_record": _is_county(request.user) and check.finding == Finding.PENDING
        and check.enrollment_id is not None,
        "ledger_items": check.ledger_items.order_by("id"),
    })


@require_http_methods(["GET", "POST"])
def missing_add(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = selectors.round_get(request.user, round_id)
    form = MissingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sample_missing_add(actor=request.user, round_id=round_.pk,
                                        id_number=data["id_number"], note=data["note"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已登记应保未保户，并转入问题清单"))
            return redirect("sampling:round_detail", round_id=round_.pk)
    return render(request, "supervision/sampling/missing_add.html",
                  {"round": round_, "form": form})
