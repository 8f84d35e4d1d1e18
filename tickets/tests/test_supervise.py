"""The scheduled 督办: set-based, once per working day, only for overdue unreplied tickets."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from jiuzhu.testing.cases import staff
from tickets import services
from tickets.models import StepKind, Ticket, TicketStep
from tickets.services import last_working_day_start, tickets_supervise_overdue
from tickets.tests.support import call, dispatched, handling, make_overdue, replied

pytestmark = pytest.mark.django_db


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return timezone.make_aware(datetime(y, m, d, hh, mm))


def auto_steps(ticket: Ticket) -> int:
    return ticket.steps.filter(kind=StepKind.SUPERVISE, actor__isnull=True).count()


def test_only_overdue_unreplied_tickets_are_supervised(county_admin: Any) -> None:
    late_open = [make_overdue(call()), make_overdue(dispatched()), make_overdue(handling())]
    running = dispatched()
    late_reply = make_overdue(handling())
    services.ticket_reply(actor=staff("clerk_a"), ticket_id=late_reply.pk, reply="迟复")
    on_time = replied()
    out = StringIO()
    call_command("supervise_tickets", stdout=out)
    assert out.getvalue().strip() == "已自动督办超时工单 3 件"
    for ticket in late_open:
        ticket.refresh_from_db()
        assert ticket.supervision_count == 1 and auto_steps(ticket) == 1
        assert AuditEvent.objects.filter(action="tickets.ticket_supervise", actor__isnull=True,
                                         object_id=str(ticket.pk)).count() == 1
    for ticket in (running, late_reply, on_time):
        ticket.refresh_from_db()
        assert ticket.supervision_count == 0 and auto_steps(ticket) == 0


def test_a_second_run_on_the_same_working_day_adds_nothing(county_admin: Any) -> None:
    ticket = make_overdue(dispatched())
    now = timezone.now()
    assert tickets_supervise_overdue(now=now) == 1
    assert tickets_supervise_overdue(now=now + timedelta(minutes=30)) == 0
    ticket.refresh_from_db()
    assert ticket.supervision_count == 1 and auto_steps(ticket) == 1


def test_a_supervision_by_hand_today_counts(county_admin: Any) -> None:
    ticket = make_overdue(dispatched())
    services.ticket_supervise(actor=county_admin, ticket_id=ticket.pk, note="已电话督办")
    assert tickets_supervise_overdue(now=timezone.now()) == 0
    assert Ticket.objects.get(pk=ticket.pk).supervision_count == 1


def test_it_presses_again_on_the_next_working_day_not_on_the_weekend(county_admin: Any) -> None:
    ticket = dispatched()
    Ticket.objects.filter(pk=ticket.pk).update(received_at=local(2026, 3, 2, 9),
                                               due_at=local(2026, 3, 6, 23, 59))
    assert tickets_supervise_overdue(now=local(2026, 3, 13, 8, 30)) == 1  # Friday
    assert tickets_supervise_overdue(now=local(2026, 3, 14, 8, 30)) == 0  # Saturday
    assert tickets_supervise_overdue(now=local(2026, 3, 15, 8, 30)) == 0  # Sunday
    assert tickets_supervise_overdue(now=local(2026, 3, 16, 8, 30)) == 1  # Monday
    assert Ticket.objects.get(pk=ticket.pk).supervision_count == 2


def test_the_last_working_day_respects_holidays_and_tiaoxiu() -> None:
    assert last_working_day_start(local(2026, 3, 16, 8)) == local(2026, 3, 16)
    assert last_working_day_start(local(2026, 3, 15, 8)) == local(2026, 3, 13)
    # Spring Festival 2026: 02-15 – 02-23 off; Sat 02-14 was a 调休 working day.
    assert last_working_day_start(local(2026, 2, 20, 10)) == local(2026, 2, 14)
    assert last_working_day_start(local(2026, 2, 14, 23, 59)) == local(2026, 2, 14)


def test_the_run_is_set_based(county_admin: Any) -> None:
    """The same number of queries for one overdue ticket as for six."""
    def run_with(n: int) -> int:
        TicketStep.objects.filter(kind=StepKind.SUPERVISE).delete()
        Ticket.objects.update(supervision_count=0)
        for _i in range(n - Ticket.objects.count()):
            make_overdue(dispatched())
        with CaptureQueriesContext(connection) as queries:
            assert tickets_supervise_overdue(now=timezone.now()) == n
        return len(queries)

    assert run_with(1) == run_with(6)
