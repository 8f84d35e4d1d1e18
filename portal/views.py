"""Public pages for citizens: apply, follow progress, read 公示 and object, estimate dibao.

No login. Pages show only what domain.md §7 allows; what identifies a citizen to the portal is
kept in the session (the receipt of their own application, the case they verified).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cases.calculator import IncomeInput, MemberInput, calculate_dibao
from cases.choices import Channel
from cases.models import Case
from cases.services.online import case_apply_online
from cases.services.publicity import objection_file
from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from regions.models import Level, Region

from . import selectors, services
from .forms import (
    CALC_INCOMES,
    CALC_MEMBERS,
    ApplyForm,
    CalculatorForm,
    ObjectionForm,
    ProgressForm,
)

APPLIED_KEY = "portal_applied_case"
VERIFIED_KEY = "portal_verified_case"
# A verified progress query opens the case's notices for a while, not for the whole session.
VERIFIED_FOR = timedelta(minutes=30)
NOTICE_KINDS = ("receipt", "approval", "rejection")


def _page(request: HttpRequest, template: str, context: dict[str, Any] | None = None,
          status: int = 200) -> HttpResponse:
    return render(request, template, {**selectors.site_context(), **(context or {})},
                  status=status)


def _not_found(request: HttpRequest, message: str = "") -> HttpResponse:
    """One neutral page for everything missing, ended or not the visitor's."""
    return _page(request, "portal/not_found.html", {"message": message}, status=404)


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: a client can write any X-Forwarded-For and so escape the throttle.
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a value, not a bind


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return _page(request, "portal/home.html", {"programmes": selectors.online_programmes()})


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    form = ApplyForm(request.POST or None, initial={"programme": request.GET.get("programme")})
    if request.method == "POST" and form.is_valid():
        try:
            case = case_apply_online(data=form.application())
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            request.session[APPLIED_KEY] = case.pk
            return redirect("portal:apply_done")
    return _page(request, "portal/apply.html", {"form": form})


@require_GET
def apply_done(request: HttpRequest) -> HttpResponse:
    """The receipt of the application this browser just filed, and nothing else."""
    case_id = request.session.get(APPLIED_KEY)
    case = (Case.objects.select_related("programme", "applicant")
            .filter(pk=case_id, channel=Channel.ONLINE).first() if case_id else None)
    if case is None:
        return redirect("portal:apply")
    today = timezone.localdate()
    return _page(request, "portal/apply_done.html", {
        "case": case, "submitted_on": timezone.localtime(case.submitted_at).date(),
        "steps": selectors.next_steps(case, today),
    })


@require_http_methods(["GET", "POST"])
def progress(request: HttpRequest) -> HttpResponse:
    form = ProgressForm(request.POST or None)
    if request.method == "POST":
        ip = _client_ip(request)
        number = request.POST.get("number", "")
        if services.progress_throttled(ip=ip, number=number):
            return _page(request, "portal/progress.html",
                         {"form": ProgressForm(), "error": _("查询过于频繁，请15分钟后再试")},
                         status=429)
        if form.is_valid():
            try:
                case = services.progress_verify(ip=ip, number=form.cleaned_data["number"],
                                                id_last6=form.cleaned_data["id_last6"])
            except ApplicationError as exc:  # throttled between the two checks
                return _page(request, "portal/progress.html",
                             {"form": ProgressForm(), "error": exc.message}, status=429)
            if case is None:
                return _page(request, "portal/progress.html", {
                    "form": form,
                    "error": _("未找到与该案件编号和身份证号码后6位相符的申请，请核对后重试。"),
                })
            request.session[VERIFIED_KEY] = {"case": case.pk, "at": timezone.now().isoformat()}
            return _page(request, "portal/progress_result.html",
                         {"p": selectors.progress_of(case, timezone.localdate())})
    return _page(request, "portal/progress.html", {"form": form})


def _verified_case(request: HttpRequest) -> Case | None:
    verified = request.session.get(VERIFIED_KEY)
    if not isinstance(verified, dict):
        return None
    try:
        at = datetime.fromisoformat(str(verified.get("at")))
    except ValueError:
        return None
    if timezone.now() - at > VERIFIED_FOR:
        return None
    case_id = verified.get("case")
    if not isinstance(case_id, int):
        return None
    return Case.objects.select_related("programme", "applicant").filter(pk=case_id).first()


