"""Pages that move a case or record a stage's data; each calls one service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.roles import Role
from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error

from . import selectors
from .benefit import case_amount
from .choices import CaseState, Family
from .forms import (
    ConsentForm,
    MeetingForm,
    ObjectionResolveForm,
    OpinionForm,
    ReasonForm,
    SelfCareForm,
    SurveyForm,
    VerificationForm,
)
from .models import Case, SelfCareAssessment
from .services import decision, investigation, publicity, temporary
from .services.dispatch import BUTTON_ACTIONS, case_act
from .workflow import family_of

S = CaseState
@require_http_methods(["POST"])
def case_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    if action not in BUTTON_ACTIONS:
        raise Http404
    try:
        case_act(actor=request.user, case_id=case.pk, action=action, reason=reason)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已办理"))
    return redirect("cases:case_detail", pk=case.pk)


def _stage_page(request: HttpRequest, case: Case, form: forms.Form, title: str,
                save: Callable[[dict[str, Any]], Any], template: str = "cases/stage_form.html",
                **extra: Any) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("cases:case_detail", pk=case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"case": case, "form": form, "title": title, **extra},
                  status=status)


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    form = SurveyForm(request.POST or None, household=case.household,
                      initial={"surveyed_on": timezone.localdate()})
    incomes = [r for p in case.household.members.order_by("id") for r in
               p.incomes.filter(end_month__isnull=True).select_related("person")]

    def save(d: dict[str, Any]) -> Any:
        checks = [investigation.IncomeCheck(r.pk, request.POST.get(f"income_{r.pk}", "confirm"),
                                            request.POST.get(f"income_{r.pk}_amount", ""))
                  for r in incomes]
        new = []
        if d["new_income_person"]:
            new.append(investigation.NewIncome(int(d["new_income_person"]),
                                               d["new_income_type"], d["new_income_amount"]))
        return investigation.survey_record(actor=request.user, case_id=case.pk,
                                           data=investigation.SurveyInput(
            surveyed_on=d["surveyed_on"], worker_2_name=d["worker_2_name"],
            housing=d["housing"], living_conditions=d["living_conditions"],
            health_and_work=d["health_and_work"], conclusion=d["conclusion"],
            family_signed=d["family_signed"], income_checks=checks, new_incomes=new))

    rows = [(r, request.POST.get(f"income_{r.pk}", "confirm"),
             request.POST.get(f"income_{r.pk}_amount", "")) for r in incomes]
    return _stage_page(request, case, form, _("入户调查"), save, "cases/survey_form.html",
                       incomes=rows)


@require_http_methods(["GET", "POST"])
def verification(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    from verification.reports import report_prefill  # the latest 核对报告 suggests the result

    report, initial = report_prefill(case)
    return _stage_page(request, case, VerificationForm(request.POST or None, initial=initial),
                       _("核对结果"), lambda d: investigation.verification_record(
                           actor=request.user, case_id=case.pk, **d),
                       "verification/result_form.html", report=report)


@require_http_methods(["GET", "POST"])
def opinion(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    preview, preview_error = None, ""
    try:
        preview = case_amount(case, family_of(case), timezone.localdate())
    except ApplicationError as exc:
        preview_error = exc.message
    form = OpinionForm(request.POST or None, initial={"starts_on": timezone.localdate()})
    return _stage_page(request, case, form, _("乡镇审核意见"),
                       lambda d: decision.case_township_opinion(
                           actor=request.user, case_id=case.pk, **d),
                       "cases/opinion_form.html", preview=preview, preview_error=preview_error)


@require_http_methods(["GET", "POST"])
def selfcare(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)

    def save(d: dict[str, Any]) -> Any:
        lost = {a: d[a] for a in SelfCareAssessment.ACTIVITIES}
        return investigation.selfcare_assess(actor=request.user, case_id=case.pk, lost=lost,
                                             assessor=d["assessor"], assessed_on=d["assessed_on"])

    return _stage_page(request, case, SelfCareForm(request.POST or None,
                                                   initial={"assessed_on": timezone.localdate()}),
                       _("生活自理能力评估（勾选不能自主完成的项目）"), save)


@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    return _stage_page(request, case, ConsentForm(request.POST or None), _("登记核对授权书"),
                       lambda d: investigation.case_consent_record(
                           actor=request.user, case_id=case.pk,
                           signed_on=d["consent_signed_on"]))


@require_http_methods(["GET", "POST"])
def objection(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    return _stage_page(request, case, ObjectionResolveForm(request.POST or None),
                       _("异议处理结果"), lambda d: publicity.objection_resolve(
                           actor=request.user, case_id=case.pk, **d),
                       objections=[o for p in case.publicities.all() for o in p.objections.all()])


@require_http_methods(["GET", "POST"])
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    return _stage_page(request, case, MeetingForm(request.POST or None), _("一事一议（联席会议）"),
                       lambda d: temporary.meeting_record(actor=request.user, case_id=case.pk, **d))


def _role(user: Any, *roles: str) -> bool:
    return bool(user.is_superuser or getattr(user, "role", None) in roles)


# (URL name, label, shown when) — the detail page's data-entry links.
STAGE_PAGES: list[tuple[str, Any, Callable[[Case, Any], bool]]] = [
    ("cases:survey", gettext_lazy("录入入户调查"), lambda c, u: c.state in {
        S.INVESTIGATING, S.REINVESTIGATING} and _role(u, Role.CLERK, Role.GRID_WORKER)),
    ("cases:consent", gettext_lazy("登记核对授权书"), lambda c, u: c.is_open
     and _role(u, Role.CLERK)),
    ("verification:case_verify", gettext_lazy("发起核对（部门数据比对）"),
     lambda c, u: c.state == S.VERIFYING and _role(u, Role.COUNTY_ADMIN)),
    ("cases:verification", gettext_lazy("出具核对结果"), lambda c, u: c.state == S.VERIFYING
     and _role(u, Role.COUNTY_ADMIN)),
    ("cases:selfcare", gettext_lazy("生活自理能力评估"), lambda c, u: c.is_open
     and c.programme_id == "tekun" and c.state not in {S.SUBMITTED, S.RETURNED}
     and _role(u, Role.CLERK, Role.REVIEWER, Role.COUNTY_ADMIN)),
    ("cases:opinion", gettext_lazy("提出乡镇审核意见"), lambda c, u: c.state == S.TOWNSHIP_OPINION
     and _role(u, Role.REVIEWER)),
    ("cases:objection", gettext_lazy("登记异议处理结果"), lambda c, u: c.state == S.REINVESTIGATING
     and _role(u, Role.REVIEWER)),
    ("cases:meeting", gettext_lazy("登记一事一议"), lambda c, u: c.state == S.COUNTY_REVIEW
     and family_of(c) == Family.TEMPORARY and _role(u, Role.COUNTY_ADMIN)),
]
