"""Working-day deadlines of a case (domain.md §2.5, §3.2, §4, §9).

Each clock starts on its trigger day (not counted, 民法典§201) and its due date is stored on the
case when it starts, so a later change of parameters or calendar does not move a running clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from calendar_days.workdays import WorkingDayCounter, add_working_days, working_days_between
from policies.params import param

from .choices import OPEN_STATES, CaseState, Family
from .models import Case

S = CaseState


def due_after(case: Case, start: date, key: str) -> date:
    """`start` plus the working days the parameter `key` gives for the case's region."""
    result = add_working_days(start, int(param(key, case.village_id, start)))
    if result.provisional:
        case.deadlines_provisional = True
    return result.date


def start_acceptance_clocks(case: Case, family: str, accepted_on: date) -> None:
    case.accepted_on = accepted_on
    if family == Family.DIBAO:
        case.investigate_due = due_after(case, accepted_on, "deadline.dibao.investigate")
        overall = "deadline.dibao.delegated" if case.delegated else "deadline.dibao.overall"
        case.overall_due = due_after(case, accepted_on, overall)
        case.extended_due = due_after(case, accepted_on, "deadline.dibao.extended")
    elif family == Family.TEKUN:
        # 43号§12: the township's initial opinion within 15 WD of acceptance.
        case.opinion_due = due_after(case, accepted_on, "deadline.tekun.township")
    elif family == Family.TEMPORARY:
        case.investigate_due = due_after(case, accepted_on, "deadline.dibao.investigate")


@dataclass(frozen=True)
class CurrentDeadline:
    label: str | Promise
    due: date


def current_deadline(case: Case) -> CurrentDeadline | None:
    """The deadline the case's present stage is working against."""
    stage: list[tuple[set[str], str, Promise]] = [
        ({S.ACCEPTED}, "investigate_due", _("启动入户调查")),
        ({S.VERIFYING}, "verify_due", _("启动核对")),
        ({S.INVESTIGATING, S.TOWNSHIP_OPINION}, "opinion_due", _("乡镇审核意见")),
        ({S.COUNTY_REVIEW}, "decision_due", _("作出审批决定")),
        ({S.PREPAID}, "paperwork_due", _("补办先行救助手续")),
        ({S.OBJECTION, S.REINVESTIGATING}, "extended_due", _("异议处理后办结")),
    ]
    for states, field_name, label in stage:
        value = getattr(case, field_name)
        if case.state in states and value:
            return CurrentDeadline(label, value)
    if case.state in OPEN_STATES and case.overall_due:
        return CurrentDeadline(_("办结"), case.overall_due)
    if case.state == S.REJECTED and case.reject_notice_due:
        return CurrentDeadline(_("书面告知不予批准理由"), case.reject_notice_due)
    return None


def working_days_left(due: date, today: date) -> int:
    return working_days_between(today, due)


@dataclass(frozen=True)
class Clock:
    """A case's present deadline as shown: "剩余 N 个工作日" or "已超期 N 个工作日"."""

    label: Any
    due: date
    left: int

    @property
    def overdue_by(self) -> int:
        return -self.left


def clocks_for(cases: list[Case], today: date | None = None) -> dict[int, Clock]:
    """Each case's present deadline and working days left, with one calendar query."""
    today = today or timezone.localdate()
    found = {c.pk: d for c in cases if (d := current_deadline(c))}
    if not found:
        return {}
    dues = [d.due for d in found.values()]
    counter = WorkingDayCounter(min([today, *dues]), max([today, *dues]))
    return {pk: Clock(d.label, d.due, counter.between(today, d.due)) for pk, d in found.items()}


def overdue_q(today: date) -> Q:
    """Open cases whose present stage, or the whole case, is past its due date (SQL)."""
    return Q(state__in=sorted(OPEN_STATES)) & (
        Q(state=S.ACCEPTED, investigate_due__lt=today)
        | Q(state=S.VERIFYING, verify_due__lt=today)
        | Q(state__in=[S.INVESTIGATING, S.TOWNSHIP_OPINION], opinion_due__lt=today)
        | Q(state=S.COUNTY_REVIEW, decision_due__lt=today)
        | Q(state=S.PREPAID, paperwork_due__lt=today)
        | Q(state__in=[S.OBJECTION, S.REINVESTIGATING], extended_due__lt=today)
        | Q(overall_due__lt=today) & ~Q(state__in=[S.OBJECTION, S.REINVESTIGATING])
    )
