"""政策找人 pages: the township's warning queue, one warning with its evidence, timeline and the
steps the user may take now, and the county's overview per township. Views parse input, call one
service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from jiuzhu.paging import CachedCountPaginator
from regions.selectors import townships_for_user, villages_for_user
from registry.masking import mask_id

from . import selectors
from .forms import (
    CloseForm,
    ContactForm,
    NoActionForm,
    OpenCaseForm,
    PeriodForm,
    WarningFilterForm,
)
from .models import RuleCode, Warning, WarningState
from .selectors import may_use
from .services import warnings as services


def query_string(request: HttpRequest) -> str:
    query = "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page" and v)
    return f"{query}&" if query else ""


def is_partial(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))


# -- the queue ----------------------------------------------------------------------------------

@require_GET
def warning_list(request: HttpRequest) -> HttpResponse:
    filters = WarningFilterForm(request.GET).warning_filter()
    today = timezone.localdate()
    page = CachedCountPaginator(selectors.warning_list(request.user, filters, today),
                                settings.PAGE_SIZE).get_page(request.GET.get("page"))
    warnings = list(page.object_list)
    late = selectors.days_late(warnings, today)
    names = selectors.region_names({w.village_code for w in warnings})
    context = {
        "page_obj": page, "filters": filters, "query": query_string(request),
        "rows": [{"w": w, "village": names.get(w.village_code, w.village_code),
                  "late": late.get(w.pk)} for w in warnings],
        "states": WarningState.choices, "rules": RuleCode.choices,
        "townships": townships_for_user(request.user),
        "villages": villages_for_user(request.user),
        "links": _links(request.user),
    }
    template = ("monitoring/_warning_table.html" if is_partial(request)
                else "monitoring/warning_list.html")
    return render(request, template, context)


def _links(user: Any) -> list[tuple[str, Promise]]:
    """The area's other pages the user may open (one nav entry leads to all of them)."""
    pages = [("monitoring:overview", gettext_lazy("各乡镇处置情况")),
             ("monitoring:monitored_list", gettext_lazy("监测家庭")),
             ("monitoring:run_list", gettext_lazy("监测运行")),
             ("monitoring:rule_list", gettext_lazy("预警规则设置"))]
    return [(name, label) for name, label in pages if may_use(user, name)]


# -- one warning and its next steps -------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    form: type[forms.Form]
    title: str | Promise
    button: str | Promise
    call: Callable[[Any, Warning, dict[str, Any]], Warning]
    done: str | Promise


ACTIONS: dict[str, Action] = {
    "contact": Action(
        ContactForm, gettext_lazy("登记联系情况"), gettext_lazy("保存联系情况"),
        lambda actor, w, d: services.warning_contact(actor=actor, warning_id=w.pk,
                                                     note=d["contact_note"]),
        gettext_lazy("已登记联系情况")),
    "open_case": Action(
        OpenCaseForm, gettext_lazy("转入救助申请"), gettext_lazy("关联救助申请"),
        lambda actor, w, d: services.warning_open_case(actor=actor, warning_id=w.pk,
                                                       case_number=d["case_number"]),
        gettext_lazy("已关联救助申请")),
    "no_action": Action(
        NoActionForm, gettext_lazy("无需救助"), gettext_lazy("登记无需救助"),
        lambda actor, w, d: services.warning_no_action(actor=actor, warning_id=w.pk,
                                                       reason=d["no_action_reason"]),
        gettext_lazy("已登记无需救助")),
    "close": Action(
        CloseForm, gettext_lazy("办结"), gettext_lazy("登记处置结果并办结"),
        lambda actor, w, d: services.warning_close(actor=actor, warning_id=w.pk,
                                                   result=d["result"]),
        gettext_lazy("预警已办结")),
}


def _render_detail(request: HttpRequest, warning: Warning,
                   bound: tuple[str, forms.Form] | None = None, status: int = 200) -> HttpResponse:
    """The page, with `bound` (an action form that failed) in place of its empty twin."""
    user = request.user
    actions = [{"name": name, "title": a.title, "button": a.button,
                "form": bound[1] if bound and bound[0] == name else a.form()}
               for name, a in ACTIONS.items() if services.may_move(warning, name, user)]
    today = timezone.localdate()
    pending = warning.state in {WarningState.OPEN, WarningState.CONTACTED}
    return render(request, "monitoring/warning_detail.html", {
        "warning": warning, "actions": actions,
        "village": selectors.region_names({warning.village_code}).get(warning.village_code,
                                                                       warning.village_code),
        "id_masked": mask_id(warning.person.id_number),
        "late": selectors.days_late([warning], today).get(warning.pk),
        "timeline": selectors.warning_timeline(warning),
        "can_household": may_use(user, "registry:household_detail"),
        "can_case": may_use(user, "cases:case_detail"),
        # 帮办: start the application from here, then link it by its number.
        "can_start_case": pending and may_use(user, "cases:case_create"),
    }, status=status)


@require_GET
def warning_detail(request: HttpRequest, warning_id: int) -> HttpResponse:
    return _render_detail(request, selectors.warning_get(request.user, warning_id))


@require_POST
def warning_action(request: HttpRequest, warning_id: int, action: str) -> HttpResponse:
    warning = selectors.warning_get(request.user, warning_id)  # 404 first: not-yours = missing
    step = ACTIONS.get(action)
    if step is None:
        raise Http404
    form = step.form(request.POST)
    status = 400
    if form.is_valid():
        try:
            step.call(request.user, warning, form.cleaned_data)
        except ApplicationError as exc:
            if exc.field is None:
                # Not this step now (someone moved the warning on) or not this role: say why;
                # the page then offers only the steps that are open.
                messages.error(request, exc.message)
                warning = selectors.warning_get(request.user, warning_id)
                return _render_detail(request, warning, status=exc.status)
            attach_error(form, exc)
            status = exc.status
        else:
            messages.success(request, str(step.done))
            return redirect("monitoring:warning_detail", warning_id=warning.pk)
    messages.error(request, _("未保存，请按提示修改后重新提交"))
    return _render_detail(request, warning, bound=(action, form), status=status)


# -- the county's overview ----------------------------------------------------------------------

@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    start, end = form.period()
    today = timezone.localdate()
    return render(request, "monitoring/overview.html", {
        "form": form, "start": start, "end": end,
        "townships": selectors.township_overview(request.user, today),
        "conversion": selectors.conversion(request.user, start, end),
    })
