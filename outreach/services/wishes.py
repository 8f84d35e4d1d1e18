"""Writes of the 微心愿 ledger (domain.md §11).

The lifecycle is one transition table (`MOVES`), checked in one place (`_move`) under the wish's
row lock:

    collected → classified → resolved_on_spot | assigned → in_progress → resolved
    → feedback_given → revisited → closed

Who does what: grid workers record wishes, tell the household the result (反馈) and make the
回访 in their own village; township clerks and reviewers classify, resolve on the spot, assign,
handle, resolve and close; the county admin may make every move in the county; the auditor only
reads. Scope is the user's region, so a grid worker acts only on wishes of their village.

Two decisions the seed leaves open:
- **Resolved on the spot** still needs feedback and a 回访 before it closes: the county reports
  satisfaction for every wish, and the 回访 is the check that the household really was helped.
  Because it was resolved in front of the household, whoever resolved it may record the feedback
  at once (the `feedback_on_spot` move also allows township staff), in the same step if the
  result form carries it.
- **A 回访 with 不满意** does not let the wish close: it goes back to in_progress (the `reopen`
  move) with the reason, `reopen_count` goes up, and a fresh deadline of `wish.due_days` working
  days starts, so the rework is again watched for being overdue.

Overdue wishes are escalated by `wishes_escalate` (daily, `manage.py escalate_wishes`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from itertools import islice
from typing import Any
from uuid import uuid4

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from audit.models import AuditEvent
from audit.services import audit_record, save_transition
from calendar_days.workdays import WorkingDate, WorkingDayCounter, add_working_days
from jiuzhu.errors import ApplicationError, clean_text
from policies.models import Department
from policies.params import MissingParameter, param
from regions.models import Level, Region
from regions.scoping import region_in_scope

from ..models import Satisfaction, Wish, WishCategory, WishSource, WishState
from ..models.wishes import overdue_q

S = WishState
COUNTY, CLERK, REVIEWER, GRID = (Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                 Role.GRID_WORKER)
TOWNSHIP = frozenset({CLERK, REVIEWER, COUNTY})
VILLAGE = frozenset({GRID, COUNTY})
TEXT_MAX = 1000
NAME_MAX = 50  # Wish.responsible_person
PHONE_RE = re.compile(r"^[0-9][0-9-]{2,18}[0-9]$")  # 13912345678, 0933-8211001, 12345
DUE_DAYS_KEY = "wish.due_days"
AUDIT_BATCH = 1000


@dataclass(frozen=True)
class Move:
    action: str
    label: str | Promise
    sources: frozenset[str]
    target: str
    roles: frozenset[str]


def _m(action: str, label: Promise, sources: set[str], target: str,
       roles: frozenset[str]) -> Move:
    return Move(action, label, frozenset(sources), target, roles)


MOVES = [
    _m("classify", gettext_lazy("分类"), {S.COLLECTED}, S.CLASSIFIED, TOWNSHIP),
    _m("resolve_on_spot", gettext_lazy("当场解决"), {S.COLLECTED, S.CLASSIFIED},
       S.RESOLVED_ON_SPOT, TOWNSHIP),
    _m("assign", gettext_lazy("交办"), {S.CLASSIFIED}, S.ASSIGNED, TOWNSHIP),
    _m("start", gettext_lazy("开始办理"), {S.ASSIGNED}, S.IN_PROGRESS, TOWNSHIP),
    _m("resolve", gettext_lazy("登记办理结果"), {S.IN_PROGRESS}, S.RESOLVED, TOWNSHIP),
    _m("feedback", gettext_lazy("向群众反馈"), {S.RESOLVED}, S.FEEDBACK_GIVEN, VILLAGE),
    # Resolved in front of the household: whoever resolved it tells them at once.
    _m("feedback_on_spot", gettext_lazy("当场向群众反馈"), {S.RESOLVED_ON_SPOT}, S.FEEDBACK_GIVEN,
       VILLAGE | TOWNSHIP),
    _m("revisit", gettext_lazy("回访"), {S.FEEDBACK_GIVEN}, S.REVISITED, VILLAGE),
    # A 回访 that finds the household unsatisfied sends the wish back to be handled.
    _m("reopen", gettext_lazy("回访不满意，重新办理"), {S.FEEDBACK_GIVEN}, S.IN_PROGRESS, VILLAGE),
    _m("close", gettext_lazy("销号办结"), {S.REVISITED}, S.CLOSED, TOWNSHIP),
]
MOVE_BY_ACTION = {m.action: m for m in MOVES}


def may_move(wish: Wish, action: str, user: Any) -> bool:
    move = MOVE_BY_ACTION[action]
    return (wish.state in move.sources and region_in_scope(user, wish.village_id)
            and bool(user.is_superuser or getattr(user, "role", None) in move.roles))


def _move(wish: Wish, action: str, actor: Any) -> str:
    """Check one move and set the new state; returns the state left. The caller holds the lock,
    saves the wish and writes the audit row."""
    move = MOVE_BY_ACTION[action]
    # Scope first: someone outside the region learns nothing about the wish, not even its state.
    if not region_in_scope(actor, wish.village_id):
        raise ApplicationError(_("该微心愿不在您的辖区内"), code="forbidden")
    if wish.state not in move.sources:
        raise ApplicationError(
            _("该微心愿当前为“%(state)s”，不能“%(action)s”") % {
                "state": WishState(wish.state).label, "action": move.label},
            code="transition")
    if not (actor.is_superuser or getattr(actor, "role", None) in move.roles):
        raise ApplicationError(_("您的角色不能“%(action)s”") % {"action": move.label},
                               code="forbidden")
    before = wish.state
    wish.state = move.target
    return before


def _locked(wish_id: int) -> Wish:
    # The wish row alone (no joins), so two steps on one wish queue and the second sees the
    # first's state.
    wish = Wish.objects.select_for_update().filter(pk=wish_id).first()
    if wish is None:
        raise ApplicationError(_("微心愿不存在"), code="not_found")
    return wish


_text = partial(clean_text, limit=TEXT_MAX)


def _save(wish: Wish, actor: Any, action: str, before_state: str, fields: list[str], *,
          after: dict[str, Any] | None = None, reason: str = "") -> Wish:
    save_transition(wish, actor=actor, action=f"outreach.wish_{action}",
                    region_code=wish.village_id, before_state=before_state, fields=fields,
                    after=after, reason=reason)
    return wish


@transaction.atomic
def wish_record(*, actor: Any, village_code: str, content: str, person_name: str, source: str,
                household: Any = None, visit: Any = None, event: Any = None, ticket: Any = None,
                category: str = "") -> Wish:
    """Record a wish where it was heard (a visit, a hotline call, an event). With a category it
    is classified at once; otherwise it waits in the township's queue as collected."""
    content, person_name = content.strip(), person_name.strip()
    if not content:
        raise ApplicationError(_("请填写心愿内容"), field="content")
    if not person_name:
        raise ApplicationError(_("请填写心愿人"), field="person_name")
    if source not in WishSource.values:
        raise ApplicationError(_("心愿来源不正确"), field="source")
    if category and category not in WishCategory.values:
        raise ApplicationError(_("心愿类别不正确"), field="category")
    if not (Region.objects.filter(code=village_code, level=Level.VILLAGE).exists()
            and region_in_scope(actor, village_code)):
        raise ApplicationError(_("请选择心愿人所在的村（社区）"), field="village")
    if household is not None and household.village_id != village_code:
        raise ApplicationError(_("家庭不在所选村（社区）"), field="village")
    # A placeholder until the row has its id; it must fit the column (20) and be unique.
    wish = Wish.objects.create(
        number=f"tmp-{uuid4().hex[:16]}", village_id=village_code, household=household,
        person_name=person_name, source=source, visit=visit, event=event, ticket=ticket,
        content=content, category=category,
        state=WishState.CLASSIFIED if category else WishState.COLLECTED, created_by=actor)
    # The number is the year and the row id: unique without a counter table to lock.
    wish.number = f"XY{timezone.localdate():%Y}{wish.pk:06d}"
    wish.save(update_fields=["number"])
    audit_record(actor=actor, action="outreach.wish_record", obj=wish, region_code=village_code,
                 after={"number": wish.number, "source": source, "state": wish.state,
                        "category": category})
    return wish


