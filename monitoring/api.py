"""API routes of the monitoring app (mounted in jiuzhu.api): the scoped warning queue and one
warning with its timeline. Persons appear by name and masked ID number, as on the pages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from jiuzhu.paging import CachedCountPaginator
from registry.masking import mask_id

from . import selectors
from .models import Warning

router = Router(tags=["monitoring"])
PAGE_SIZE = 50


class WarningItemOut(Schema):
    id: int
    rule: str
    state: str
    person_name: str
    person_id_number: str
    household_id: int
    village_code: str
    evidence: str
    value: Decimal | None
    raised_on: date
    due_on: date
    overdue: bool
    working_days_late: int | None
    case_id: int | None
    case_number: str | None


class StepOut(Schema):
    at: datetime
    label: str
    actor: str
    details: list[str]
    reason: str


class WarningOut(WarningItemOut):
    run_id: int | None
    contacted_at: datetime | None
    contact_note: str
    no_action_reason: str
    acted_at: datetime | None
    result: str
    closed_at: datetime | None
    timeline: list[StepOut]


class WarningPage(Schema):
    count: int
    page: int
    pages: int
    items: list[WarningItemOut]


def _item(w: Warning, late: dict[int, int]) -> dict[str, Any]:
    return {
        "id": w.pk, "rule": w.rule, "state": w.state, "person_name": w.person.name,
        "person_id_number": mask_id(w.person.id_number), "household_id": w.household_id,
        "village_code": w.village_code, "evidence": w.evidence, "value": w.value,
        "raised_on": w.raised_on, "due_on": w.due_on, "overdue": w.pk in late,
        "working_days_late": late.get(w.pk), "case_id": w.case_id,
        "case_number": w.case.number if w.case else None,
    }


class WarningQuery(Schema):
    state: str = ""
    rule: str = ""
    overdue: bool = False
    page: int = 1


@router.get("/warnings", response=WarningPage, url_name="warning_list")
def warning_list(request: HttpRequest, filters: Query[WarningQuery]) -> WarningPage:
    today = timezone.localdate()
    qs = selectors.warning_list(request.user, selectors.WarningFilter(
        state=filters.state, rule=filters.rule, overdue=filters.overdue), today)
    paginator = CachedCountPaginator(qs, PAGE_SIZE)
    page = paginator.get_page(filters.page)
    warnings = list(page.object_list)
    late = selectors.days_late(warnings, today)
    return WarningPage(count=paginator.count, page=page.number, pages=paginator.num_pages,
                       items=[WarningItemOut(**_item(w, late)) for w in warnings])


@router.get("/warnings/{warning_id}", response=WarningOut, url_name="warning_detail")
def warning_detail(request: HttpRequest, warning_id: int) -> WarningOut:
    w = selectors.warning_get(request.user, warning_id)
    late = selectors.days_late([w], timezone.localdate())
    return WarningOut(
        **_item(w, late), run_id=w.run_id, contacted_at=w.contacted_at,
        contact_note=w.contact_note, no_action_reason=w.no_action_reason, acted_at=w.acted_at,
        result=w.result, closed_at=w.closed_at,
        timeline=[StepOut(at=s.at, label=str(s.label), actor=s.actor, details=s.details,
                          reason=s.reason) for s in selectors.warning_timeline(w)])
