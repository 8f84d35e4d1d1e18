"""Ledger pages: the 清单 ledger and its Excel export, the weekly warning list, one item with its
evidence, timeline and next steps, and the risk register. Views parse input, call one service
or selector, render."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from jiuzhu.paging import CachedCountPaginator
from regions.selectors import townships_for_user

from . import ledger_export as export
from .ledger_forms import (
    AssignForm,
    CloseForm,
    EvidenceForm,
    ItemCreateForm,
    LedgerFilterForm,
    RiskCloseForm,
    RiskCreateForm,
    RiskEditForm,
    RiskFilterForm,
    RiskStartForm,
    SendBackForm,
    StartForm,
    SubmitForm,
)
from .models import ItemSource, ItemState, LedgerItem, ListKind, Risk, RiskLevel, RiskState
from .selectors import ledgers as selectors
from .services import ledgers as services
from .services import risks as risk_services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_CHUNK = 1000


def _query_string(request: HttpRequest) -> str:
    query = "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page" and v)
    return f"{query}&" if query else ""


def _partial(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))


def _region_label(request: HttpRequest) -> tuple[str, str]:
    region = getattr(request.user, "region", None)
    return (region.full_name() if region else _("全部区域")), (region.code if region else "")


# -- the ledger ---------------------------------------------------------------------------------

@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    filters = LedgerFilterForm(request.GET).ledger_filter()
    today = timezone.localdate()
    try:
        items = selectors.item_list(request.user, filters, today)
    except ApplicationError as exc:  # the warning window's parameter is not set
        messages.error(request, exc.message)
        items = LedgerItem.objects.none()
    page = CachedCountPaginator(items, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page, "filters": filters, "query": _query_string(request),
        "kinds": ListKind.choices, "sources": ItemSource.choices, "states": ItemState.choices,
        "townships": townships_for_user(request.user),
        "can_create": selectors.may_use(request.user, "ledgers:item_create"),
    }
    template = ("supervision/ledgers/_item_table.html" if _partial(request)
                else "supervision/ledgers/item_list.html")
    return render(request, template, context)


def _xlsx_response(write: Callable[[Any], None], name: str) -> FileResponse:
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    write(out)
    out.seek(0)
    response = FileResponse(out, as_attachment=True, content_type=XLSX, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def item_export(request: HttpRequest) -> HttpResponseBase:
    """The ledger with the page's filters, all pages, as .xlsx (streamed from a temp file)."""
    filters = LedgerFilterForm(request.GET).ledger_filter()
    today = timezone.localdate()
    try:
        items = selectors.item_list(request.user, filters, today)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("ledgers:item_list")
    region_name, region_code = _region_label(request)
    title = _("%(region)s问题清单台账（%(day)s导出）") % {
        "region": region_name, "day": f"{today:%Y-%m-%d}"}
    return _xlsx_response(
        lambda out: export.ledger_xlsx(items.iterator(chunk_size=EXPORT_CHUNK), title=title,
                                       out=out),
        export.file_name(region_code, today, weekly=filters.warning))


@require_GET
def weekly(request: HttpRequest) -> HttpResponse:
    """The 预警提醒单 of the user's region: overdue and due-soon items by region."""
    today = timezone.localdate()
    try:
        groups = selectors.weekly_for_user(request.user, today)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        groups = []
    return render(request, "supervision/ledgers/weekly.html", {
        "groups": groups, "today": today,
        "n_overdue": sum(len(g.overdue) for g in groups),
        "n_due_soon": sum(len(g.due_soon) for g in groups),
    })


@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest) -> HttpResponse:
    form = ItemCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            item = services.ledger_item_create(
                actor=request.user, list_kind=d["list_kind"], source=d["source"],
                region_code=d["region"], title=d["title"], description=d["description"],
                ticket_id=d["ticket"].pk if d["ticket"] else None)
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已登记清单事项 %(n)s") % {"n": item.number})
            return redirect("ledgers:item_detail", item_id=item.pk)
    return render(request, "supervision/ledgers/item_form.html", {"form": form})


# -- one item and its next steps ----------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    form: type[forms.Form]
    title: str | Promise
    button: str | Promise
    call: Callable[[Any, LedgerItem, dict[str, Any]], LedgerItem]
    done: str | Promise