def _category(category: str) -> str:
    if category not in WishCategory.values:
        raise ApplicationError(_("请选择心愿类别"), field="category")
    return category


@transaction.atomic
def wish_classify(*, actor: Any, wish_id: int, category: str) -> Wish:
    wish = _locked(wish_id)
    before = _move(wish, "classify", actor)
    wish.category = _category(category)
    return _save(wish, actor, "classify", before, ["category"], after={"category": category})


@transaction.atomic
def wish_resolve_on_spot(*, actor: Any, wish_id: int, result: str, category: str = "",
                         feedback: str = "") -> Wish:
    """Resolved where it was heard. A wish still unclassified needs its category now (the
    ledger counts by category); a feedback given at the same time is recorded as its own move."""
    wish = _locked(wish_id)
    before = _move(wish, "resolve_on_spot", actor)
    if category or not wish.category:
        wish.category = _category(category)
    wish.result = _text(result, "result", _("解决情况"))
    wish.resolved_at = timezone.now()
    _save(wish, actor, "resolve_on_spot", before, ["category", "result", "resolved_at"],
          after={"category": wish.category}, reason=wish.result)
    if (feedback or "").strip():
        _feedback(wish, actor, feedback)
    return wish


def due_date(village_code: str, assigned_on: date) -> WorkingDate:
    """`wish.due_days` working days after the day of assignment (the day itself not counted)."""
    try:
        days = int(param(DUE_DAYS_KEY, village_code, assigned_on))
    except MissingParameter as exc:
        raise ApplicationError(
            _("未设置微心愿办理期限（参数 %(key)s），请联系县级管理员") % {"key": DUE_DAYS_KEY},
            code="conflict") from exc
    return add_working_days(assigned_on, days)


