"""Reply clocks of hotline tickets (domain.md §12; parameters ticket.sla.* in §14).

A clock starts when a call is received and again when an unsatisfied caller reopens the ticket.
Its due time is computed once, from the parameters in force on that day for the ticket's region,
and stored on the ticket (design.md "Deadlines"): a later change of parameters or of the holiday
calendar does not move a running clock.

- Urgent: `ticket.sla.urgent_h` hours of wall-clock time. The hotlines are on 24-hour duty
  (seed 000), so nights, weekends and holidays count.
- General: the end of the working day that lies `ticket.sla.general_wd` working days after the
  day of the call (the day itself is not counted, 民法典§201; holidays and 调休 working days as
  in `calendar_days`). "End of day" is 23:59:59 local time (Asia/Shanghai), not office hours:
  a reply phoned through in the evening of the last day is on time.
- A 12345 referral carries the centre's own due time, which replaces both when given.

A ticket is in breach when it was not replied to by its due time: still unreplied after it, or
replied later than it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from calendar_days.workdays import add_working_days
from jiuzhu.errors import ApplicationError
from policies.params import MissingParameter, param

from .models import TicketState, Urgency

URGENT_HOURS = "ticket.sla.urgent_h"
GENERAL_WORKING_DAYS = "ticket.sla.general_wd"
END_OF_DAY = time(23, 59, 59)
# States in which the reply is still owed: the clock is running.
UNREPLIED = frozenset({TicketState.RECEIVED, TicketState.DISPATCHED, TicketState.HANDLING})


@dataclass(frozen=True)
class Due:
    at: datetime
    # The working days ran into a year whose schedule is not published (domain.md §9).
    provisional: bool = False


def _sla_param(key: str, region_code: str, on: date) -> int:
    try:
        return int(param(key, region_code, on))
    except MissingParameter as exc:
        raise ApplicationError(
            _("未配置热线答复时限参数 %(key)s，请联系县级管理员") % {"key": key}, code="config"
        ) from exc


def urgent_due(start: datetime, region_code: str) -> Due:
    hours = _sla_param(URGENT_HOURS, region_code, timezone.localdate(start))
    return Due(start + timedelta(hours=hours))


def general_due(start: datetime, region_code: str) -> Due:
    day = timezone.localdate(start)
    result = add_working_days(day, _sla_param(GENERAL_WORKING_DAYS, region_code, day))
    return Due(timezone.make_aware(datetime.combine(result.date, END_OF_DAY)),
               result.provisional)


def reply_due(*, urgency: str, start: datetime, region_code: str,
              external_due: datetime | None = None) -> Due:
    """The due time of a clock starting at `start`; the 12345 centre's own due time wins."""
    if external_due is not None:
        return Due(external_due)
    if urgency == Urgency.URGENT:
        return urgent_due(start, region_code)
    return general_due(start, region_code)


# -- breach ----------------------------------------------------------------------------------------

def is_overdue(ticket: Any, now: datetime) -> bool:
    """Still owes its reply and the due time has passed: the case for 督办."""
    return ticket.state in UNREPLIED and now > ticket.due_at


def replied_late(ticket: Any) -> bool:
    return ticket.replied_at is not None and ticket.replied_at > ticket.due_at


def is_breached(ticket: Any, now: datetime) -> bool:
    return is_overdue(ticket, now) or replied_late(ticket)


def overdue_q(now: datetime) -> Q:
    return Q(state__in=UNREPLIED, due_at__lt=now)


def replied_late_q() -> Q:
    return Q(replied_at__gt=F("due_at"))


def breached_q(now: datetime) -> Q:
    return overdue_q(now) | replied_late_q()


def month_start(now: datetime) -> datetime:
    """00:00 local time on the first day of `now`'s month."""
    first = timezone.localdate(now).replace(day=1)
    return timezone.make_aware(datetime.combine(first, time.min))