ACTIONS: dict[str, Action] = {
    "assign": Action(AssignForm, gettext_lazy("交办（落实责任人、整改措施、整改时限）"), gettext_lazy("交办"),
                     lambda actor, item, d: services.ledger_item_assign(
                         actor=actor, item_id=item.pk, responsible_unit=d["responsible_unit"],
                         responsible_person=d["responsible_person"], due_on=d["due_on"],
                         measures=d["measures"]), gettext_lazy("已交办")),
    "start": Action(StartForm, gettext_lazy("开始整改"), gettext_lazy("开始整改"),
                    lambda actor, item, d: services.ledger_item_start(
                        actor=actor, item_id=item.pk), gettext_lazy("已开始整改")),
    "submit": Action(SubmitForm, gettext_lazy("提交销号"), gettext_lazy("提交销号"),
                     lambda actor, item, d: services.ledger_item_submit(
                         actor=actor, item_id=item.pk, rectification=d["rectification"]),
                     gettext_lazy("已提交，等待审核销号")),
    "close": Action(CloseForm, gettext_lazy("审核销号"), gettext_lazy("同意销号"),
                    lambda actor, item, d: services.ledger_item_close(
                        actor=actor, item_id=item.pk, note=d["review_note"]), gettext_lazy("已销号")),
    "send_back": Action(SendBackForm, gettext_lazy("退回整改"), gettext_lazy("退回整改"),
                        lambda actor, item, d: services.ledger_item_send_back(
                            actor=actor, item_id=item.pk, note=d["review_note"]),
                        gettext_lazy("已退回整改")),
}


def _render_detail(request: HttpRequest, item: LedgerItem,
                   bound: tuple[str, forms.Form] | None = None, status: int = 200
                   ) -> HttpResponse:
    """The page, with `bound` (a form that failed) in place of its empty twin."""
    actions = []
    for name, action in ACTIONS.items():
        if services.may_move(item, name, request.user):
            form = bound[1] if bound and bound[0] == name else action.form()
            actions.append({"name": name, "title": action.title, "button": action.button,
                            "form": form})
    evidence_form = None
    if services.may_attach(item, request.user):
        evidence_form = bound[1] if bound and bound[0] == "evidence" else EvidenceForm()
    return render(request, "supervision/ledgers/item_detail.html", {
        "item": item, "actions": actions, "evidence_form": evidence_form,
        "evidence": item.evidence.select_related("uploaded_by").order_by("id"),
        "timeline": selectors.item_timeline(item),
        "overdue": selectors.is_overdue(item, timezone.localdate()),
    }, status=status)


@require_GET
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    return _render_detail(request, selectors.item_get(request.user, item_id))


def _failed(request: HttpRequest, item: LedgerItem, name: str, form: forms.Form,
            exc: ApplicationError | None) -> HttpResponse:
    if exc is not None and exc.field is None:
        # Not this step now (another user moved the item on) or not this role: say why; the
        # page then offers only the steps that are open.
        messages.error(request, exc.message)
        return _render_detail(request, item, status=exc.status)
    if exc is not None:
        attach_error(form, exc)
    messages.error(request, _("未保存，请按提示修改后重新提交"))
    return _render_detail(request, item, bound=(name, form),
                          status=exc.status if exc else 400)


@require_POST
def item_action(request: HttpRequest, item_id: int, action: str) -> HttpResponse:
    item = selectors.item_get(request.user, item_id)  # 404 first: not-yours looks like missing
    step = ACTIONS.get(action)
    if step is None:
        raise Http404
    form = step.form(request.POST)
    if not form.is_valid():
        return _failed(request, item, action, form, None)
    try:
        step.call(request.user, item, form.cleaned_data)
    except ApplicationError as exc:
        return _failed(request, item, action, form, exc)
    messages.success(request, str(step.done))
    return redirect("ledgers:item_detail", item_id=item.pk)


@require_POST
def evidence_upload(request: HttpRequest, item_id: int) -> HttpResponse:
    item = selectors.item_get(request.user, item_id)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _failed(request, item, "evidence", form, None)
    try:
        services.ledger_evidence_attach(actor=request.user, item_id=item.pk,
                                        upload=form.cleaned_data["file"],
                                        description=form.cleaned_data["description"])
    except ApplicationError as exc:
        return _failed(request, item, "evidence", form, exc)
    messages.success(request, _("佐证材料已上传"))
    return redirect("ledgers:item_detail", item_id=item.pk)


@require_GET
def evidence_download(request: HttpRequest, item_id: int, pk: int) -> FileResponse:
    evidence = selectors.evidence_get(request.user, item_id, pk)
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type,
                            filename=evidence.original_name)
    # Evidence may show people and their homes: never cached by the browser or a proxy.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# -- the risk register --------------------------------------------------------------------------

