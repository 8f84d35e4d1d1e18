"""Tickets API: the scoped list, intake by the county hotline, and one ticket with its steps.

The caller's name and phone follow the pages' rule: a list masks every caller; the detail shows
them in full only to the handling side (the county hotline, the township the ticket is
dispatched to), and that view is logged.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from audit.services import record_access_log
from jiuzhu.paging import CachedCountPaginator

from . import selectors, services, sla
from .models import Ticket

router = Router(tags=["tickets"])
PAGE_SIZE = 50


class TicketItemOut(Schema):
    id: int
    number: str
    channel: str
    external_number: str
    topic: str
    urgency: str
    subject: str
    state: str
    region_code: str
    region_name: str
    department: str | None
    caller_name: str
    caller_phone: str
    caller_full: bool
    received_at: datetime
    due_at: datetime
    due_provisional: bool
    replied_at: datetime | None
    overdue: bool
    breached: bool
    supervision_count: int
    reopen_count: int


class StepOut(Schema):
    kind: str
    at: datetime
    actor: str | None
    note: str


class TicketOut(TicketItemOut):
    content: str
    household_id: int | None
    dispatched_at: datetime | None
    reply: str
    closed_at: datetime | None
    revisited_at: datetime | None
    rating: str
    rated_at: datetime | None
    steps: list[StepOut]


class TicketPage(Schema):
    count: int
    page: int
    pages: int
    items: list[TicketItemOut]


def _item(t: Ticket, caller: selectors.Caller, now: datetime) -> dict[str, Any]:
    return {
        "id": t.pk, "number": t.number, "channel": t.channel,
        "external_number": t.external_number, "topic": t.topic, "urgency": t.urgency,
        "subject": t.subject, "state": t.state, "region_code": t.region_id,
        "region_name": t.region.name, "department": t.department.name if t.department else None,
        "caller_name": caller.name, "caller_phone": caller.phone, "caller_full": caller.full,
        "received_at": t.received_at, "due_at": t.due_at, "due_provisional": t.due_provisional,
        "replied_at": t.replied_at, "overdue": sla.is_overdue(t, now),
        "breached": sla.is_breached(t, now), "supervision_count": t.supervision_count,
        "reopen_count": t.reopen_count,
    }


def _detail(request: HttpRequest, ticket: Ticket) -> TicketOut:
    caller = selectors.caller_for(request.user, ticket)
    return TicketOut(
        **_item(ticket, caller, timezone.now()), content=ticket.content,
        household_id=ticket.household_id, dispatched_at=ticket.dispatched_at,
        reply=ticket.reply, closed_at=ticket.closed_at, revisited_at=ticket.revisited_at,
        rating=ticket.rating, rated_at=ticket.rated_at,
        steps=[StepOut(kind=s.kind, at=s.at, note=s.note,
                       actor=s.actor.display_name if s.actor else None)
               for s in selectors.ticket_steps(ticket)])


class TicketQuery(Schema):
    state: str = ""
    channel: str = ""
    topic: str = ""
    urgency: str = ""
    township: str = ""
    sla: str = ""
    received_from: date | None = None
    received_to: date | None = None
    page: int = 1


@router.get("/tickets", response=TicketPage, url_name="ticket_list")
def ticket_list(request: HttpRequest, filters: Query[TicketQuery]) -> TicketPage:
    now = timezone.now()
    qs = selectors.ticket_list(request.user, selectors.TicketFilter(
        state=filters.state, channel=filters.channel, topic=filters.topic,
        urgency=filters.urgency, township=filters.township, sla=filters.sla,
        received_from=filters.received_from, received_to=filters.received_to), now)
    paginator = CachedCountPaginator(qs, PAGE_SIZE)
    page = paginator.get_page(filters.page)
    return TicketPage(
        count=paginator.count, page=page.number, pages=paginator.num_pages,
        items=[TicketItemOut(**_item(t, selectors.masked_caller(t), now))
               for t in page.object_list])


class TicketIn(Schema):
    channel: str
    topic: str
    urgency: str
    subject: str
    content: str
    caller_name: str = ""
    caller_phone: str = ""
    external_number: str = ""
    external_due: datetime | None = None
    household_id: int | None = None
    township_code: str = ""
    department_id: int | None = None


@router.post("/tickets", response={201: TicketOut}, url_name="ticket_create")
def ticket_create(request: HttpRequest, payload: TicketIn) -> Status[TicketOut]:
    data = payload.dict()
    due = data["external_due"]
    if due is not None and timezone.is_naive(due):
        data["external_due"] = timezone.make_aware(due)  # local time, as the centre states it
    ticket = services.ticket_receive(actor=request.user, data=services.TicketInput(**data))
    return Status(201, _detail(request, selectors.ticket_get(request.user, ticket.pk)))


@router.get("/tickets/{ticket_id}", response=TicketOut, url_name="ticket_detail")
def ticket_detail(request: HttpRequest, ticket_id: int) -> TicketOut:
    ticket = selectors.ticket_get(request.user, ticket_id)
    out = _detail(request, ticket)
    if out.caller_full and (ticket.caller_phone or ticket.caller_name):
        record_access_log(user=request.user, obj=ticket, channel="api")
    return out
