"""Working-day deadlines of a case (domain.md §2.5, §3.2, §4, §9).

Each clock starts on its trigger day (not counted, 民法典§201) and its due date is stored on the
case when it starts, so a later change of parameters or calendar does not move a running clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from calendar_days.workdays import add_working_days, working_days_between
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