@require_GET
def risk_list(request: HttpRequest) -> HttpResponse:
    filters = RiskFilterForm(request.GET).risk_filter()
    risks = selectors.risk_list(request.user, filters, timezone.localdate())
    page = CachedCountPaginator(risks, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page, "filters": filters, "query": _query_string(request),
        "levels": RiskLevel.choices, "states": RiskState.choices,
        "townships": townships_for_user(request.user),
        "can_create": selectors.may_use(request.user, "ledgers:risk_create"),
    }
    template = ("supervision/ledgers/_risk_table.html" if _partial(request)
                else "supervision/ledgers/risk_list.html")
    return render(request, template, context)


def _risk_input(d: dict[str, Any]) -> risk_services.RiskInput:
    return risk_services.RiskInput(
        title=d["title"], level=d["level"], owner=d["owner"], description=d["description"],
        mitigations=d["mitigations"], review_on=d["review_on"])


@require_http_methods(["GET", "POST"])
def risk_create(request: HttpRequest) -> HttpResponse:
    form = RiskCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            risk = risk_services.risk_create(actor=request.user,
                                             region_code=form.cleaned_data["region"],
                                             data=_risk_input(form.cleaned_data))
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已登记风险隐患"))
            return redirect("ledgers:risk_detail", risk_id=risk.pk)
    return render(request, "supervision/ledgers/risk_form.html",
                  {"form": form, "title": _("登记风险隐患")})


@require_http_methods(["GET", "POST"])
def risk_edit(request: HttpRequest, risk_id: int) -> HttpResponse:
    risk = selectors.risk_get(request.user, risk_id)
    if not risk_services.may_edit(risk, request.user):
        messages.error(request, _("已消除的风险隐患不能修改"))
        return redirect("ledgers:risk_detail", risk_id=risk.pk)
    initial = {f: getattr(risk, f) for f in RiskEditForm.base_fields}
    form = RiskEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            risk_services.risk_update(actor=request.user, risk_id=risk.pk,
                                      data=_risk_input(form.cleaned_data))
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("ledgers:risk_detail", risk_id=risk.pk)
    return render(request, "supervision/ledgers/risk_form.html",
                  {"form": form, "risk": risk, "title": _("修改风险隐患")})


RISK_ACTIONS: dict[str, tuple[type[forms.Form], str | Promise, str | Promise]] = {
    "start": (RiskStartForm, gettext_lazy("开始整改"), gettext_lazy("已开始整改")),
    "close": (RiskCloseForm, gettext_lazy("确认消除"), gettext_lazy("已确认消除")),
}


def _render_risk(request: HttpRequest, risk: Risk, bound: tuple[str, forms.Form] | None = None,
                 status: int = 200) -> HttpResponse:
    actions = [{"name": name, "button": button,
                "form": bound[1] if bound and bound[0] == name else form_class()}
               for name, (form_class, button, _done) in RISK_ACTIONS.items()
               if risk_services.may_move(risk, name, request.user)]
    return render(request, "supervision/ledgers/risk_detail.html", {
        "risk": risk, "actions": actions,
        "can_edit": risk_services.may_edit(risk, request.user),
        "review_due": bool(risk.state != RiskState.CLOSED and risk.review_on
                           and risk.review_on <= timezone.localdate()),
    }, status=status)


@require_GET
def risk_detail(request: HttpRequest, risk_id: int) -> HttpResponse:
    return _render_risk(request, selectors.risk_get(request.user, risk_id))


@require_POST
def risk_action(request: HttpRequest, risk_id: int, action: str) -> HttpResponse:
    risk = selectors.risk_get(request.user, risk_id)
    if action not in RISK_ACTIONS:
        raise Http404
    form_class, _button, done = RISK_ACTIONS[action]
    form = form_class(request.POST)
    status = 400
    if form.is_valid():
        try:
            if action == "start":
                risk_services.risk_start(actor=request.user, risk_id=risk.pk)
            else:
                risk_services.risk_close(actor=request.user, risk_id=risk.pk,
                                         note=form.cleaned_data["close_note"])
        except ApplicationError as exc:
            if exc.field is None:
                messages.error(request, exc.message)
                return _render_risk(request, risk, status=exc.status)
            attach_error(form, exc)
            status = exc.status
        else:
            messages.success(request, str(done))
            return redirect("ledgers:risk_detail", risk_id=risk.pk)
    messages.error(request, _("未保存，请按提示修改后重新提交"))
    return _render_risk(request, risk, bound=(action, form), status=status)
