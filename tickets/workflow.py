"""The ticket state machine: one transition table, checked in one place (domain.md §12).

受理 received → 派单 dispatched → 办理 handling → 答复 replied → 办结 closed → 回访 revisited →
评价 rated. The county hotline may also keep a call and answer it itself (received → handling, or
received → replied for a question answered on the phone). 督办 changes no state: it is a step on
an overdue ticket. An unsatisfied rating reopens the ticket to handling with a new reply clock.

Each move names the states it leaves from, the state it reaches and the roles that may make it.
Preconditions that need input (a township to dispatch to, the reply text) are checked by the
service that makes the move, after `check`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from audit.services import audit_record
from jiuzhu.errors import ApplicationError
from regions.models import Level
from regions.scoping import region_in_scope

from .models import StepKind, Ticket, TicketState, TicketStep
from .sla import UNREPLIED, is_overdue

S = TicketState
COUNTY = Role.COUNTY_ADMIN
TOWNSHIP_STAFF = frozenset({Role.CLERK, Role.REVIEWER})
# Placeholder resolved per ticket: whoever holds the ticket answers it. That is the staff of the
# township it is dispatched to, or the county hotline while the ticket stays with the county
# (not dispatched, or dispatched to a partner department only).
HANDLER = "handler"


@dataclass(frozen=True)
class Move:
    action: str
    label: str | Promise
    sources: frozenset[str]
    target: str | None  # None: the state stays (督办)
    roles: frozenset[str]
    step: str
    manual: bool = True  # False: made by a service as the consequence of another move


def _m(action: str, label: Promise, sources: set[str] | frozenset[str], target: str | None,
       roles: set[str], step: str, manual: bool = True) -> Move:
    return Move(action, label, frozenset(sources), target, frozenset(roles), step, manual)


MOVES = [
    # Dispatching again before the township accepts corrects a wrong township.
    _m("dispatch", gettext_lazy("派单"), {S.RECEIVED, S.DISPATCHED}, S.DISPATCHED, {COUNTY},
       StepKind.DISPATCH),
    _m("accept", gettext_lazy("签收办理"), {S.RECEIVED, S.DISPATCHED}, S.HANDLING, {HANDLER},
       StepKind.ACCEPT),
    _m("reply", gettext_lazy("答复"), {S.RECEIVED, S.HANDLING}, S.REPLIED, {HANDLER},
       StepKind.REPLY),
    _m("supervise", gettext_lazy("督办"), UNREPLIED, None, {COUNTY}, StepKind.SUPERVISE),
    _m("close", gettext_lazy("办结"), {S.REPLIED}, S.CLOSED, {COUNTY}, StepKind.CLOSE),
    _m("revisit", gettext_lazy("回访"), {S.CLOSED}, S.REVISITED, {COUNTY}, StepKind.REVISIT),
    _m("rate", gettext_lazy("评价"), {S.REVISITED}, S.RATED, {COUNTY}, StepKind.RATE),
    # Made by `ticket_rate` when the caller is unsatisfied, never on its own.
    _m("reopen", gettext_lazy("重办"), {S.RATED}, S.HANDLING, {COUNTY}, StepKind.REOPEN,
       manual=False),
]
MOVE_BY_ACTION = {m.action: m for m in MOVES}


def handler_roles(ticket: Ticket) -> frozenset[str]:
    if ticket.region.level == Level.TOWNSHIP:
        return TOWNSHIP_STAFF
    return frozenset({COUNTY})


def roles_for(move: Move, ticket: Ticket) -> frozenset[str]:
    return handler_roles(ticket) if HANDLER in move.roles else move.roles


def refusal(ticket: Ticket, action: str, user: Any, now: datetime) -> ApplicationError | None:
    """Why `user` may not make `action` on `ticket` now, or None when they may."""
    move = MOVE_BY_ACTION[action]
    if ticket.state not in move.sources:
        return ApplicationError(
            _("工单当前“%(state)s”，不能“%(action)s”") % {
                "state": TicketState(ticket.state).label, "action": move.label},
            code="transition")
    if not region_in_scope(user, ticket.region_id):
        return ApplicationError(_("工单不在您的辖区内"), code="forbidden")
    if not (user.is_superuser or getattr(user, "role", None) in roles_for(move, ticket)):
        return ApplicationError(_("您的角色不能“%(action)s”") % {"action": move.label},
                                code="forbidden")
    if action == "supervise" and not is_overdue(ticket, now):
        return ApplicationError(_("工单尚未超过答复时限，无需督办"), code="transition")
    return None


def may_move(ticket: Ticket, action: str, user: Any, now: datetime) -> bool:
    return refusal(ticket, action, user, now) is None


def available_moves(ticket: Ticket, user: Any, now: datetime) -> list[Move]:
    """The moves to offer on the page (each is checked again by its service)."""
    return [m for m in MOVES if m.manual and may_move(ticket, m.action, user, now)]


def check(ticket: Ticket, action: str, actor: Any, now: datetime) -> Move:
    error = refusal(ticket, action, actor, now)
    if error is not None:
        raise error
    return MOVE_BY_ACTION[action]


def record(ticket: Ticket, move: Move, *, actor: Any, now: datetime, note: str = "",
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None
           ) -> TicketStep:
    """The step and its audit row; the caller holds the row lock and saves the ticket."""
    from_state = ticket.state
    if move.target is not None:
        ticket.state = move.target
    staff = actor if getattr(actor, "pk", None) else None
    step = TicketStep.objects.create(ticket=ticket, kind=move.step, at=now, actor=staff,
                                     note=note)
    audit_record(actor=staff, action=f"tickets.ticket_{move.action}", obj=ticket,
                 region_code=ticket.region_id,
                 before={"state": from_state, **(before or {})},
                 after={"state": ticket.state, **(after or {})}, reason=note)
    return step


def lock(ticket_id: int) -> Ticket:
    """The ticket row under `select_for_update`, so two moves on one ticket serialize."""
    # of=("self",): lock the ticket only, not the joined region row every ticket shares.
    ticket = (Ticket.objects.select_for_update(of=("self",)).select_related("region")
              .filter(pk=ticket_id).first())
    if ticket is None:
        raise ApplicationError(_("工单不存在"), code="not_found")
    return ticket


def on_handling_side(user: Any, ticket: Ticket) -> bool:
    """The county hotline, and the staff of the township the ticket is dispatched to: the people
    who must call the caller back (and so may read the caller's phone in full)."""
    if user.is_superuser:
        return True
    role = getattr(user, "role", None)
    if role == COUNTY:
        return region_in_scope(user, ticket.region_id)
    return (role in TOWNSHIP_STAFF and ticket.region.level == Level.TOWNSHIP
            and region_in_scope(user, ticket.region_id))
