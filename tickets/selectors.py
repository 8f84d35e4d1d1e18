"""Ticket reads, always through regions.scoping: the county reads its county's tickets, a
township the tickets dispatched to it, a department liaison those sent to its department."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from regions.scoping import scope as region_scope
from regions.scoping import scoped_get_or_404
from registry.masking import mask_name, mask_phone

from . import sla
from .models import Ticket, TicketStep
from .workflow import on_handling_side

# Filter values of the SLA column; "month" is what the dashboard tile counts.
SLA_FILTERS = [
    ("overdue", _("超时未答复")),
    ("breached", _("超时（含超时答复）")),
    ("month", _("超时未答复及本月超时答复")),
]
TILE_ROLES = frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR})


def _department_only(user: Any, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    if not user.is_superuser and getattr(user, "role", None) == Role.LIAISON:
        # A liaison sits at the county but reads only what its department was asked to handle.
        if not user.department:
            return queryset.none()
        return queryset.filter(department__name=user.department)
    return queryset


def scope(user: Any, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return region_scope(user, _department_only(user, queryset))


@dataclass(frozen=True)
class TicketFilter:
    state: str = ""
    channel: str = ""
    topic: str = ""
    urgency: str = ""
    township: str = ""
    sla: str = ""
    received_from: date | None = None
    received_to: date | None = None


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def sla_q(value: str, now: datetime) -> Q | None:
    if value == "overdue":
        return sla.overdue_q(now)
    if value == "breached":
        return sla.breached_q(now)
    if value == "month":
        return sla.overdue_q(now) | (sla.replied_late_q()
                                     & Q(replied_at__gte=sla.month_start(now)))
    return None


def ticket_list(user: Any, f: TicketFilter, now: datetime) -> QuerySet[Ticket]:
    qs = scope(user, Ticket.objects.all())
    for name in ("state", "channel", "topic", "urgency"):
        if getattr(f, name):
            qs = qs.filter(**{name: getattr(f, name)})
    if f.township:
        qs = qs.filter(region_id=f.township)
    condition = sla_q(f.sla, now)
    if condition is not None:
        qs = qs.filter(condition)
    if f.received_from:
        qs = qs.filter(received_at__gte=_local_midnight(f.received_from))
    if f.received_to:
        qs = qs.filter(received_at__lt=_local_midnight(f.received_to + timedelta(days=1)))
    return qs.select_related("region", "department").order_by("-received_at", "-id")


def ticket_get(user: Any, ticket_id: int) -> Ticket:
    """The ticket if the user may read it; 404 for one that is missing or not theirs."""
    return scoped_get_or_404(
        user, _department_only(user, Ticket.objects.select_related(
            "region", "department", "household__village", "received_by")), pk=ticket_id)


def ticket_steps(ticket: Ticket) -> QuerySet[TicketStep]:
    return ticket.steps.select_related("actor").order_by("at", "id")


@dataclass(frozen=True)
class Caller:
    name: str
    phone: str
    full: bool


def caller_for(user: Any, ticket: Ticket) -> Caller:
    """domain.md §7, issue 7: the caller is private to the handling side."""
    if on_handling_side(user, ticket):
        return Caller(ticket.caller_name, ticket.caller_phone, True)
    return Caller(mask_name(ticket.caller_name), mask_phone(ticket.caller_phone), False)


def masked_caller(ticket: Ticket) -> Caller:
    """Lists show every caller masked: the full phone is on the detail, where its view is logged."""
    return Caller(mask_name(ticket.caller_name), mask_phone(ticket.caller_phone), False)


@dataclass(frozen=True)
class SlaStatus:
    label: str | Promise
    warn: bool


def sla_status(ticket: Ticket, now: datetime) -> SlaStatus:
    if sla.is_overdue(ticket, now):
        return SlaStatus(_("超时未答复"), True)
    if sla.replied_late(ticket):
        return SlaStatus(_("超时答复"), True)
    if ticket.replied_at is not None:
        return SlaStatus(_("按时答复"), False)
    return SlaStatus(_("办理中"), False)


def breach_count(user: Any, now: datetime) -> int:
    condition = sla_q("month", now)
    assert condition is not None
    return scope(user, Ticket.objects.all()).filter(condition).count()


def dashboard_tiles(user: Any) -> list[dict[str, Any]]:
    """SLA breaches in the user's region: open and overdue now, plus replied late this month."""
    if not (user.is_superuser or getattr(user, "role", None) in TILE_ROLES):
        return []
    n = breach_count(user, timezone.now())
    return [{"id": "tickets-breach-stat", "n": n, "label": _("热线工单超时（件）"),
             "url": reverse("tickets:ticket_list") + "?sla=month", "warn": n > 0}]
