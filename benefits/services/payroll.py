"""Payroll runs: compute (maker), approve (checker), reopen with a reason (domain.md §10).

draft ──compute──▶ draft ──approve──▶ approved (locked) ──reopen──▶ draft (version + 1)

Computing an approved run changes nothing and says so; reopening is refused once a bank file
has gone out, because from then on corrections are 补发/追回 in a later month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.models import AuditEvent
from audit.services import audit_record
from jiuzhu.errors import ApplicationError
from policies.models import Programme
from regions.models import Level, Region

from .. import payroll_sql
from ..models import AmountChange, Enrollment, PayrollLine, PayrollRun, RunStatus
from ..months import add_months, month_of

PAYROLL_ROLES = frozenset({Role.COUNTY_ADMIN})


@dataclass(frozen=True)
class ComputeResult:
    run: PayrollRun
    computed: bool  # False: the run was approved already and nothing changed


def _require_county_staff(actor: Any) -> None:
    if not (actor.is_superuser or getattr(actor, "role", None) in PAYROLL_ROLES):
        raise ApplicationError(_("发放批次由县级民政部门生成和审批"), code="forbidden")


def _county_code(actor: Any, county_code: str | None) -> str:
    code = str(county_code or getattr(getattr(actor, "region", None), "code", ""))
    if not Region.objects.filter(code=code, level=Level.COUNTY).exists():
        raise ApplicationError(_("请选择区县"), field="county")
    if not actor.is_superuser and actor.region_id != code:
        raise ApplicationError(_("只能生成本区县的发放批次"), code="forbidden")
    return code


def _apply_amount_changes(actor: Any, run: PayrollRun) -> int:
    """Changes due by the run's month are written into their enrollments, oldest first so the
    latest wins. Changes are decisions on single households, so they are few per month."""
    from regions.scoping import code_range

    lo, hi = code_range(run.region_code[:6])
    # Pending changes are few: find them by their own index before joining enrollments.
    pending = list(AmountChange.objects.filter(applied=False, effective_month__lte=run.month)
                   .values_list("pk", flat=True))
    if not pending:
        return 0
    due = (AmountChange.objects.select_related("enrollment")
           .filter(pk__in=pending,
                   enrollment__programme_id=run.programme_id,
                   enrollment__village_id__gte=lo, enrollment__village_id__lte=hi)
           .order_by("effective_month", "id"))
    n = 0
    for change in due:
        enrollment = change.enrollment
        before = {"amount": str(enrollment.monthly_amount), "persons": enrollment.persons}
        enrollment.monthly_amount, enrollment.persons = change.new_amount, change.new_persons
        enrollment.save(update_fields=["monthly_amount", "persons"])
        change.applied = True
        change.save(update_fields=["applied"])
        audit_record(actor=actor, action="enrollment.amount_change", obj=enrollment,
                     region_code=enrollment.village_id, before=before,
                     after={"amount": str(change.new_amount), "persons": change.new_persons,
                            "from": change.effective_month.isoformat(), "run": run.pk},
                     reason=change.reason)
        n += 1
    return n


def _end_exits(run: PayrollRun) -> None:
    ids = payroll_sql.end_finished_exits(run.month, run.programme_id, run.region_code)
    reason = _("渐退期或停保月份已过，停止发放")
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=None, action="enrollment.end", object_type="benefits.enrollment",
                   object_id=str(pk), region_code=village, reason=reason,
                   after={"status": "ended", "run": run.pk})
        for pk, village in Enrollment.objects.filter(pk__in=ids).values_list("pk", "village_id")
    ], batch_size=1000)


def _totals(run: PayrollRun) -> None:
    agg = PayrollLine.objects.filter(run=run, version=run.version).aggregate(
        lines=Count("id"), persons=Sum("persons"), total=Sum("amount"))
    run.lines, run.persons, run.total = agg["lines"], agg["persons"] or 0, agg["total"] or 0


def payroll_compute(*, actor: Any, programme_id: str, month: date,
                    county_code: str | None = None) -> ComputeResult:
    """Compute (or recompute, while still a draft) the month's run for a programme."""
    _require_county_staff(actor)
    county = _county_code(actor, county_code)
    if not Programme.objects.filter(code=programme_id).exists():
        raise ApplicationError(_("请选择救助项目"), field="programme")
    month = month_of(month)
    if month > latest_payable_month():
        # Computing applies due amount changes and ends finished exits for good, so a month
        # typed a year ahead must not run.
        raise ApplicationError(_("只能生成本月或下月的发放批次"), field="month")
    with transaction.atomic():
        try:
            with transaction.atomic():
                run, _created = PayrollRun.objects.get_or_create(
                    programme_id=programme_id, month=month, region_code=county)
        except IntegrityError:  # a concurrent first computation created it
            pass
        run = PayrollRun.objects.select_for_update().get(
            programme_id=programme_id, month=month, region_code=county)
        if run.status == RunStatus.APPROVED:
            return ComputeResult(run, computed=False)
        _refuse_if_later_run(run)
        before = {"lines": run.lines, "total": str(run.total), "version": run.version}
        payroll_sql.release_back_pay(run)
        PayrollLine.objects.filter(run=run, version=run.version).delete()
        changes = _apply_amount_changes(actor, run)
        _end_exits(run)
        back_pays = payroll_sql.late_approval_back_pay(run)
        payroll_sql.bind_back_pay(run)
        payroll_sql.insert_lines(run)
        _totals(run)
        run.computed_by, run.computed_at = actor, timezone.now()
        run.save()
        audit_record(actor=actor, action="payroll.compute", obj=run, region_code=county,
                     before=before,
                     after={"lines": run.lines, "persons": run.persons, "total": str(run.total),
                            "version": run.version, "amount_changes": changes,
                            "late_back_pay": back_pays})
    payroll_sql.refresh_statistics()
    return ComputeResult(run, computed=True)


