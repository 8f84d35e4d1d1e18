"""Enrollment pages: the recipients list, one enrollment with its money history and the county's
actions (补发, 追回, 金额变更, 停发/恢复/清退/渐退), and the re-check task list.

Views parse input, call one service, and render; every read goes through regions.scoping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AuditEvent
from calendar_days.workdays import WorkingDayCounter
from cases.choices import PROGRAMME_FAMILY
from cases.deadlines import Clock
from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from jiuzhu.paging import CachedCountPaginator
from policies.models import Programme
from regions.scoping import code_range, scope, scoped_get_or_404
from regions.selectors import townships_for_user, villages_for_user
from registry.models import Person
from registry.selectors import matching_persons

from .enrollment_forms import (
    AmountChangeForm,
    BackPayForm,
    RecheckForm,
    RecoveryForm,
    RepaymentForm,
    StatusForm,
    WriteOffForm,
)
from .models import (
    Enrollment,
    EnrollmentStatus,
    PayrollLine,
    RecheckKind,
    RecheckStatus,
    RecheckTask,
    Recovery,
    RecoveryStatus,
)
from .services import adjustments, rechecks, status

AUDIT_LABELS = {
    "enrollment.create": gettext_lazy("纳入保障"),
    "enrollment.back_pay": gettext_lazy("登记补发"),
    "enrollment.recovery": gettext_lazy("登记追回计划"),
    "enrollment.repayment": gettext_lazy("登记缴回"),
    "enrollment.write_off": gettext_lazy("核销"),
    "enrollment.amount_change": gettext_lazy("金额变更"),
    "enrollment.suspend": gettext_lazy("停发（暂停）"),
    "enrollment.resume": gettext_lazy("恢复发放"),
    "enrollment.end": gettext_lazy("清退（停保）"),
    "enrollment.gradual_exit": gettext_lazy("进入渐退期"),
    "recheck.decide": gettext_lazy("复核"),
}
AUDIT_SHOWN = 100  # the newest entries of the trail; the full trail is in the audit log


def _query_string(request: HttpRequest) -> str:
    query = "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page" and v)
    return f"{query}&" if query else ""


def _partial(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))


# -- list ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EnrollmentFilter:
    programme: str = ""
    status: str = ""
    township: str = ""
    village: str = ""
    q: str = ""


def _enrollments(user: Any, f: EnrollmentFilter) -> QuerySet[Enrollment]:
    qs = scope(user, Enrollment.objects.all())
    if f.programme:
        qs = qs.filter(programme_id=f.programme)
    if f.status in EnrollmentStatus.values:
        qs = qs.filter(status=f.status)
    if len(f.township) == 12 and f.township.isdigit():
        qs = qs.filter(village__code__scope_range=code_range(f.township[:9]))
    if f.village:
        qs = qs.filter(village_id=f.village)
    q = f.q.strip()
    if q:
        # The registry's search rule: a full ID number exactly, else a name prefix (any member).
        qs = qs.filter(household_id__in=matching_persons(Person.objects.all(), q)
                       .values("household_id"))
    return qs.select_related("programme", "village__parent", "case__applicant").order_by("-id")


@require_GET
def enrollment_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    filters = EnrollmentFilter(programme=g.get("programme", ""), status=g.get("status", ""),
                               township=g.get("township", ""), village=g.get("village", ""),
                               q=g.get("q", ""))
    page = CachedCountPaginator(_enrollments(request.user, filters), settings.PAGE_SIZE)
    context = {
        "page_obj": page.get_page(g.get("page")), "filters": filters,
        "statuses": EnrollmentStatus.choices,
        "programmes": Programme.objects.filter(code__in=PROGRAMME_FAMILY).order_by("sort_order"),
        "townships": townships_for_user(request.user), "villages": villages_for_user(request.user),
        "query": _query_string(request),
    }
    template = ("benefits/enrollments/_enrollment_table.html" if _partial(request)
                else "benefits/enrollments/enrollment_list.html")
    return render(request, template, context)


# -- detail and the county's actions ------------------------------------------------------------

def _enrollment(request: HttpRequest, pk: int) -> Enrollment:
    return scoped_get_or_404(
        request.user,
        Enrollment.objects.select_related("programme", "household", "village__parent",
                                          "case__applicant"), pk=pk)


def _open_recovery(enrollment: Enrollment) -> Recovery | None:
    return enrollment.recoveries.filter(status=RecoveryStatus.OPEN).first()


def _render_detail(request: HttpRequest, enrollment: Enrollment,
                   bound: forms.Form | None = None) -> HttpResponse:
    """The page, with `bound` (a form that failed) in place of its empty twin."""
    can_decide = adjustments.is_county(request.user)
    open_recovery = _open_recovery(enrollment)
    actions = status.allowed_actions(enrollment)
    forms_by_name: dict[str, forms.Form | None] = {}
    if can_decide:
        ongoing = enrollment.status != EnrollmentStatus.ENDED and not enrollment.one_off
        forms_by_name = {
            "back_pay": BackPayForm() if ongoing else None,
            "recovery": RecoveryForm() if open_recovery is None else None,
            "repayment": RepaymentForm(initial={"paid_on": timezone.localdate()})
            if open_recovery else None,
            "write_off": WriteOffForm() if open_recovery else None,
            "amount_change": AmountChangeForm(initial={"new_persons": enrollment.persons})
            if ongoing else None,
            "status": StatusForm(actions=actions) if actions else None,
        }
        if bound is not None:
            forms_by_name[next(k for k, v in FORMS.items() if isinstance(bound, v))] = bound
    lines = (PayrollLine.objects.filter(enrollment=enrollment, version=F("run__version"))
             .select_related("run").order_by("-month"))
    trail = (AuditEvent.objects.filter(object_type="benefits.enrollment",
                                       object_id=str(enrollment.pk))
             .select_related("actor").order_by("-at", "-id")[:AUDIT_SHOWN])
    return render(request, "benefits/enrollments/enrollment_detail.html", {
        "enrollment": enrollment, "can_decide": can_decide, "forms": forms_by_name,
        "open_recovery": open_recovery,
        "members": enrollment.members.select_related("person").order_by("person_id"),
        "lines": lines,
        "back_pays": enrollment.back_pays.select_related("run").order_by("-month_owed", "-id"),
        "recoveries": enrollment.recoveries.prefetch_related("repayments").order_by("-id"),
        "changes": enrollment.amount_changes.order_by("-id"),
        "tasks": enrollment.rechecks.select_related("decided_by").order_by("-due_on", "-id"),
        "trail": [(e, AUDIT_LABELS.get(e.action, e.action)) for e in trail],
    })


@require_GET
def enrollment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _enrollment(request, pk))


def _act(request: HttpRequest, enrollment: Enrollment, form_class: type[forms.Form],
         call: Callable[[Enrollment, dict[str, Any]], str], **form_kwargs: Any) -> HttpResponse:
    """Bind the action's form, run its service, and come back to the page (or show why not)."""
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            done = call(enrollment, form.cleaned_data)
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("enrollment:enrollment_detail", pk=enrollment.pk)
    messages.error(request, _("未保存，请按提示修改后重新提交"))
    return _render_detail(request, enrollment, bound=form)


