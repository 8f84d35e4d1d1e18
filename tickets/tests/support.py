"""Drive tickets through their stages with the real services, as the right personas would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from demo.reference import TOWNSHIP_A
from jiuzhu.testing.cases import staff
from tickets import services
from tickets.models import Ticket
from tickets.services import TicketInput

PHONE = "13912345678"
MASKED_PHONE = "139****5678"


def call(**fields: Any) -> Ticket:
    """A general help call taken by the county hotline."""
    data: dict[str, Any] = {"channel": "county", "topic": "help", "urgency": "general",
                            "subject": "家中老人无人照料", "content": "独居老人行动不便，请求帮助。",
                            "caller_name": "王秀兰", "caller_phone": PHONE}
    data.update(fields)
    return services.ticket_receive(actor=staff("county_admin"), data=TicketInput(**data))


def dispatched(township: str = TOWNSHIP_A, **fields: Any) -> Ticket:
    return call(township_code=township, **fields)


def handling(**fields: Any) -> Ticket:
    ticket = dispatched(**fields)
    return services.ticket_accept(actor=staff("clerk_a"), ticket_id=ticket.pk)


def replied(**fields: Any) -> Ticket:
    ticket = handling(**fields)
    return services.ticket_reply(actor=staff("reviewer_a"), ticket_id=ticket.pk,
                                 reply="已联系村委会安排照料。")


def closed(**fields: Any) -> Ticket:
    ticket = replied(**fields)
    return services.ticket_close(actor=staff("county_admin"), ticket_id=ticket.pk)


def revisited(**fields: Any) -> Ticket:
    ticket = closed(**fields)
    return services.ticket_revisit(actor=staff("county_admin"), ticket_id=ticket.pk,
                                   note="来电人表示已有人照料")


def make_overdue(ticket: Ticket, hours: int = 1) -> Ticket:
    """As if the clock had run out `hours` ago (received two days before that)."""
    due = timezone.now() - timedelta(hours=hours)
    Ticket.objects.filter(pk=ticket.pk).update(received_at=due - timedelta(days=2), due_at=due)
    ticket.refresh_from_db()
    return ticket


def snapshot(ticket: Ticket) -> tuple[Any, ...]:
    """What a refused move must leave unchanged."""
    ticket = Ticket.objects.get(pk=ticket.pk)
    return (ticket.state, ticket.region_id, ticket.department_id, ticket.due_at, ticket.reply,
            ticket.replied_at, ticket.supervision_count, ticket.reopen_count, ticket.rating,
            ticket.steps.count())