def latest_payable_month() -> date:
    """Next month: the furthest a payroll may be computed ahead of today."""
    return add_months(month_of(timezone.localdate()), 1)


def _refuse_if_later_run(run: PayrollRun) -> None:
    """Months are paid in order: once a later month's run exists, an earlier one is corrected
    by 补发/追回 in a later month, not recomputed from today's enrollments."""
    if PayrollRun.objects.filter(programme_id=run.programme_id, region_code=run.region_code,
                                 month__gt=run.month).exists():
        raise ApplicationError(
            _("已有以后月份的发放批次，本月批次不能再计算或重新打开；请通过补发或追回更正"),
            code="transition")


def _locked_run(run_id: int) -> PayrollRun:
    run = PayrollRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise ApplicationError(_("发放批次不存在"), code="not_found")
    return run


@transaction.atomic
def payroll_approve(*, actor: Any, run_id: int) -> PayrollRun:
    """Maker-checker: whoever computed the run cannot approve it."""
    _require_county_staff(actor)
    run = _locked_run(run_id)
    if run.status != RunStatus.DRAFT:
        raise ApplicationError(_("该发放批次已审批"), code="transition")
    if run.computed_at is None:
        raise ApplicationError(_("该发放批次重新打开后尚未重新计算，请先计算"), code="transition")
    if run.computed_by_id == actor.pk:
        raise ApplicationError(_("制表人不能审批自己生成的发放批次，请由另一名县级人员审批"),
                               code="forbidden")
    if not actor.is_superuser and actor.region_id != run.region_code:
        raise ApplicationError(_("只能审批本区县的发放批次"), code="forbidden")
    payroll_sql.book_deductions(run, +1)
    run.status, run.approved_by, run.approved_at = RunStatus.APPROVED, actor, timezone.now()
    run.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(actor=actor, action="payroll.approve", obj=run, region_code=run.region_code,
                 before={"status": RunStatus.DRAFT.value},
                 after={"status": run.status, "version": run.version, "lines": run.lines,
                        "total": str(run.total)})
    return run


@transaction.atomic
def payroll_reopen(*, actor: Any, run_id: int, reason: str) -> PayrollRun:
    """Back to draft as a new version; the approved version's lines stay as history."""
    _require_county_staff(actor)
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("请填写重新打开的原因"), field="reason")
    run = _locked_run(run_id)
    if run.status != RunStatus.APPROVED:
        raise ApplicationError(_("只有已审批的发放批次可以重新打开"), code="transition")
    if run.bank_files.exists():
        raise ApplicationError(
            _("已向银行发送代发文件，不能重新打开；请在以后月份通过补发或追回更正"),
            code="transition")
    _refuse_if_later_run(run)
    payroll_sql.book_deductions(run, -1)
    payroll_sql.release_back_pay(run)
    before = {"status": run.status, "version": run.version}
    run.status, run.version, run.reopen_reason = RunStatus.DRAFT, run.version + 1, reason
    run.approved_by, run.approved_at = None, None
    # The new version has no lines until someone computes it (and that person is its maker).
    run.computed_by, run.computed_at = None, None
    run.lines, run.persons, run.total = 0, 0, 0
    run.save()
    audit_record(actor=actor, action="payroll.reopen", obj=run, region_code=run.region_code,
                 before=before, after={"status": run.status, "version": run.version},
                 reason=reason)
    return run
