"""Cases API: the public dibao self-check, and scoped case reads and button moves for staff.

Money is always a string (never a float).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from jiuzhu.paging import CachedCountPaginator
from registry.masking import mask_name

from . import selectors
from .calculator import IncomeInput, MemberInput, calculate_dibao
from .choices import CaseState
from .deadlines import Clock, clocks_for
from .models import Case
from .services.dispatch import case_act

router = Router(tags=["calculator"])


class IncomeIn(Schema):
    type: str
    monthly_amount: str | int | float


class MemberIn(Schema):
    incomes: list[IncomeIn] = []
    categories: list[str] = []


class DibaoIn(Schema):
    region_code: str
    on_date: date
    members: list[MemberIn]
    urban_rural: str = ""


class StepOut(Schema):
    label: str
    amount: str
    note: str


class DibaoOut(Schema):
    eligible: bool
    amount: str
    standard: str
    per_capita_income: str
    breakdown: list[StepOut]


@router.post("/calculator/dibao", response=DibaoOut, url_name="calculator_dibao", auth=None)
def calculator_dibao(request: HttpRequest, payload: DibaoIn) -> DibaoOut:
    result = calculate_dibao(
        region_code=payload.region_code, on_date=payload.on_date, urban_rural=payload.urban_rural,
        members=[
            MemberInput(incomes=[IncomeInput(i.type, str(i.monthly_amount)) for i in m.incomes],
                        categories=m.categories)
            for m in payload.members
        ],
    )
    return DibaoOut(
        eligible=result.eligible, amount=f"{result.amount:.2f}", standard=f"{result.standard:.2f}",
        per_capita_income=f"{result.per_capita_income:.2f}",
        breakdown=[StepOut(label=s.label, amount=f"{s.amount:.2f}", note=s.note)
                   for s in result.breakdown],
    )


class ClockOut(Schema):
    label: str
    due: date
    working_days_left: int


class CaseOut(Schema):
    id: int
    number: str
    programme: str
    state: str
    state_label: str
    region_code: str
    applicant_masked: str
    channel: str
    submitted_at: datetime
    accepted_on: date | None
    amount: str | None
    current_deadline: ClockOut | None


class TransitionOut(Schema):
    action: str
    from_state: str
    to_state: str
    at: datetime
    actor: str
    reason: str


class CaseDetailOut(CaseOut):
    deadlines: dict[str, date | None]
    deadlines_provisional: bool
    standard: str | None
    per_capita_income: str | None
    calculation: list[StepOut]
    decision_reason: str
    transitions: list[TransitionOut]


class CasePage(Schema):
    count: int
    page: int
    pages: int
    items: list[CaseOut]


class CaseQuery(Schema):
    state: str = ""
    programme: str = ""
    village: str = ""
    overdue: bool = False
    page: int = 1


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _case_out(case: Case, clock: Clock | None) -> dict[str, Any]:
    return {
        "id": case.pk, "number": case.number, "programme": case.programme_id,
        "state": case.state, "state_label": str(CaseState(case.state).label),
        "region_code": case.village_id, "applicant_masked": mask_name(case.applicant.name),
        "channel": case.channel, "submitted_at": case.submitted_at,
        "accepted_on": case.accepted_on, "amount": _money(case.amount),
        "current_deadline": clock and ClockOut(label=str(clock.label), due=clock.due,
                                               working_days_left=clock.left),
    }


@router.get("/cases", response=CasePage, url_name="case_list", tags=["cases"])
def case_list(request: HttpRequest, filters: Query[CaseQuery]) -> CasePage:
    query = selectors.CaseFilter(state=filters.state, programme=filters.programme,
                                 village=filters.village, overdue=filters.overdue)
    paginator = CachedCountPaginator(
        selectors.case_list(request.user, query, timezone.localdate()), 50)
    page = paginator.get_page(filters.page)
    cases = list(page.object_list)
    clocks = clocks_for(cases)
    return CasePage(count=paginator.count, page=page.number, pages=paginator.num_pages,
                    items=[CaseOut(**_case_out(c, clocks.get(c.pk))) for c in cases])


DEADLINE_FIELDS = ("investigate_due", "verify_due", "opinion_due", "overall_due", "extended_due",
                   "decision_due", "reject_notice_due", "paperwork_due")


@router.get("/cases/{case_id}", response=CaseDetailOut, url_name="case_detail", tags=["cases"])
def case_detail(request: HttpRequest, case_id: int) -> CaseDetailOut:
    case = selectors.case_get(request.user, case_id)
    return CaseDetailOut(
        **_case_out(case, clocks_for([case]).get(case.pk)),
        deadlines={f: getattr(case, f) for f in DEADLINE_FIELDS},
        deadlines_provisional=case.deadlines_provisional,
        standard=_money(case.standard), per_capita_income=_money(case.per_capita_income),
        calculation=[StepOut(**s) for s in case.calculation],
        decision_reason=case.decision_reason,
        transitions=[TransitionOut(
            action=t.action, from_state=t.from_state, to_state=t.to_state, at=t.at,
            actor=(t.actor.get_full_name() or t.actor.username) if t.actor else t.actor_label,
            reason=t.reason) for t in case.transitions.select_related("actor")],
    )


class MoveIn(Schema):
    action: str
    reason: str = ""


@router.post("/cases/{case_id}/moves", response=CaseDetailOut, url_name="case_move",
             tags=["cases"])
def case_move(request: HttpRequest, case_id: int, payload: MoveIn) -> CaseDetailOut:
    """A button move (accept, start_investigation, approve, reject with a reason, ...)."""
    case = selectors.case_get(request.user, case_id)
    case_act(actor=request.user, case_id=case.pk, action=payload.action, reason=payload.reason)
    return case_detail(request, case.pk)
