"""Monitoring settings pages: warning rules (county), monitored households (township and county)
and monitoring runs with the "run now" button."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from jiuzhu.paging import CachedCountPaginator
from regions.selectors import villages_for_user

from . import selectors
from .forms import MonitoredEndForm, MonitoredFilterForm, MonitoredRegisterForm, RuleForm, RunForm
from .models import LowIncomeKind, MonitoringRun
from .selectors import may_use
from .services import settings as services
from .views import is_partial, query_string

logger = logging.getLogger(__name__)

# -- warning rules ------------------------------------------------------------------------------


@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    return render(request, "monitoring/rule_list.html", {
        "rules": selectors.rule_table(),
        "can_edit": may_use(request.user, "monitoring:rule_edit", "POST"),
    })


def _rule_initial(code: str, region: str) -> dict[str, Any]:
    rule = selectors.rule_get(code, region)
    initial: dict[str, Any] = {"code": code, "region": region, "enabled": True}
    if rule is not None:
        initial |= {"enabled": rule.enabled, "threshold": rule.threshold,
                    "lookback_days": rule.lookback_days, "note": rule.note}
    return initial


@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest) -> HttpResponse:
    """One rule's default or one township's override; the page is opened from the rule table
    with ?code=…&region=… and shows the row's current values."""
    code, region = request.GET.get("code", ""), request.GET.get("region", "")
    form = RuleForm(request.POST or None, initial=_rule_initial(code, region))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.warning_rule_set(
                    actor=request.user, code=d["code"], region_code=d["region"],
                    enabled=d["enabled"], threshold=d["threshold"],
                    lookback_days=d["lookback_days"], note=d["note"])
            except ApplicationError as exc:
                attach_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("预警规则设置已保存"))
                return redirect("monitoring:rule_list")
        messages.error(request, _("未保存，请按提示修改后重新提交"))
    return render(request, "monitoring/rule_form.html", {"form": form}, status=status)


@require_POST
def rule_clear(request: HttpRequest) -> HttpResponse:
    try:
        services.warning_rule_clear(actor=request.user, code=request.POST.get("code", ""),
                                    region_code=request.POST.get("region", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除该乡镇的单独设置，恢复使用全县默认"))
    return redirect("monitoring:rule_list")


# -- monitored households -----------------------------------------------------------------------

@require_GET
def monitored_list(request: HttpRequest) -> HttpResponse:
    filters = MonitoredFilterForm(request.GET).monitored_filter()
    page = CachedCountPaginator(selectors.monitored_list(request.user, filters),
                                settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page, "rows": selectors.with_applicants(list(page.object_list)),
        "filters": filters, "query": query_string(request), "kinds": LowIncomeKind.choices,
        "villages": villages_for_user(request.user),
        "can_register": may_use(request.user, "monitoring:monitored_create", "POST"),
    }
    template = ("monitoring/_monitored_table.html" if is_partial(request)
                else "monitoring/monitored_list.html")
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def monitored_create(request: HttpRequest) -> HttpResponse:
    # A household page may link here with ?household=…; the service checks it on submit.
    initial = {"since": timezone.localdate(), **(
        {"household": request.GET["household"]} if request.GET.get("household") else {})}
    form = MonitoredRegisterForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.monitored_household_register(
                    actor=request.user, household_id=d["household"], kind=d["kind"],
                    since=d["since"], reason=d["reason"])
            except ApplicationError as exc:
                attach_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已纳入监测"))
                return redirect("monitoring:monitored_list")
        messages.error(request, _("未保存，请按提示修改后重新提交"))
    return render(request, "monitoring/monitored_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def monitored_end(request: HttpRequest, household_id: int) -> HttpResponse:
    row = selectors.monitored_open(request.user, household_id)  # 404 first
    form = MonitoredEndForm(request.POST or None, initial={"until": timezone.localdate()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.monitored_household_end(actor=request.user, household_id=household_id,
                                                 until=d["until"], reason=d["reason"])
            except ApplicationError as exc:
                attach_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已退出监测"))
                return redirect("monitoring:monitored_list")
        messages.error(request, _("未保存，请按提示修改后重新提交"))
    return render(request, "monitoring/monitored_end.html", {"form": form, "row": row},
                  status=status)


# -- runs ---------------------------------------------------------------------------------------

def _run_now(request: HttpRequest, form: RunForm) -> HttpResponse | None:
    """Call the engine (monitoring.services.runs, built beside this page) for the chosen
    region; None when the form or the run failed, with the reason on the page."""
    if not form.is_valid():
        return None
    try:
        from .services.runs import monitoring_run
    except ImportError:
        messages.error(request, _("监测引擎尚未部署，暂不能运行"))
        return None
    try:
        run = monitoring_run(actor=request.user, region_code=form.cleaned_data["region"],
                             on_date=timezone.localdate())
    except ApplicationError as exc:
        attach_error(form, exc)
        return None
    except Exception:
        # The engine has marked the run failed with the reason (shown in the list); the page
        # says so instead of an error page.
        logger.exception("monitoring run failed")
        messages.error(request, _("监测运行失败，原因见运行记录"))
        return redirect("monitoring:run_list")
    messages.success(request, _("监测运行已完成"))
    if isinstance(run, MonitoringRun):
        return redirect("monitoring:run_detail", mrun_id=run.pk)
    return redirect("monitoring:run_list")


@require_http_methods(["GET", "POST"])
def run_list(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        done = _run_now(request, form)
        if done is not None:
            return done
        status = 400
    page = CachedCountPaginator(selectors.run_list(request.user),
                                settings.PAGE_SIZE).get_page(request.GET.get("page"))
    runs = list(page.object_list)
    names = selectors.region_names({r.region_code for r in runs})
    return render(request, "monitoring/run_list.html", {
        "page_obj": page, "query": "", "form": form,
        "rows": [(r, names.get(r.region_code, r.region_code)) for r in runs],
        "can_run": may_use(request.user, "monitoring:run_list", "POST"),
    }, status=status)


@require_GET
def run_detail(request: HttpRequest, mrun_id: int) -> HttpResponse:
    run = selectors.run_get(request.user, mrun_id)
    return render(request, "monitoring/run_detail.html", {
        "run": run, "counts": selectors.run_counts(run),
        "region": selectors.region_names({run.region_code}).get(run.region_code,
                                                                 run.region_code),
    })
