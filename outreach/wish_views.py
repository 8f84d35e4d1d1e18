"""微心愿 pages: the ledger, its Excel export, the record form, and one wish with its timeline
and the steps the user may take next. Views parse input, call one service or selector, render.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from jiuzhu.paging import CachedCountPaginator
from regions.selectors import townships_for_user, villages_for_user

from . import wish_export as export
from .models import Wish, WishCategory, WishSource, WishState
from .selectors import wishes as selectors
from .services import wishes as services
from .wish_forms import (
    AssignForm,
    ClassifyForm,
    CloseForm,
    FeedbackForm,
    ResolveForm,
    ResolveOnSpotForm,
    RevisitForm,
    StartForm,
    WishFilterForm,
    WishRecordForm,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_CHUNK = 1000


def _query_string(request: HttpRequest) -> str:
    query = "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page" and v)
    return f"{query}&" if query else ""


def _partial(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))


# -- the ledger ---------------------------------------------------------------------------------

@require_GET
def wish_list(request: HttpRequest) -> HttpResponse:
    filters = WishFilterForm(request.GET).wish_filter()
    today = timezone.localdate()
    page = CachedCountPaginator(selectors.wish_list(request.user, filters, today),
                                settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page, "filters": filters, "query": _query_string(request),
        "states": WishState.choices, "categories": WishCategory.choices,
        "sources": WishSource.choices, "townships": townships_for_user(request.user),
        "villages": villages_for_user(request.user),
        "can_record": selectors.may_use(request.user, "wishes:wish_create"),
        "can_export": selectors.may_use(request.user, "wishes:wish_export"),
    }
    template = ("outreach/wishes/_wish_table.html" if _partial(request)
                else "outreach/wishes/wish_list.html")
    return render(request, template, context)


@require_GET
def wish_export(request: HttpRequest) -> FileResponse:
    """The ledger with the page's filters, all pages, as .xlsx (streamed from a temp file)."""
    filters = WishFilterForm(request.GET).wish_filter()
    today = timezone.localdate()
    rows = selectors.wish_list(request.user, filters, today).iterator(chunk_size=EXPORT_CHUNK)
    region = getattr(request.user, "region", None)
    title = _("%(region)s微心愿台账（%(day)s导出）") % {
        "region": region.full_name() if region else _("全部区域"), "day": f"{today:%Y-%m-%d}"}
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    export.ledger_xlsx(rows, title=title, out=out)
    out.seek(0)
    response = FileResponse(out, as_attachment=True, content_type=XLSX,
                            filename=export.file_name(region.code if region else "", today))
    response["Cache-Control"] = "private, no-store"
    return response


# -- recording ----------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def wish_create(request: HttpRequest) -> HttpResponse:
    # Links from a village or household page preselect them; the form checks them on submit.
    initial = {k: request.GET[k] for k in ("village", "household") if request.GET.get(k)}
    form = WishRecordForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            wish = services.wish_record(
                actor=request.user, village_code=d["village"], household=d["household"],
                person_name=d["person_name"], content=d["content"], source=d["source"],
                category=d.get("category", ""))
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已登记微心愿 %(n)s") % {"n": wish.number})
            return redirect("wishes:wish_detail", wish_id=wish.pk)
    return render(request, "outreach/wishes/wish_form.html", {"form": form})


# -- one wish and its next steps ----------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    form: type[forms.Form]
    title: str | Promise
    button: str | Promise
    moves: tuple[str, ...]  # the table's moves this step may make (services.MOVES)
    call: Callable[[Any, Wish, dict[str, Any]], Wish]
    done: str | Promise


def _call_classify(actor: Any, wish: Wish, d: dict[str, Any]) -> Wish:
    return services.wish_classify(actor=actor, wish_id=wish.pk, category=d["category"])


def _call_resolve_on_spot(actor: Any, wish: Wish, d: dict[str, Any]) -> Wish:
    return services.wish_resolve_on_spot(actor=actor, wish_id=wish.pk, result=d["result"],
                                         category=d["category"], feedback=d["feedback"])


def _call_assign(actor: Any, wish: Wish, d: dict[str, Any]) -> Wish:
    department = d["department"]
    return services.wish_assign(
        actor=actor, wish_id=wish.pk, department_id=department.pk if department else None,
        responsible_person=d["responsible_person"], responsible_phone=d["responsible_phone"])


def _call_start(actor: Any, wish: Wish, d: dict[str, Any]) -> Wish:
    return services.wish_start(actor=actor, wish_id=wish.pk)


