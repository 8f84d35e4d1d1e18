"""Case pages: list, detail, intake, overdue dashboard, documents and notices."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.roles import FULL_RECORD_VIEWERS
from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from jiuzhu.paging import CachedCountPaginator
from policies.models import Programme
from regions.scoping import scoped_get_or_404
from regions.selectors import villages_for_user
from registry.selectors import household_get

from . import selectors
from .choices import PROGRAMME_FAMILY, CaseState, Channel
from .deadlines import clocks_for
from .forms import CaseCreateForm, DocumentForm, ReasonForm
from .models import Case, CaseDocument
from .services import intake
from .workflow import MOVE_BY_ACTION, available_moves


def case_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.CaseFilter(
        state=request.GET.get("state", ""), programme=request.GET.get("programme", ""),
        village=request.GET.get("village", ""), q=request.GET.get("q", ""),
        township=request.GET.get("township", ""),
        overdue=request.GET.get("overdue") == "1",
    )
    today = timezone.localdate()
    paginator = CachedCountPaginator(selectors.case_list(request.user, filters, today),
                                     settings.PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    cases = list(page_obj.object_list)
    clocks = clocks_for(cases)
    query = "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page" and v)
    context = {
        "page_obj": page_obj, "filters": filters,
        "rows": [(c, clocks.get(c.pk)) for c in cases],
        "states": CaseState.choices, "villages": villages_for_user(request.user),
        "programmes": Programme.objects.filter(code__in=PROGRAMME_FAMILY),
        "query": f"{query}&" if query else "",
    }
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-Boosted")
    return render(request, "cases/_case_table.html" if partial else "cases/case_list.html",
                  context)


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    return render(request, "cases/case_detail.html", {
        "case": case, "clock": clocks_for([case]).get(case.pk), "today": timezone.localdate(),
        "full": getattr(request.user, "role", None) in FULL_RECORD_VIEWERS,
        "hidden_moves": PAGE_MOVES,
        "moves": available_moves(case, request.user),
        "timeline": [(t, ACTION_LABELS.get(t.action, t.action))
                     for t in case.transitions.select_related("actor")],
        "documents": case.documents.all(),
        "surveys": case.surveys.select_related("worker_1"),
        "verifications": case.verifications.select_related("recorded_by"),
        "assessments": case.assessments.all(),
        "publicities": case.publicities.prefetch_related("objections"),
        "meetings": case.meetings.all(),
        "enrollment": getattr(case, "enrollment", None),
        "reserve_entries": case.reserve_entries.all(),
        "members": case.household.members.order_by("id"),
        "document_form": DocumentForm(), "reason_form": ReasonForm(),
        "stage_links": _stage_links(case, request.user),
    })


ACTION_LABELS = {"submit": gettext_lazy("提交申请"),
                 **{a: m.label for a, m in MOVE_BY_ACTION.items()}}
# Moves made from their own data-entry page (or by the public), not by a bare button.
PAGE_MOVES = {"publish", "refer", "record_verification", "resolve_objection", "object"}


def _stage_links(case: Case, user: Any) -> list[tuple[str, str]]:
    """The data-entry pages open to this user at this stage (the pages re-check everything)."""
    from .stage_views import STAGE_PAGES

    return [(name, str(label)) for name, label, allowed in STAGE_PAGES if allowed(case, user)]


@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest, household_id: int) -> HttpResponse:
    household = household_get(request.user, household_id)
    form = CaseCreateForm(request.POST or None, household=household, user=request.user,
                          initial={"consent_signed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = intake.case_create(actor=request.user, household=household, data=intake.IntakeInput(
                programme=data["programme"], applicant_id=int(data["applicant"]),
                channel=data["channel"], reason=data["reason"],
                consent_signed_on=data["consent_signed_on"], mandate_note=data["mandate_note"],
                temporary_kind=data["temporary_kind"], requested_amount=data["requested_amount"],
                support_form=data["support_form"], supporter_status=data["supporter_status"],
                accept_now=bool(data.get("accept_now")) and data["channel"] == Channel.COUNTER,
            ))
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("申请已登记，案件编号 %(n)s") % {"n": case.number})
            return redirect("cases:case_detail", pk=case.pk)
    return render(request, "cases/case_form.html", {"form": form, "household": household})


def overdue(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    counts = selectors.state_counts(request.user)
    return render(request, "cases/overdue.html", {
        "townships": selectors.overdue_by_township(request.user, today),
        "counts": [(value, label, counts.get(value, 0)) for value, label in CaseState.choices],
        "today": today,
    })


@require_http_methods(["POST"])
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            intake.document_attach(actor=request.user, case=case, kind=form.cleaned_data["kind"],
                                   upload=form.cleaned_data["file"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("材料已上传"))
    else:
        messages.error(request, _("请选择材料类型和文件"))
    return redirect("cases:case_detail", pk=case.pk)


def document_download(request: HttpRequest, token: str) -> FileResponse:
    document = scoped_get_or_404(request.user, CaseDocument.objects.all(), token=token)
    response = FileResponse(document.file.open("rb"), content_type=document.content_type,
                            filename=document.original_name)
    # Applicants' papers are personal data: never cached by the browser or a proxy.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def notice(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    from .notices import notice_pdf

    try:
        pdf = notice_pdf(case, kind)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("cases:case_detail", pk=case.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.number}-{kind}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