def _set_due(wish: Wish, on: date) -> date:
    due = due_date(wish.village_id, on)
    wish.due_on, wish.due_provisional = due.date, due.provisional
    return due.date


@transaction.atomic
def wish_assign(*, actor: Any, wish_id: int, department_id: int | None = None,
                responsible_person: str = "", responsible_phone: str = "") -> Wish:
    """Hand the wish to a department and/or a responsible person with a phone; the deadline is
    `wish.due_days` working days from today and is stored, so later parameter or calendar
    changes do not move it."""
    wish = _locked(wish_id)
    before = _move(wish, "assign", actor)
    department = None
    if department_id:
        department = Department.objects.filter(pk=department_id).first()
        if department is None:
            raise ApplicationError(_("请选择责任部门"), field="department")
    person = _text(responsible_person, "responsible_person", _("责任人"), required=False,
                   limit=NAME_MAX)
    phone = (responsible_phone or "").strip()
    if department is None and not person:
        raise ApplicationError(_("请选择责任部门或填写责任人"), field="department")
    if person and not phone:
        raise ApplicationError(_("请填写责任人联系电话"), field="responsible_phone")
    if phone and not PHONE_RE.match(phone):
        raise ApplicationError(_("联系电话格式不正确，如 13912345678 或 0933-8211001"),
                               field="responsible_phone")
    wish.department, wish.responsible_person, wish.responsible_phone = department, person, phone
    due_on = _set_due(wish, timezone.localdate())
    return _save(wish, actor, "assign", before,
                 ["department", "responsible_person", "responsible_phone", "due_on",
                  "due_provisional"],
                 after={"department": department.name if department else "",
                        "responsible_person": person, "due_on": due_on.isoformat(),
                        "due_provisional": wish.due_provisional})


@transaction.atomic
def wish_start(*, actor: Any, wish_id: int) -> Wish:
    wish = _locked(wish_id)
    before = _move(wish, "start", actor)
    return _save(wish, actor, "start", before, [])


@transaction.atomic
def wish_resolve(*, actor: Any, wish_id: int, result: str) -> Wish:
    wish = _locked(wish_id)
    before = _move(wish, "resolve", actor)
    wish.result = _text(result, "result", _("办理结果"))
    wish.resolved_at = timezone.now()
    return _save(wish, actor, "resolve", before, ["result", "resolved_at"], reason=wish.result)


def _feedback(wish: Wish, actor: Any, feedback: str) -> Wish:
    action = "feedback_on_spot" if wish.state == S.RESOLVED_ON_SPOT else "feedback"
    before = _move(wish, action, actor)
    wish.feedback = _text(feedback, "feedback", _("反馈情况"))
    wish.feedback_at = timezone.now()
    return _save(wish, actor, action, before, ["feedback", "feedback_at"], reason=wish.feedback)