def _call_resolve(actor: Any, wish: Wish, d: dict[str, Any]) -> Wish:
    return services.wish_resolve(actor=actor, wish_id=wish.pk, result=d["result"])


def _call_feedback(actor: Any, wish: Wish, d: dict[str, Any]) -> Wish:
    return services.wish_feedback(actor=actor, wish_id=wish.pk, feedback=d["feedback"])


def _call_revisit(actor: Any, wish: Wish, d: dict[str, Any]) -> Wish:
    return services.wish_revisit(actor=actor, wish_id=wish.pk, satisfaction=d["satisfaction"],
                                 note=d["revisit_note"])


def _call_close(actor: Any, wish: Wish, d: dict[str, Any]) -> Wish:
    return services.wish_close(actor=actor, wish_id=wish.pk)


ACTIONS: dict[str, Action] = {
    "classify": Action(ClassifyForm, gettext_lazy("分类"), gettext_lazy("保存分类"), ("classify",),
                       _call_classify,
                       gettext_lazy("已分类")),
    "resolve_on_spot": Action(ResolveOnSpotForm, gettext_lazy("当场解决"), gettext_lazy("登记当场解决"),
                              ("resolve_on_spot",), _call_resolve_on_spot, gettext_lazy("已登记当场解决")),
    "assign": Action(AssignForm, gettext_lazy("交办"), gettext_lazy("交办"), ("assign",), _call_assign,
                     gettext_lazy("已交办，办理期限已按工作日计算")),
    "start": Action(StartForm, gettext_lazy("开始办理"), gettext_lazy("开始办理"), ("start",), _call_start,
                    gettext_lazy("已开始办理")),
    "resolve": Action(ResolveForm, gettext_lazy("办理结果"), gettext_lazy("登记办理结果"), ("resolve",),
                      _call_resolve,
                      gettext_lazy("已登记办理结果，请向群众反馈")),
    "feedback": Action(FeedbackForm, gettext_lazy("向群众反馈"), gettext_lazy("登记反馈"),
                       ("feedback", "feedback_on_spot"), _call_feedback, gettext_lazy("已登记反馈，待回访")),
    "revisit": Action(RevisitForm, gettext_lazy("回访"), gettext_lazy("登记回访"), ("revisit", "reopen"),
                      _call_revisit,
                      gettext_lazy("已登记回访")),
    "close": Action(CloseForm, gettext_lazy("销号办结"), gettext_lazy("销号办结"), ("close",), _call_close,
                    gettext_lazy("已销号办结")),
}


def _allowed(wish: Wish, user: Any) -> list[str]:
    return [name for name, a in ACTIONS.items()
            if any(services.may_move(wish, m, user) for m in a.moves)]


def _render_detail(request: HttpRequest, wish: Wish, bound: tuple[str, forms.Form] | None = None,
                   status: int = 200) -> HttpResponse:
    """The page, with `bound` (an action form that failed) in place of its empty twin."""
    actions = []
    for name in _allowed(wish, request.user):
        action = ACTIONS[name]
        form = bound[1] if bound and bound[0] == name else action.form()
        actions.append({"name": name, "title": action.title, "button": action.button,
                        "form": form})
    return render(request, "outreach/wishes/wish_detail.html", {
        "wish": wish, "actions": actions, "timeline": selectors.wish_timeline(wish),
        "overdue": selectors.is_overdue(wish, timezone.localdate()),
    }, status=status)


@require_GET
def wish_detail(request: HttpRequest, wish_id: int) -> HttpResponse:
    return _render_detail(request, selectors.wish_get(request.user, wish_id))


@require_POST
def wish_action(request: HttpRequest, wish_id: int, action: str) -> HttpResponse:
    wish = selectors.wish_get(request.user, wish_id)  # 404 first: not-yours looks like missing
    step = ACTIONS.get(action)
    if step is None:
        raise Http404
    form = step.form(request.POST)
    status = 400
    if form.is_valid():
        try:
            step.call(request.user, wish, form.cleaned_data)
        except ApplicationError as exc:
            if exc.field is None:
                # Not this step now (another user moved the wish on) or not this role: say why;
                # the page then offers only the steps that are open.
                messages.error(request, exc.message)
                return _render_detail(request, wish, status=exc.status)
            attach_error(form, exc)
            status = exc.status
        else:
            messages.success(request, str(step.done))
            return redirect("wishes:wish_detail", wish_id=wish.pk)
    messages.error(request, _("未保存，请按提示修改后重新提交"))
    return _render_detail(request, wish, bound=(action, form), status=status)
