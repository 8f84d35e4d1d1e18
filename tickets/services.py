"""Writes of hotline tickets. Each move locks the ticket, checks the transition table
(`tickets.workflow`), and writes its TicketStep and audit row in the same transaction; bad input
raises ApplicationError and changes nothing."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.models import AuditEvent
from audit.services import audit_record
from calendar_days.workdays import WorkingDayCounter
from jiuzhu.errors import ApplicationError
from outreach.models import Wish, WishSource
from outreach.services.wishes import wish_record
from policies.models import Department
from regions.models import Level, Region
from regions.scoping import region_in_scope, scope
from registry.models import Household

from . import sla
from .models import Channel, Rating, StepKind, Ticket, TicketStep, Topic, Urgency
from .workflow import check, lock, on_handling_side, record

SUBJECT_MAX = 200  # Ticket.subject
NAME_MAX = 50  # Ticket.caller_name
EXTERNAL_NUMBER_MAX = 40  # Ticket.external_number
TEXT_MAX = 4000  # content, reply and notes: a call summary, not a file
PHONE = re.compile(r"\+?[0-9][0-9-]{4,18}")  # fits Ticket.caller_phone (20)


@dataclass(frozen=True)
class TicketInput:
    channel: str
    topic: str
    urgency: str
    subject: str
    content: str
    caller_name: str = ""
    caller_phone: str = ""
    external_number: str = ""
    # The 12345 centre's own due time for its referral (replaces the ticket.sla.* clock).
    external_due: datetime | None = None
    household_id: int | None = None
    # Dispatch at once when the township (or partner department) is known at intake.
    township_code: str = ""
    department_id: int | None = None


def _text(value: str, field: str, limit: int, *, required: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(required, field=field)
    if len(value) > limit:
        raise ApplicationError(_("不超过%(n)s字") % {"n": limit}, field=field)
    return value


def _clean_call(data: TicketInput, now: datetime) -> dict[str, Any]:
    if data.channel not in Channel.values:
        raise ApplicationError(_("请选择来源渠道"), field="channel")
    if data.topic not in Topic.values:
        raise ApplicationError(_("请选择诉求类型"), field="topic")
    if data.urgency not in Urgency.values:
        raise ApplicationError(_("请选择紧急程度"), field="urgency")
    phone = re.sub(r"\s", "", data.caller_phone or "")
    if phone and not PHONE.fullmatch(phone):
        raise ApplicationError(_("来电号码格式不正确"), field="caller_phone")
    referral = data.channel == Channel.HOTLINE_12345
    external_number = _text(data.external_number, "external_number", EXTERNAL_NUMBER_MAX,
                            required=_("请填写12345转办单号") if referral else "")
    if data.external_due is not None:
        if not referral:
            raise ApplicationError(_("只有12345转办工单带有转办时限"), field="external_due")
        if data.external_due <= now:
            raise ApplicationError(_("转办时限应晚于受理时间"), field="external_due")
    return {
        "channel": data.channel, "topic": data.topic, "urgency": data.urgency,
        "subject": _text(data.subject, "subject", SUBJECT_MAX, required=_("请填写诉求摘要")),
        "content": _text(data.content, "content", TEXT_MAX, required=_("请填写诉求内容")),
        "caller_name": _text(data.caller_name, "caller_name", NAME_MAX),
        "caller_phone": phone, "external_number": external_number,
    }


def _household(actor: Any, household_id: int | None) -> Household | None:
    if household_id is None:
        return None
    household = scope(actor, Household.objects.filter(pk=household_id)).first()
    if household is None:
        raise ApplicationError(_("家庭不存在或不在您的辖区内"), field="household")
    return household


def _township(actor: Any, code: str, county_code: str) -> Region | None:
    if not code:
        return None
    township = Region.objects.filter(code=code, level=Level.TOWNSHIP, parent_id=county_code,
                                     valid_to__isnull=True).first()
    if township is None or not region_in_scope(actor, code):
        raise ApplicationError(_("请选择本县（区）的乡镇（街道）"), field="township")
    return township


def _department(department_id: int | None) -> Department | None:
    if department_id is None:
        return None
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise ApplicationError(_("请选择承办部门"), field="department")
    return department


# -- 受理 and 派单 ----------------------------------------------------------------------------------

@transaction.atomic
def ticket_receive(*, actor: Any, data: TicketInput) -> Ticket:
    """The county hotline takes a call; dispatched at once when the township is known."""
    if not (actor.is_superuser or getattr(actor, "role", None) == Role.COUNTY_ADMIN):
        raise ApplicationError(_("来电由县级热线受理"), code="forbidden")
    county = getattr(actor, "region", None)
    if county is None or county.level != Level.COUNTY:
        raise ApplicationError(_("请使用县级账号受理来电"), code="forbidden")
    now = timezone.now()
    fields = _clean_call(data, now)
    household = _household(actor, data.household_id)
    township = _township(actor, data.township_code, county.code)
    department = _department(data.department_id)
    due = sla.reply_due(urgency=data.urgency, start=now, region_code=county.code,
                        external_due=data.external_due)
    ticket = Ticket.objects.create(
        number=f"tmp-{secrets.token_hex(8)}", region=county, household=household,
        received_at=now, received_by=actor, due_at=due.at, due_provisional=due.provisional,
        **fields)
    # The year and the row id: unique without a counter table to lock.
    ticket.number = f"RX{timezone.localdate(now):%Y}{ticket.pk:06d}"
    ticket.save(update_fields=["number"])
    note = ""
    if data.external_due is not None:
        note = _("12345转办单号%(n)s，按转办时限%(due)s答复") % {
            "n": ticket.external_number,
            "due": f"{timezone.localtime(data.external_due):%Y-%m-%d %H:%M}"}
    TicketStep.objects.create(ticket=ticket, kind=StepKind.RECEIVE, at=now, actor=actor,
                              note=note)
    audit_record(actor=actor, action="tickets.ticket_receive", obj=ticket,
                 region_code=county.code, reason=note,
                 after={"number": ticket.number, "channel": ticket.channel,
                        "urgency": ticket.urgency, "due_at": ticket.due_at.isoformat()})
    if township is not None or department is not None:
        _dispatch(ticket, actor=actor, township=township, department=department, note="",
                  now=now)
    return ticket


def _dispatch(ticket: Ticket, *, actor: Any, township: Region | None,
              department: Department | None, note: str, now: datetime) -> None:
    move = check(ticket, "dispatch", actor, now)
    if township is None and department is None:
        raise ApplicationError(_("请选择承办乡镇（街道）或部门"), field="township")
    before = {"region": ticket.region_id, "department": ticket.department_id}
    # Without a township the ticket stays with (or comes back to) the county, which then relays
    # the department's answer itself.
    county = ticket.region if ticket.region.level == Level.COUNTY else ticket.region.parent
    assert county is not None
    ticket.region = township or county
    ticket.department = department
    ticket.dispatched_at = now
    parts = [_("派至%(t)s") % {"t": township.name}] if township else []
    if department:
        parts.append(_("承办部门：%(d)s") % {"d": department.name})
    if note:
        parts.append(note)
    record(ticket, move, actor=actor, now=now, note="；".join(parts), before=before,
           after={"region": ticket.region_id, "department": ticket.department_id})
    ticket.save()


@transaction.atomic
def ticket_dispatch(*, actor: Any, ticket_id: int, township_code: str = "",
                    department_id: int | None = None, note: str = "") -> Ticket:
    ticket = lock(ticket_id)
    now = timezone.now()
    check(ticket, "dispatch", actor, now)
    county_code = ticket.region_id[:6].ljust(12, "0")
    township = _township(actor, township_code, county_code)
    department = _department(department_id)
    _dispatch(ticket, actor=actor, township=township, department=department,
              note=_text(note, "note", TEXT_MAX), now=now)
    return ticket


# -- 办理, 答复, 督办 -------------------------------------------------------------------------------

@transaction.atomic
def ticket_accept(*, actor: Any, ticket_id: int, note: str = "") -> Ticket:
    """The township (or the county, for a ticket it keeps) takes the ticket on."""
    ticket = lock(ticket_id)
    now = timezone.now()
    move = check(ticket, "accept", actor, now)
    record(ticket, move, actor=actor, now=now, note=_text(note, "note", TEXT_MAX))
    ticket.save(update_fields=["state"])
    return ticket


@transaction.atomic
def ticket_reply(*, actor: Any, ticket_id: int, reply: str) -> Ticket:
    ticket = lock(ticket_id)
    now = timezone.now()
    move = check(ticket, "reply", actor, now)
    ticket.reply = _text(reply, "reply", TEXT_MAX, required=_("请填写答复内容"))
    ticket.replied_at = now
    record(ticket, move, actor=actor, now=now, note=ticket.reply,
           after={"late": sla.replied_late(ticket)})
    ticket.save(update_fields=["state", "reply", "replied_at"])
    return ticket


@transaction.atomic
def ticket_supervise(*, actor: Any, ticket_id: int, note: str) -> Ticket:
    """督办: the county presses the handler of an overdue ticket; the state stays."""
    ticket = lock(ticket_id)
    now = timezone.now()
    move = check(ticket, "supervise", actor, now)
    note = _text(note, "note", TEXT_MAX, required=_("请填写督办意见"))
    ticket.supervision_count += 1
    record(ticket, move, actor=actor, now=now, note=note,
           after={"supervision_count": ticket.supervision_count})
    ticket.save(update_fields=["supervision_count"])
    return ticket


def last_working_day_start(now: datetime) -> datetime:
    """00:00 of the most recent working day up to `now` (today when today is one)."""
    day = timezone.localdate(now)
    # 30 days back covers the longest holiday run (Spring Festival, 9 days) many times over.
    counter = WorkingDayCounter(day - timedelta(days=30), day)
    for _i in range(30):
        if counter.between(day - timedelta(days=1), day) == 1:
            break
        day -= timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time.min))


def tickets_supervise_overdue(*, now: datetime) -> int:
    """The scheduled 督办: one automatic step for every overdue, unreplied ticket with no 督办
    (by hand or automatic) since the start of the last working day, so a run repeated on the
    same working day, or on the weekend after it, adds nothing. Set-based: one query selects
    the tickets, the steps and audit rows are bulk-inserted, one UPDATE counts them."""
    since = last_working_day_start(now)
    note = _("超过答复时限未答复，系统自动督办")
    recent = TicketStep.objects.filter(ticket=OuterRef("pk"), kind=StepKind.SUPERVISE,
                                       at__gte=since)
    with transaction.atomic():
        rows = list(Ticket.objects.select_for_update().filter(sla.overdue_q(now))
                    .exclude(Exists(recent)).values_list("pk", "region_id", "supervision_count"))
        if not rows:
            return 0
        Ticket.objects.filter(pk__in=[pk for pk, _r, _n in rows]).update(
            supervision_count=F("supervision_count") + 1)
        TicketStep.objects.bulk_create(
            [TicketStep(ticket_id=pk, kind=StepKind.SUPERVISE, at=now, actor=None,
                        note=note) for pk, _r, _n in rows], batch_size=1000)
        AuditEvent.objects.bulk_create([
            AuditEvent(actor=None, action="tickets.ticket_supervise", object_type="tickets.ticket",
                       object_id=str(pk), region_code=region, reason=note,
                       before={"supervision_count": n},
                       after={"supervision_count": n + 1, "automatic": True})
            for pk, region, n in rows], batch_size=1000)
    return len(rows)


# -- 办结, 回访, 评价 -------------------------------------------------------------------------------

@transaction.atomic
def ticket_close(*, actor: Any, ticket_id: int, note: str = "") -> Ticket:
    ticket = lock(ticket_id)
    now = timezone.now()
    move = check(ticket, "close", actor, now)
    ticket.closed_at = now
    record(ticket, move, actor=actor, now=now, note=_text(note, "note", TEXT_MAX))
    ticket.save(update_fields=["state", "closed_at"])
    return ticket


@transaction.atomic
def ticket_revisit(*, actor: Any, ticket_id: int, note: str) -> Ticket:
    ticket = lock(ticket_id)
    now = timezone.now()
    move = check(ticket, "revisit", actor, now)
    note = _text(note, "note", TEXT_MAX, required=_("请填写回访情况"))
    ticket.revisited_at = now
    record(ticket, move, actor=actor, now=now, note=note)
    ticket.save(update_fields=["state", "revisited_at"])
    return ticket


@transaction.atomic
def ticket_rate(*, actor: Any, ticket_id: int, rating: str, note: str = "") -> Ticket:
    """The caller's rating from the 回访; "unsatisfied" reopens the ticket (domain.md §12)."""
    ticket = lock(ticket_id)
    now = timezone.now()
    move = check(ticket, "rate", actor, now)
    if rating not in Rating.values:
        raise ApplicationError(_("请选择评价结果"), field="rating")
    note = _text(note, "note", TEXT_MAX)
    ticket.rating, ticket.rated_at = rating, now
    label = str(Rating(rating).label)
    record(ticket, move, actor=actor, now=now, note=f"{label}：{note}" if note else label,
           after={"rating": rating})
    if rating == Rating.UNSATISFIED:
        _reopen(ticket, actor=actor, now=now)
    ticket.save()
    return ticket


