"""救助赶大集 pages: the list, planning, the event page with its tallies, the stall's quick entry
form, and the county summary. Views parse input, call one service or selector, and render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jiuzhu.access import PUBLIC, permission_for
from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from jiuzhu.paging import CachedCountPaginator

from .event_forms import EntryForm, EventFilterForm, EventForm
from .models import EntryKind, OutreachEvent
from .selectors import events as selectors
from .services import events as services

# The "+1" buttons at the stall: kinds that need nothing but a tap.
QUICK_CHOICES = [(k.value, k.label)
                 for k in (EntryKind.CONSULTATION, EntryKind.OPINION, EntryKind.MATERIALS)]


def _may(user: Any, route: str) -> bool:
    """Whether to offer a link or button; the route map (jiuzhu.access) is the one source."""
    rule = permission_for(route)
    roles = rule.get("POST", frozenset()) if isinstance(rule, dict) else rule
    return bool(user.is_superuser or rule == PUBLIC or (roles and user.role in roles))


def _partial(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))


def _query(request: HttpRequest) -> str:
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    return f"{query}&" if query else ""


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.EventFilter(township=data.get("township") or "",
                                    date_from=data.get("date_from"), date_to=data.get("date_to"))
    page = CachedCountPaginator(selectors.event_list(request.user, filters), settings.PAGE_SIZE)
    page_obj = page.get_page(request.GET.get("page"))
    events = list(page_obj.object_list)
    totals = selectors.kind_totals([e.pk for e in events])
    context = {
        "form": form, "page_obj": page_obj, "query": _query(request),
        "rows": [(e, totals[e.pk]) for e in events],
        "can_create": _may(request.user, "events:event_create"),
    }
    template = "outreach/events/_event_table.html" if _partial(request) else \
        "outreach/events/event_list.html"
    return render(request, template, context)


def _event_input(form: EventForm) -> services.EventInput:
    data = form.cleaned_data
    return services.EventInput(
        title=data["title"], region_code=data["region"], place=data["place"],
        held_on=data["held_on"], staff_ids=[int(pk) for pk in data["staff"]],
        staff_note=data["staff_note"])


@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None, user=request.user,
                     initial={"title": _("救助赶大集 服务零距离"), "held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, data=_event_input(form))
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("活动已登记"))
            return redirect("events:event_detail", event_id=event.pk)
    return render(request, "outreach/events/event_form.html", {"form": form, "event": None})


@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, event_id: int) -> HttpResponse:
    event = selectors.event_get(request.user, event_id)
    if event.held_on <= timezone.localdate():
        messages.error(request, _("活动已经举办，不能再修改"))
        return redirect("events:event_detail", event_id=event.pk)
    initial = {"title": event.title, "region": event.region_id, "place": event.place,
               "held_on": event.held_on, "staff_note": event.staff_note,
               "staff": [str(u.pk) for u in selectors.event_staff(event)]}
    form = EventForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(actor=request.user, event=event, data=_event_input(form))
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("活动已修改"))
            return redirect("events:event_detail", event_id=event.pk)
    return render(request, "outreach/events/event_form.html", {"form": form, "event": event})


@require_GET
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = selectors.event_get(request.user, event_id)
    page_obj = Paginator(selectors.event_entries(event), settings.PAGE_SIZE).get_page(
        request.GET.get("page"))
    if _partial(request):  # htmx paging swaps only the entry log
        return render(request, "outreach/events/_entry_log.html",
                      {"event": event, "page_obj": page_obj})
    today = timezone.localdate()
    return render(request, "outreach/events/event_detail.html", {
        "event": event, "page_obj": page_obj, "staff": selectors.event_staff(event),
        "tallies": selectors.event_tallies(event),
        "applications": selectors.event_applications(request.user, event),
        "leads": selectors.event_leads(request.user, event),
        "wishes": selectors.event_wishes(request.user, event),
        "held": event.held_on <= today,
        "can_edit": event.held_on > today and _may(request.user, "events:event_edit"),
        "can_record": event.held_on <= today and _may(request.user, "events:entry_record"),
    })


def _record_context(request: HttpRequest, event: OutreachEvent, form: EntryForm,
                    selected: Any = None) -> dict[str, Any]:
    q = request.GET.get("q", "").strip()
    return {
        "event": event, "form": form, "tallies": selectors.event_tallies(event),
        "quick_kinds": QUICK_CHOICES,
        "open": event.held_on <= timezone.localdate(), "q": q,
        "matches": selectors.households_matching(request.user, q),
        "selected": selectors.household_matches([selected])[0] if selected else None,
        "can_start_case": _may(request.user, "cases:case_create"),
        "can_register": _may(request.user, "registry:household_create"),
    }


def _quick(request: HttpRequest, event: OutreachEvent, kind: str) -> HttpResponse:
    """A "+1" tap: one entry of count 1; htmx swaps the tallies (an refusal included: htmx
    swaps no 4xx answer), a plain post reloads the page."""
    error = ""
    try:
        services.entry_record(actor=request.user, event=event, kind=kind, count=1)
    except ApplicationError as exc:
        error = exc.message
    if _partial(request):
        return render(request, "outreach/events/_tallies.html", {
            "event": event, "tallies": selectors.event_tallies(event), "error": error,
            "done": "" if error else str(EntryKind(kind).label), "quick_kinds": QUICK_CHOICES,
            "open": event.held_on <= timezone.localdate()})
    if error:
        messages.error(request, error)
    return redirect("events:entry_record", event_id=event.pk)


@require_http_methods(["GET", "POST"])
def entry_record(request: HttpRequest, event_id: int) -> HttpResponse:
    event = selectors.event_get(request.user, event_id)
    if request.method == "POST" and request.POST.get("quick"):
        return _quick(request, event, request.POST["quick"])
    form = EntryForm(request.POST or None, user=request.user,
                     initial={"kind": EntryKind.CONSULTATION})
    selected = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            selected = selectors.household_for_entry(request.user, data["household"])
            wish = services.WishInput(
                content=data["wish_content"], person_name=data["wish_person_name"],
                village_code=data["wish_village"], category=data["wish_category"],
            ) if form.has_wish else None
            entry = services.entry_record(
                actor=request.user, event=event, kind=data["kind"], count=data["count"],
                note=data["note"], case=data["case"], household=selected, wish=wish)
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已记录：%(k)s %(n)s") % {
                "k": entry.get_kind_display(), "n": entry.count})
            return redirect("events:entry_record", event_id=event.pk)
    context = _record_context(request, event, form, selected)
    if request.method == "GET" and _partial(request):  # the household search
        return render(request, "outreach/events/_household_matches.html", context)
    return render(request, "outreach/events/entry_form.html", context)


@require_GET
def summary(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = EventFilterForm(request.GET or {"date_from": today.replace(month=1, day=1),
                                           "date_to": today}, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    rows, total = selectors.county_summary(request.user, data.get("date_from"),
                                           data.get("date_to"))
    return render(request, "outreach/events/summary.html", {
        "form": form, "rows": rows, "total": total,
        "kinds": [str(label) for _value, label in EntryKind.choices],
    })
