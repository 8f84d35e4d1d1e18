"""Payroll API: scoped runs with township totals; compute, approve and reopen (county).

Money is always a string (never a float). A township user reads its county's runs with only
its own township's totals, as on the pages.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from . import selectors
from .models import PayrollRun, RunStatus
from .payroll_forms import LOCKED_UNCHANGED, month_from_text
from .services.payroll import payroll_approve, payroll_compute, payroll_reopen

router = Router(tags=["payroll"])


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


class RunOut(Schema):
    id: int
    programme: str
    programme_name: str
    month: str
    region_code: str
    status: str
    status_label: str
    version: int
    lines: int
    persons: int
    total: str
    computed_by: str | None
    computed_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    reopen_reason: str


class TownshipOut(Schema):
    code: str
    name: str
    lines: int
    persons: int
    base_amount: str
    back_pay: str
    deduction: str
    amount: str


class RunDetailOut(RunOut):
    townships: list[TownshipOut]


class RunComputedOut(RunDetailOut):
    computed: bool
    message: str


class RunPage(Schema):
    count: int
    page: int
    pages: int
    items: list[RunOut]


class RunQuery(Schema):
    programme: str = ""
    month: str = ""
    page: int = 1


def _name(user: Any) -> str | None:
    return None if user is None else getattr(user, "display_name", None)


def _run_out(run: PayrollRun) -> dict[str, Any]:
    return {
        "id": run.pk, "programme": run.programme_id, "programme_name": run.programme.name,
        "month": f"{run.month:%Y-%m}", "region_code": run.region_code, "status": run.status,
        "status_label": str(RunStatus(run.status).label), "version": run.version,
        "lines": run.lines, "persons": run.persons, "total": _money(run.total),
        "computed_by": _name(run.computed_by), "computed_at": run.computed_at,
        "approved_by": _name(run.approved_by), "approved_at": run.approved_at,
        "reopen_reason": run.reopen_reason,
    }


def _detail(request: HttpRequest, run_id: int) -> dict[str, Any]:
    run = selectors.run_get(request.user, run_id)
    return {**_run_out(run), "townships": [
        TownshipOut(code=t.code, name=t.name, lines=t.lines, persons=t.persons,
                    base_amount=_money(t.base_amount), back_pay=_money(t.back_pay),
                    deduction=_money(t.deduction), amount=_money(t.amount))
        for t in selectors.township_totals(request.user, run)]}


@router.get("/payroll/runs", response=RunPage, url_name="payroll_run_list")
def run_list(request: HttpRequest, filters: Query[RunQuery]) -> RunPage:
    month: date | None = month_from_text(filters.month) if filters.month else None
    runs = selectors.run_list(request.user, selectors.RunFilter(programme=filters.programme,
                                                                month=month))
    # Runs are few (programmes × months per county), so a plain count is cheap.
    paginator = Paginator(runs, 50)
    page = paginator.get_page(filters.page)
    return RunPage(count=paginator.count, page=page.number, pages=paginator.num_pages,
                   items=[RunOut(**_run_out(r)) for r in page.object_list])


class ComputeIn(Schema):
    programme: str
    month: str


@router.post("/payroll/runs", response={200: RunComputedOut, 201: RunComputedOut},
             url_name="payroll_run_create")
def run_create(request: HttpRequest, payload: ComputeIn) -> Status[RunComputedOut]:
    """Compute (or recompute, while a draft) the month's run of the user's county: 201.
    An approved month changes nothing: 200 with `computed: false`."""
    result = payroll_compute(actor=request.user, programme_id=payload.programme,
                             month=month_from_text(payload.month))
    out = RunComputedOut(**_detail(request, result.run.pk), computed=result.computed,
                         message="" if result.computed else str(LOCKED_UNCHANGED))
    return Status(201 if result.computed else 200, out)


@router.get("/payroll/runs/{run_id}", response=RunDetailOut, url_name="payroll_run_detail")
def run_detail(request: HttpRequest, run_id: int) -> RunDetailOut:
    return RunDetailOut(**_detail(request, run_id))


@router.post("/payroll/runs/{run_id}/approve", response=RunDetailOut,
             url_name="payroll_run_approve")
def run_approve(request: HttpRequest, run_id: int) -> RunDetailOut:
    """Maker-checker: 403 for the user who computed the run, 409 when already approved."""
    run = selectors.run_get(request.user, run_id)
    payroll_approve(actor=request.user, run_id=run.pk)
    return RunDetailOut(**_detail(request, run.pk))


class ReopenIn(Schema):
    reason: str = ""


@router.post("/payroll/runs/{run_id}/reopen", response=RunDetailOut,
             url_name="payroll_run_reopen")
def run_reopen(request: HttpRequest, run_id: int, payload: ReopenIn) -> RunDetailOut:
    """Back to draft as a new version; 400 without a reason, 409 once a bank file went out."""
    run = selectors.run_get(request.user, run_id)
    payroll_reopen(actor=request.user, run_id=run.pk, reason=payload.reason)
    return RunDetailOut(**_detail(request, run.pk))