def _reopen(ticket: Ticket, *, actor: Any, now: datetime) -> None:
    """Back to the same handler with a new reply clock from the parameters of today (the 12345
    centre's due time was for the first reply). The fields of the finished round are cleared;
    its reply and rating stay in the steps and the audit trail."""
    move = check(ticket, "reopen", actor, now)
    old_due = ticket.due_at
    due = sla.reply_due(urgency=ticket.urgency, start=now, region_code=ticket.region_id)
    ticket.due_at, ticket.due_provisional = due.at, due.provisional
    ticket.reopen_count += 1
    ticket.reply, ticket.replied_at = "", None
    ticket.closed_at = ticket.revisited_at = ticket.rated_at = None
    ticket.rating = ""
    record(ticket, move, actor=actor, now=now, note=_("来电人不满意，重新办理"),
           before={"due_at": old_due.isoformat()},
           after={"due_at": ticket.due_at.isoformat(), "reopen_count": ticket.reopen_count})


# -- a 微心愿 from a call ---------------------------------------------------------------------------

@transaction.atomic
def ticket_wish_create(*, actor: Any, ticket_id: int, village_code: str, person_name: str,
                       content: str, category: str = "", household_id: int | None = None) -> Wish:
    """Record a wish heard on the call, for a household or village in the actor's region."""
    ticket = scope(actor, Ticket.objects.select_related("region")).filter(pk=ticket_id).first()
    if ticket is None:
        raise ApplicationError(_("工单不存在"), code="not_found")
    if not on_handling_side(actor, ticket):
        raise ApplicationError(_("只有工单承办方可以登记微心愿"), code="forbidden")
    if not village_code or not region_in_scope(actor, village_code):
        raise ApplicationError(_("请选择您辖区内的村（社区）"), field="village")
    return wish_record(actor=actor, village_code=village_code, content=content,
                       person_name=person_name, source=WishSource.HOTLINE,
                       household=_household(actor, household_id), ticket=ticket,
                       category=category)

