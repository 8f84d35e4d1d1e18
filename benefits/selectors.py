"""Payroll reads: runs through `scope_with_ancestors` (a county's run is followed by its
townships), lines through `scope` (a township reads only its own villages' payments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, QuerySet, Sum
from django.db.models.functions import Substr
from django.http import Http404

from audit.models import AuditEvent
from cases.choices import PROGRAMME_FAMILY
from policies.models import Programme
from regions.models import Region
from regions.scoping import code_range, region_in_scope, scope, scope_with_ancestors
from registry.models import Person

from .models import PayrollLine, PayrollRun, RunStatus
from .months import add_months, month_of

ZERO = Decimal("0.00")


def payroll_programmes() -> QuerySet[Programme]:
    """The programmes whose approved cases become enrollments, i.e. the ones paid by payroll."""
    return Programme.objects.filter(code__in=PROGRAMME_FAMILY, active=True)


@dataclass(frozen=True)
class RunFilter:
    programme: str = ""
    month: date | None = None


def run_list(user: Any, filters: RunFilter) -> QuerySet[PayrollRun]:
    qs = scope_with_ancestors(user, PayrollRun.objects.all())
    if filters.programme:
        qs = qs.filter(programme_id=filters.programme)
    if filters.month:
        qs = qs.filter(month=month_of(filters.month))
    return qs.select_related("programme", "computed_by", "approved_by").order_by(
        "-month", "programme__sort_order", "programme_id", "-id")


def run_get(user: Any, pk: int) -> PayrollRun:
    """A run of the user's county (townships follow it); missing and not-yours are one 404.
    Its lines must still be read through `run_lines`/`area_totals`, which are scoped."""
    run = scope_with_ancestors(user, PayrollRun.objects.filter(pk=pk)).select_related(
        "programme", "computed_by", "approved_by").first()
    if run is None:
        raise Http404
    return run


def next_payroll_month(user: Any, today: date) -> date:
    """The month after the latest approved run the user can see, or the current month."""
    latest = scope_with_ancestors(user, PayrollRun.objects.filter(
        status=RunStatus.APPROVED)).aggregate(latest=Max("month"))["latest"]
    return add_months(latest, 1) if latest else month_of(today)


@dataclass(frozen=True)
class AreaTotal:
    """One township's or village's share of a run (the review table, domain §10)."""

    code: str
    name: str
    lines: int
    persons: int
    base_amount: Decimal
    back_pay: Decimal
    deduction: Decimal
    amount: Decimal


def _current_lines(user: Any, run: PayrollRun) -> QuerySet[PayrollLine]:
    return scope(user, PayrollLine.objects.filter(run=run, version=run.version))


def _sums(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.annotate(lines=Count("id"), people=Sum("persons"), base=Sum("base_amount"),
                       back=Sum("back_pay"), deducted=Sum("deduction"), paid=Sum("amount"))


def _area_rows(rows: list[dict[str, Any]], codes: list[str]) -> list[AreaTotal]:
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return [AreaTotal(code=code, name=names.get(code, code), lines=r["lines"],
                      persons=r["people"] or 0, base_amount=r["base"] or ZERO,
                      back_pay=r["back"] or ZERO, deduction=r["deducted"] or ZERO,
                      amount=r["paid"] or ZERO)
            for code, r in zip(codes, rows, strict=True)]


def township_totals(user: Any, run: PayrollRun) -> list[AreaTotal]:
    """Lines and money per township (the first 9 digits of the village code), one GROUP BY
    over the run's current version; a township user gets only their own row."""
    rows = list(_sums(_current_lines(user, run)
                      .annotate(township=Substr("village_code", 1, 9)).values("township"))
                .order_by("township"))
    return _area_rows(rows, [r["township"].ljust(12, "0") for r in rows])


def _area_in_run(user: Any, run: PayrollRun, code: str, *, township: bool) -> str:
    """A township (…000) or village code of the run's county that the user may read, else
    404, the same answer for a malformed code and for another township's village."""
    if not (len(code) == 12 and code.isdigit() and code.startswith(run.region_code[:6])
            and (code[9:] == "000") == township and region_in_scope(user, code)):
        raise Http404
    return code


def village_totals(user: Any, run: PayrollRun, township_code: str) -> list[AreaTotal]:
    code = _area_in_run(user, run, township_code, township=True)
    rows = list(_sums(_current_lines(user, run)
                      .filter(village_code__scope_range=code_range(code[:9]))
                      .values("village_code"))
                .order_by("village_code"))
    return _area_rows(rows, [r["village_code"] for r in rows])


def village_get(user: Any, run: PayrollRun, village_code: str) -> Region:
    code = _area_in_run(user, run, village_code, township=False)
    village = Region.objects.select_related("parent").filter(code=code).first()
    if village is None:
        raise Http404
    return village


def run_lines(user: Any, run: PayrollRun, village: Region) -> QuerySet[PayrollLine]:
    return (_current_lines(user, run).filter(village_code=village.code)
            .select_related("account").order_by("household_id", "id"))


def applicant_names(household_ids: list[int]) -> dict[int, str]:
    """Applicants' names of one page of lines, in one query (the caller masks them)."""
    return dict(Person.objects.filter(household_id__in=household_ids, relation="applicant")
                .values_list("household_id", "name"))


@dataclass(frozen=True)
class VersionTotal:
    """An earlier computation of a reopened run, kept as history (PayrollRun.version)."""

    version: int
    lines: int
    persons: int
    amount: Decimal
    reopened: AuditEvent | None


def run_events(run: PayrollRun) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type="benefits.payrollrun",
                                     object_id=str(run.pk)).select_related("actor")


def version_history(run: PayrollRun) -> list[VersionTotal]:
    """County totals of the earlier versions, newest first, each with the reopening that
    ended it. Aggregates only: the run's header shows the same county figures."""
    reopenings = {(e.before or {}).get("version"): e
                  for e in run_events(run).filter(action="payroll.reopen")}
    rows = (PayrollLine.objects.filter(run=run, version__lt=run.version).values("version")
            .annotate(lines=Count("id"), people=Sum("persons"), paid=Sum("amount")))
    totals = {r["version"]: r for r in rows}
    return [VersionTotal(version=v, lines=totals.get(v, {}).get("lines", 0),
                         persons=totals.get(v, {}).get("people") or 0,
                         amount=totals.get(v, {}).get("paid") or ZERO,
                         reopened=reopenings.get(v))
            for v in range(run.version - 1, 0, -1)]
