"""Ticket pages: intake, the list, the detail with its timeline and the moves open to the user,
and a 微心愿 from the call. Views parse input, call one service or selector, and render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import COUNTY_ONLY
from audit.services import record_access_log
from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from jiuzhu.paging import CachedCountPaginator
from regions.selectors import townships_for_user

from . import selectors, services
from .forms import DispatchForm, NoteForm, RateForm, ReplyForm, TicketCreateForm, WishForm
from .models import Channel, Ticket, TicketState, Topic, Urgency
from .workflow import MOVE_BY_ACTION, available_moves, on_handling_side

NOTE_LABELS = {"accept": gettext_lazy("签收说明"), "supervise": gettext_lazy("督办意见"),
               "close": gettext_lazy("办结说明"), "revisit": gettext_lazy("回访情况")}


def _partial(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))


def _date(raw: str) -> date | None:
    try:
        return parse_date(raw)
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30
        return None


def _can_create(user: Any) -> bool:
    """Whether to offer the intake button; the route map enforces it (jiuzhu.access)."""
    return bool(user.has_role(COUNTY_ONLY))


# -- list -----------------------------------------------------------------------------------------

@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    filters = selectors.TicketFilter(
        state=g.get("state", ""), channel=g.get("channel", ""), topic=g.get("topic", ""),
        urgency=g.get("urgency", ""), township=g.get("township", ""), sla=g.get("sla", ""),
        received_from=_date(g.get("received_from", "")),
        received_to=_date(g.get("received_to", "")))
    now = timezone.now()
    page = CachedCountPaginator(selectors.ticket_list(request.user, filters, now),
                                settings.PAGE_SIZE).get_page(g.get("page"))
    query = urlencode([(k, v) for k, v in g.items() if k != "page" and v])
    context = {
        "page_obj": page, "filters": filters, "query": f"{query}&" if query else "",
        "rows": [(t, selectors.sla_status(t, now)) for t in page.object_list],
        "states": TicketState.choices, "channels": Channel.choices, "topics": Topic.choices,
        "urgencies": Urgency.choices, "sla_filters": selectors.SLA_FILTERS,
        "townships": townships_for_user(request.user),
        "can_create": _can_create(request.user),
    }
    template = "tickets/_ticket_table.html" if _partial(request) else "tickets/ticket_list.html"
    return render(request, template, context)


# -- intake ---------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def ticket_create(request: HttpRequest) -> HttpResponse:
    form = TicketCreateForm(request.POST or None, user=request.user,
                            initial={"household": request.GET.get("household", "")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            ticket = services.ticket_receive(actor=request.user, data=services.TicketInput(
                channel=d["channel"], topic=d["topic"], urgency=d["urgency"],
                subject=d["subject"], content=d["content"], caller_name=d["caller_name"],
                caller_phone=d["caller_phone"], external_number=d["external_number"],
                external_due=d["external_due"], household_id=d["household"],
                township_code=d["township"],
                department_id=int(d["department"]) if d["department"] else None))
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已受理，工单编号 %(n)s") % {"n": ticket.number})
            return redirect("tickets:ticket_detail", ticket_id=ticket.pk)
    return render(request, "tickets/ticket_form.html", {"form": form})


# -- detail and moves -----------------------------------------------------------------------------

def _move_form(action: str, user: Any, data: Any = None) -> forms.Form:
    # Several forms share one page: distinct ids keep each label bound to its own field.
    auto_id = f"id_{action}_%s"
    if action == "dispatch":
        return DispatchForm(data, user=user, auto_id=auto_id)
    if action == "reply":
        return ReplyForm(data, auto_id=auto_id)
    if action == "rate":
        return RateForm(data, auto_id=auto_id)
    return NoteForm(data, label=NOTE_LABELS[action], auto_id=auto_id)


def _wish_form(user: Any, ticket: Ticket, data: Any = None) -> WishForm:
    household = ticket.household
    return WishForm(data, user=user, auto_id="id_wish_%s", initial={
        "village": household.village_id if household else "",
        "household": household.pk if household else None,
        "person_name": ticket.caller_name, "content": ticket.content})


def _render_detail(request: HttpRequest, ticket: Ticket, *, bound_action: str = "",
                   bound: forms.Form | None = None) -> HttpResponse:
    user = request.user
    now = timezone.now()
    caller = selectors.caller_for(user, ticket)
    if caller.full and (ticket.caller_phone or ticket.caller_name):
        record_access_log(user=user, obj=ticket)
    can_wish = on_handling_side(user, ticket)
    wish_form = None
    if can_wish:
        wish_form = bound if bound_action == "wish" else _wish_form(user, ticket)
    return render(request, "tickets/ticket_detail.html", {
        "ticket": ticket, "caller": caller, "status": selectors.sla_status(ticket, now),
        "steps": selectors.ticket_steps(ticket),
        "moves": [(m, bound if m.action == bound_action else _move_form(m.action, user))
                  for m in available_moves(ticket, user, now)],
        "wish_form": wish_form, "wishes": ticket.wishes.order_by("-id"),
    })


@require_GET
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _render_detail(request, selectors.ticket_get(request.user, ticket_id))


def _department_id(raw: str) -> int | None:
    return int(raw) if raw else None


MOVE_CALLS: dict[str, Callable[[Any, int, dict[str, Any]], Ticket]] = {
    "dispatch": lambda u, pk, d: services.ticket_dispatch(
        actor=u, ticket_id=pk, township_code=d["township"],
        department_id=_department_id(d["department"]), note=d["note"]),
    "accept": lambda u, pk, d: services.ticket_accept(actor=u, ticket_id=pk, note=d["note"]),
    "reply": lambda u, pk, d: services.ticket_reply(actor=u, ticket_id=pk, reply=d["reply"]),
    "supervise": lambda u, pk, d: services.ticket_supervise(actor=u, ticket_id=pk,
                                                            note=d["note"]),
    "close": lambda u, pk, d: services.ticket_close(actor=u, ticket_id=pk, note=d["note"]),
    "revisit": lambda u, pk, d: services.ticket_revisit(actor=u, ticket_id=pk, note=d["note"]),
    "rate": lambda u, pk, d: services.ticket_rate(actor=u, ticket_id=pk, rating=d["rating"],
                                                  note=d["note"]),
}


@require_POST
def ticket_move(request: HttpRequest, ticket_id: int, action: str) -> HttpResponse:
    ticket = selectors.ticket_get(request.user, ticket_id)
    if action not in MOVE_CALLS:
        raise Http404
    form = _move_form(action, request.user, request.POST)
    if form.is_valid():
        try:
            ticket = MOVE_CALLS[action](request.user, ticket.pk, form.cleaned_data)
        except ApplicationError as exc:
            attach_error(form, exc)
            # A refusal that no field explains (wrong state, wrong role) is said at the top.
            messages.error(request, exc.message if exc.field is None
                           else _("未保存，请按提示修改后重新提交"))
        else:
            messages.success(request, _("%(action)s：已保存，工单当前“%(state)s”") % {
                "action": MOVE_BY_ACTION[action].label,
                "state": TicketState(ticket.state).label})
            return redirect("tickets:ticket_detail", ticket_id=ticket.pk)
    else:
        messages.error(request, _("未保存，请按提示修改后重新提交"))
    return _render_detail(request, ticket, bound_action=action, bound=form)


@require_POST
def wish_create(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_get(request.user, ticket_id)
    form = WishForm(request.POST, user=request.user, auto_id="id_wish_%s")
    if form.is_valid():
        d = form.cleaned_data
        try:
            wish = services.ticket_wish_create(
                actor=request.user, ticket_id=ticket.pk, village_code=d["village"],
                person_name=d["person_name"], content=d["content"], category=d["category"],
                household_id=d["household"])
        except ApplicationError as exc:
            attach_error(form, exc)
            messages.error(request, exc.message if exc.field is None
                           else _("未保存，请按提示修改后重新提交"))
        else:
            messages.success(request, _("已登记微心愿 %(n)s") % {"n": wish.number})
            return redirect("tickets:ticket_detail", ticket_id=ticket.pk)
    else:
        messages.error(request, _("未保存，请按提示修改后重新提交"))
    return _render_detail(request, ticket, bound_action="wish", bound=form)