@require_POST
def back_pay(request: HttpRequest, pk: int) -> HttpResponse:
    def call(e: Enrollment, d: dict[str, Any]) -> str:
        item = adjustments.back_pay_create(
            actor=request.user, enrollment_id=e.pk, month_owed=d["month_owed"],
            amount=d["amount"], reason=d["reason"], note=d["note"], decision=d["decision"])
        return _("已登记%(m)s补发%(a)s元，随下次发放支付") % {
            "m": f"{item.month_owed:%Y-%m}", "a": f"{item.amount:.2f}"}
    return _act(request, _enrollment(request, pk), BackPayForm, call)


@require_POST
def recovery(request: HttpRequest, pk: int) -> HttpResponse:
    def call(e: Enrollment, d: dict[str, Any]) -> str:
        plan = adjustments.recovery_create(
            actor=request.user, enrollment_id=e.pk, total=d["total"],
            monthly_deduction=d["monthly_deduction"], reason=d["reason"], decision=d["decision"])
        return _("已登记追回计划%(a)s元") % {"a": f"{plan.total:.2f}"}
    return _act(request, _enrollment(request, pk), RecoveryForm, call)


def _recovery_id(e: Enrollment) -> int:
    plan = _open_recovery(e)
    if plan is None:
        raise ApplicationError(_("没有未结清的追回计划"), code="transition")
    return plan.pk


@require_POST
def repayment(request: HttpRequest, pk: int) -> HttpResponse:
    def call(e: Enrollment, d: dict[str, Any]) -> str:
        item = adjustments.repayment_record(
            actor=request.user, recovery_id=_recovery_id(e), amount=d["amount"],
            paid_on=d["paid_on"], receipt=d["receipt"])
        return _("已登记缴回%(a)s元") % {"a": f"{item.amount:.2f}"}
    return _act(request, _enrollment(request, pk), RepaymentForm, call)


@require_POST
def write_off(request: HttpRequest, pk: int) -> HttpResponse:
    def call(e: Enrollment, d: dict[str, Any]) -> str:
        plan = adjustments.recovery_write_off(
            actor=request.user, recovery_id=_recovery_id(e), amount=d["amount"],
            decision=d["decision"])
        return _("已核销，累计核销%(a)s元") % {"a": f"{plan.written_off:.2f}"}
    return _act(request, _enrollment(request, pk), WriteOffForm, call)


