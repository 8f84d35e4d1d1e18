"""Grid workers' visit pages: the visit list (a village's, or a summary per village for township
and county staff), a household's visit history, the phone-sized visit form, and one visit with
its photos and signature.

Views parse input, call one service or selector, and render; every read goes through
regions.scoping, so another township's village, household or visit is a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import FULL_RECORD_VIEWERS, Role
from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from regions.selectors import townships_for_user

from .models import Visit
from .selectors import visits as selectors
from .selectors.visits import Area, ListFilter, VisitReason
from .services import visits as services
from .visit_forms import VisitForm


def _query_string(request: HttpRequest) -> str:
    query = "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page" and v)
    return f"{query}&" if query else ""


def _partial(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))


# -- lists ---------------------------------------------------------------------------------------

@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    """A grid worker's own village; staff above a village pick one from the summary."""
    user = request.user
    if getattr(user, "role", None) == Role.GRID_WORKER:
        region = getattr(user, "region", None)
        if region is None:
            raise Http404
        return _village_list(request, region.code)
    if request.GET.get("village"):
        return _village_list(request, request.GET["village"])
    return _summary(request)


def _village_list(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.village_for_list(request.user, code)
    today = timezone.localdate()
    area = Area(request.user, today, village.code)
    reason = request.GET.get("reason", "")
    filters = ListFilter(overdue_only=request.GET.get("overdue") == "1",
                         reason=reason if reason in VisitReason.values else "")
    page, rows = selectors.village_page(area, filters, request.GET.get("page"),
                                        settings.PAGE_SIZE)
    context = {
        "village": village, "page_obj": page, "filters": filters, "reasons": VisitReason.choices,
        "rows": rows,
        "counts": selectors.list_counts(area), "today": today,
        "own_village": getattr(request.user, "role", None) == Role.GRID_WORKER,
        # Every row is in this village, which the user may list: the role decides.
        "can_record": request.user.has_role(services.VISIT_RECORDERS),  # type: ignore[union-attr]
        # Full addresses follow the registry's rule (design.md "Privacy"): not for grid workers.
        "show_address": request.user.has_role(FULL_RECORD_VIEWERS),  # type: ignore[union-attr]
        "query": _query_string(request),
    }
    template = ("outreach/visits/_visit_table.html" if _partial(request)
                else "outreach/visits/visit_list.html")
    return render(request, template, context)


def _summary(request: HttpRequest) -> HttpResponse:
    township = request.GET.get("township", "")
    townships = townships_for_user(request.user)
    if township not in {t.code for t in townships}:
        township = ""
    rows = selectors.village_summary(request.user, timezone.localdate(), township)
    overdue_only = request.GET.get("overdue") == "1"
    totals = {"households": sum(r.households for r in rows), "overdue": sum(r.overdue for r in rows)}
    if overdue_only:
        rows = [r for r in rows if r.overdue]
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "totals": totals, "townships": townships, "township": township,
               "overdue_only": overdue_only, "query": _query_string(request)}
    template = ("outreach/visits/_summary_table.html" if _partial(request)
                else "outreach/visits/village_summary.html")
    return render(request, template, context)


# -- a household's visits ------------------------------------------------------------------------

@require_GET
def household_visits(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get(request.user, household_id)
    return render(request, "outreach/visits/household_visits.html", {
        "household": household, "head_name": services.head_name(household),
        "due": selectors.household_due(request.user, household, timezone.localdate()),
        "visits": selectors.household_visits(household),
        "can_record": services.may_record(request.user, household),
    })


@require_http_methods(["GET", "POST"])
def visit_create(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get(request.user, household_id)
    today = timezone.localdate()
    form = VisitForm(request.POST or None, request.FILES or None, today=today,
                     initial={"wish_person_name": services.head_name(household)})
    if request.method == "POST":
        if form.is_valid():
            try:
                visit = services.visit_record(
                    actor=request.user, household=household, data=form.visit_input(),
                    photos=form.cleaned_data["photos"],
                    signature_png=form.cleaned_data["signature"], wish=form.wish_input())
            except ApplicationError as exc:
                attach_error(form, exc)
            else:
                messages.success(request, _("走访记录已保存"))
                return redirect("visits:visit_detail", visit_id=visit.pk)
        messages.error(request, _("未保存，请按提示修改后重新提交"))
    return render(request, "outreach/visits/visit_form.html", {
        "household": household, "head_name": services.head_name(household), "form": form,
        # A browser cannot refill a file input: say so rather than lose photos silently.
        "photos_dropped": request.method == "POST" and bool(request.FILES.getlist("photos")),
    })


# -- one visit -----------------------------------------------------------------------------------

@require_GET
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = selectors.visit_get(request.user, visit_id)
    return render(request, "outreach/visits/visit_detail.html", {"visit": visit})


def _private_file(file: object, content_type: str) -> FileResponse:
    response = FileResponse(file, content_type=content_type)
    # Photos of a home and a signature are personal data: never cached by a browser or proxy.
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def visit_photo(request: HttpRequest, visit_id: int) -> FileResponse:
    visit: Visit = selectors.visit_get(request.user, visit_id)
    photo = next((p for p in visit.photos.all() if str(p.pk) == request.GET.get("id")), None)
    if photo is None:
        raise Http404
    content_type = "image/png" if photo.image.name.endswith(".png") else "image/jpeg"
    return _private_file(photo.image.open("rb"), content_type)


@require_GET
def visit_signature(request: HttpRequest, visit_id: int) -> FileResponse:
    visit = selectors.visit_get(request.user, visit_id)
    if not visit.signature:
        raise Http404
    return _private_file(visit.signature.open("rb"), "image/png")