@require_GET
def notice(request: HttpRequest, kind: str) -> HttpResponse:
    """A written notice of the case verified in this session, only the one its outcome has."""
    case = _verified_case(request)
    if case is None or kind not in NOTICE_KINDS or not selectors.allowed_notice(case, kind):
        return _not_found(request)
    from cases.notices import notice_pdf  # written alongside; imported only when used

    try:
        pdf = notice_pdf(case, kind)
    except ApplicationError as exc:
        return _not_found(request, exc.message)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.number}-{kind}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def publicity_index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return _page(request, "portal/publicity_index.html",
                 {"groups": selectors.villages_with_notices(today), "today": today})


@require_GET
def publicity_village(request: HttpRequest, village_code: str) -> HttpResponse:
    village = Region.objects.select_related("parent").filter(
        code=village_code, level=Level.VILLAGE).first()
    if village is None:
        return _not_found(request)
    today = timezone.localdate()
    return _page(request, "portal/publicity_village.html", {
        "village": village, "today": today,
        "notices": selectors.village_notices(village.code, today),
        "outcomes": selectors.objection_outcomes(village.code, today),
        "outcome_days": selectors.OUTCOME_DAYS,
    })


@require_http_methods(["GET", "POST"])
def objection(request: HttpRequest, token: str) -> HttpResponse:
    publicity = selectors.open_publicity(token, timezone.localdate())
    if publicity is None:
        return _not_found(request)
    form = ObjectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            objection_file(token=token, content=form.cleaned_data["content"],
                           contact_name=form.cleaned_data["contact_name"],
                           contact_phone=form.cleaned_data["contact_phone"])
        except ApplicationError as exc:
            if exc.code == "not_found":
                return _not_found(request)
            attach_error(form, exc)
        else:
            messages.success(request, _("感谢您的监督！异议已收到，乡镇（街道）将调查核实，"
                                        "核查结果将在本页公开。"))
            return redirect("portal:publicity_village", village_code=publicity.village_id)
    return _page(request, "portal/objection.html", {"form": form, "publicity": publicity})


INCOME_FIELD = re.compile(r"members\[(\d+)\]\.incomes\[(\d+)\]\.(type|monthly_amount)")


def _calculator_members(form: CalculatorForm) -> tuple[list[MemberInput], dict[Any, int]]:
    """The members up to the household size, and where each income row came from."""
    data = form.cleaned_data
    size = data["size"]
    members, rows = [], {}
    for i in range(CALC_MEMBERS):
        incomes: list[IncomeInput] = []
        for j in range(CALC_INCOMES):
            income_type = data[f"m{i}_i{j}_type"]
            amount = data[f"m{i}_i{j}_amount"].strip()
            if not income_type and not amount:
                continue
            if i >= size:
                raise ApplicationError(
                    _("家庭人数为%(n)d人，请增加人数或清空第%(m)d人的收入")
                    % {"n": size, "m": i + 1}, field=f"m{i}_i{j}_amount")
            if not income_type:
                raise ApplicationError(_("请选择收入类型"), field=f"m{i}_i{j}_type")
            if not amount:
                raise ApplicationError(_("请填写月收入金额"), field=f"m{i}_i{j}_amount")
            rows[(i, len(incomes))] = j
            incomes.append(IncomeInput(income_type, amount))
        if i < size:
            members.append(MemberInput(incomes=incomes))
    return members, rows


def _calculator_field(error_field: str | None, rows: dict[Any, int]) -> str | None:
    match = INCOME_FIELD.fullmatch(error_field or "")
    if match:
        i, k, part = int(match[1]), int(match[2]), match[3]
        return f"m{i}_i{rows.get((i, k), 0)}_{'type' if part == 'type' else 'amount'}"
    return {"region_code": "village", "urban_rural": "village", "members": "size"}.get(
        error_field or "")


@require_http_methods(["GET", "POST"])
def calculator(request: HttpRequest) -> HttpResponse:
    form = CalculatorForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        rows: dict[Any, int] = {}
        try:
            members, rows = _calculator_members(form)
            result = calculate_dibao(region_code=form.cleaned_data["village"],
                                     on_date=timezone.localdate(), members=members)
        except ApplicationError as exc:
            field = exc.field if exc.field in form.fields else _calculator_field(exc.field, rows)
            attach_error(form, ApplicationError(exc.message, field=field))
    return _page(request, "portal/calculator.html", {"form": form, "result": result})