@require_POST
def amount_change(request: HttpRequest, pk: int) -> HttpResponse:
    def call(e: Enrollment, d: dict[str, Any]) -> str:
        change = adjustments.amount_change_create(
            actor=request.user, enrollment_id=e.pk, new_amount=d["new_amount"],
            new_persons=d["new_persons"], effective_month=d["effective_month"],
            reason=d["reason"], decision=d["decision"],
            monthly_deduction=d["monthly_deduction"] or None)
        if change.applied:
            return _("金额已变更，已发放月份的差额已生成补发或追回")
        return _("金额变更已登记，自%(m)s发放时执行") % {"m": f"{change.effective_month:%Y-%m}"}
    return _act(request, _enrollment(request, pk), AmountChangeForm, call)


STATUS_SERVICES: dict[str, Callable[..., Enrollment]] = {
    "suspend": status.enrollment_suspend,
    "resume": status.enrollment_resume,
    "end": status.enrollment_end,
    "gradual_exit": status.enrollment_gradual_exit,
}


@require_POST
def status_change(request: HttpRequest, pk: int) -> HttpResponse:
    def call(e: Enrollment, d: dict[str, Any]) -> str:
        extra: dict[str, Any] = {}
        if d["action"] == "resume":
            extra["release_arrears"] = bool(d.get("release_arrears"))
        done = STATUS_SERVICES[d["action"]](actor=request.user, enrollment_id=e.pk,
                                            reason=d["reason"], **extra)
        return _("已办理，对象当前状态：%(s)s") % {"s": done.get_status_display()}
    enrollment = _enrollment(request, pk)
    return _act(request, enrollment, StatusForm, call, actions=status.allowed_actions(enrollment))


FORMS: dict[str, type[forms.Form]] = {
    "back_pay": BackPayForm, "recovery": RecoveryForm, "repayment": RepaymentForm,
    "write_off": WriteOffForm, "amount_change": AmountChangeForm, "status": StatusForm,
}


# -- re-check tasks -----------------------------------------------------------------------------

@require_GET
def recheck_list(request: HttpRequest) -> HttpResponse:
    """Open tasks of the user's region, overdue first (ascending due date)."""
    township, kind = request.GET.get("township", ""), request.GET.get("kind", "")
    tasks = scope(request.user, RecheckTask.objects.filter(status=RecheckStatus.OPEN))
    if len(township) == 12 and township.isdigit():
        tasks = tasks.filter(enrollment__village__code__scope_range=code_range(township[:9]))
    if kind in RecheckKind.values:
        tasks = tasks.filter(kind=kind)
    tasks = tasks.select_related("enrollment__programme", "enrollment__village__parent",
                                 "enrollment__case__applicant").order_by("due_on", "id")
    page = CachedCountPaginator(tasks, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    today = timezone.localdate()
    clocks: dict[int, Clock] = {}
    if rows:
        dues = [t.due_on for t in rows]
        counter = WorkingDayCounter(min([today, *dues]), max([today, *dues]))
        clocks = {t.pk: Clock(t.get_kind_display(), t.due_on, counter.between(today, t.due_on))
                  for t in rows}
    context = {
        "page_obj": page, "rows": [(t, clocks[t.pk]) for t in rows],
        "townships": townships_for_user(request.user), "township": township, "kind": kind,
        "kinds": RecheckKind.choices, "query": _query_string(request),
    }
    template = ("benefits/enrollments/_recheck_table.html" if _partial(request)
                else "benefits/enrollments/recheck_list.html")
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def recheck_decide(request: HttpRequest, pk: int) -> HttpResponse:
    task = scoped_get_or_404(
        request.user, RecheckTask.objects.select_related(
            "enrollment__programme", "enrollment__village__parent", "enrollment__case__applicant",
            "decided_by"), pk=pk)
    form = RecheckForm(request.POST or None, outcomes=rechecks.outcomes_for(request.user),
                       initial={"new_persons": task.enrollment.persons})
    if request.method == "POST" and task.status == RecheckStatus.OPEN and form.is_valid():
        d = form.cleaned_data
        try:
            rechecks.recheck_decide(
                actor=request.user, task_id=task.pk, outcome=d["outcome"], note=d["note"],
                new_amount=d.get("new_amount"), new_persons=d.get("new_persons"),
                income_stable=form.stable_value())
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("复核结论已记录"))
            return redirect("enrollment:recheck_list")
    return render(request, "benefits/enrollments/recheck_decide.html",
                  {"task": task, "enrollment": task.enrollment, "form": form,
                   "county": adjustments.is_county(request.user)})