@transaction.atomic
def wish_feedback(*, actor: Any, wish_id: int, feedback: str) -> Wish:
    """Tell the household how its wish was resolved."""
    return _feedback(_locked(wish_id), actor, feedback)


@transaction.atomic
def wish_revisit(*, actor: Any, wish_id: int, satisfaction: str, note: str = "") -> Wish:
    """The 回访. 满意/基本满意 lets the wish be closed; 不满意 reopens it (see the module doc)."""
    wish = _locked(wish_id)
    if satisfaction not in Satisfaction.values:
        raise ApplicationError(_("请选择回访满意度"), field="satisfaction")
    unsatisfied = satisfaction == Satisfaction.UNSATISFIED
    action = "reopen" if unsatisfied else "revisit"
    before = _move(wish, action, actor)
    # The reason is what the rework has to fix, so it is required when the household is not
    # satisfied.
    wish.revisit_note = _text(note, "revisit_note", _("回访情况（不满意的原因）") if unsatisfied
                              else _("回访情况"), required=unsatisfied)
    wish.satisfaction, wish.revisited_at = satisfaction, timezone.now()
    fields = ["satisfaction", "revisit_note", "revisited_at"]
    after: dict[str, Any] = {"satisfaction": satisfaction}
    if unsatisfied:
        wish.reopen_count += 1
        due_on = _set_due(wish, timezone.localdate())
        fields += ["reopen_count", "due_on", "due_provisional"]
        after |= {"reopen_count": wish.reopen_count, "due_on": due_on.isoformat()}
    return _save(wish, actor, action, before, fields, after=after, reason=wish.revisit_note)


@transaction.atomic
def wish_close(*, actor: Any, wish_id: int) -> Wish:
    wish = _locked(wish_id)
    before = _move(wish, "close", actor)
    wish.closed_at = timezone.now()
    return _save(wish, actor, "close", before, ["closed_at"])


# -- escalation ---------------------------------------------------------------------------------

def current_working_day(today: date) -> date:
    """The working day `today` belongs to: today, or the last working day before it."""
    first = today - timedelta(days=31)  # longer than any holiday run
    counter = WorkingDayCounter(first, today)
    day = today
    while day > first and counter.between(day - timedelta(days=1), day) == 0:
        day -= timedelta(days=1)
    return day


def _escalation_audit(pk: int, village: str, level: int, due: date | None) -> AuditEvent:
    # Built directly rather than through audit_record so the rows go in by bulk inserts.
    return AuditEvent(action="outreach.wish_escalate", object_type="outreach.wish",
                      object_id=str(pk), region_code=village,
                      before={"escalation_level": level - 1},
                      after={"escalation_level": level, "due_on": str(due)},
                      reason=_("超过办理期限（%(due)s）未办结") % {"due": due})


def wishes_escalate(today: date) -> int:
    """督办: raise the escalation level of every overdue wish not yet escalated during the
    current working day; returns how many were escalated. Run daily (`escalate_wishes`).

    One UPDATE … WHERE does the work, whatever the number of wishes. The rows it touched are
    found again by the exact `escalated_at` it wrote, and each gets its own audit row (bulk
    inserts of AUDIT_BATCH), so a wish's timeline shows every escalation. A second run on the
    same working day (or on the weekend after it) matches nothing.
    """
    now = timezone.now()
    since = datetime.combine(current_working_day(today), time.min,
                             tzinfo=timezone.get_current_timezone())
    with transaction.atomic():
        count = (Wish.objects.filter(overdue_q(today))
                 .filter(Q(escalated_at__isnull=True) | Q(escalated_at__lt=since))
                 .update(escalation_level=F("escalation_level") + 1, escalated_at=now))
        if not count:
            # Nothing was stamped by this run; rows stamped by an earlier run with the same clock
            # reading (a frozen clock) must not be audited twice.
            return 0
        rows = (Wish.objects.filter(escalated_at=now)
                .values_list("pk", "village_id", "escalation_level", "due_on")
                .iterator(chunk_size=AUDIT_BATCH))
        while batch := [_escalation_audit(*row) for row in islice(rows, AUDIT_BATCH)]:
            AuditEvent.objects.bulk_create(batch)
    return count
