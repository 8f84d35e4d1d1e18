"""补发, 追回 and amount changes of an enrollment (domain.md §10 "补发 / 追回", §2.6).

Every write is a county decision (57号§31: the county decides increase, decrease and stop),
takes the enrollment's row lock first (then the recovery's), and is audited on the enrollment so
its page shows one trail. Money reaches the household only through the payroll: a BackPay waits
for the enrollment's next line, a Recovery is deducted from it or repaid at the counter.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import audit_record
from jiuzhu.errors import ApplicationError
from regions.scoping import region_in_scope
from registry.services import parse_money

from ..models import (
    AmountChange,
    BackPay,
    BackPayReason,
    Enrollment,
    EnrollmentStatus,
    LineStatus,
    PayrollLine,
    PayrollRun,
    Recovery,
    RecoveryStatus,
    Repayment,
    RunStatus,
)
from ..months import month_of

TEXT_MAX = 200  # reason / note columns
DECISION_MAX = 100
RECEIPT_MAX = 64
# Back pays that stand in for a month's regular payment (not extra money on top of it).
MONTH_PAYMENT_REASONS = (BackPayReason.LATE_APPROVAL, BackPayReason.ARREARS,
                         BackPayReason.INCREASE)


# -- shared by the status and re-check services ------------------------------------------------

def is_county(actor: Any) -> bool:
    return bool(actor.is_superuser or getattr(actor, "role", None) == Role.COUNTY_ADMIN)


def require_county(actor: Any) -> None:
    if not is_county(actor):
        raise ApplicationError(_("该事项由县级民政部门决定"), code="forbidden")


def locked_enrollment(actor: Any, enrollment_id: int) -> Enrollment:
    """The enrollment under its row lock; missing and out of the actor's region look alike."""
    enrollment = Enrollment.objects.select_for_update().filter(pk=enrollment_id).first()
    if enrollment is None or not region_in_scope(actor, enrollment.village_id):
        raise ApplicationError(_("救助对象不存在"), code="not_found")
    return enrollment


def required_text(value: str, field: str, message: str, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(message, field=field)
    if len(value) > limit:
        raise ApplicationError(_("不超过%(n)s字") % {"n": limit}, field=field)
    return value


def positive_money(raw: Any, field: str) -> Decimal:
    value = parse_money(raw, field)
    if value <= 0:
        raise ApplicationError(_("金额须大于零"), field=field)
    return value


def county_code(enrollment: Enrollment) -> str:
    return enrollment.village_id[:6].ljust(12, "0")


def paid_lines(enrollment_id: int) -> Any:
    """Lines of approved runs (current version): the months the enrollment was paid."""
    return PayrollLine.objects.filter(enrollment_id=enrollment_id, run__status=RunStatus.APPROVED,
                                      version=F("run__version"))


def latest_approved_month(enrollment: Enrollment) -> date | None:
    return PayrollRun.objects.filter(
        programme_id=enrollment.programme_id, region_code=county_code(enrollment),
        status=RunStatus.APPROVED).aggregate(m=Max("month"))["m"]


def audit_enrollment(actor: Any, enrollment: Enrollment, action: str, after: dict[str, Any],
           reason: str = "", before: dict[str, Any] | None = None) -> None:
    audit_record(actor=actor, action=action, obj=enrollment, region_code=enrollment.village_id,
                 before=before, after=after, reason=reason)


# -- 补发 ---------------------------------------------------------------------------------------

@transaction.atomic
def back_pay_create(*, actor: Any, enrollment_id: int, month_owed: date, amount: Any, reason: str,
                    note: str = "", decision: str) -> BackPay:
    """A manual 补发 of one month owed; paid with the enrollment's next payroll line."""
    require_county(actor)
    enrollment = locked_enrollment(actor, enrollment_id)
    if reason not in BackPayReason.values:
        raise ApplicationError(_("请选择补发原因"), field="reason")
    value = positive_money(amount, "amount")
    decision = required_text(decision, "decision", _("请填写决定依据（文号）"), DECISION_MAX)
    note = (note or "").strip()[:TEXT_MAX]
    month = month_of(month_owed)
    if enrollment.status == EnrollmentStatus.ENDED or enrollment.one_off:
        raise ApplicationError(_("该对象已不再按月发放，补发无法随发放批次支付"),
                               code="transition")
    if month < enrollment.start_month:
        raise ApplicationError(_("所属月份早于起始发放月份"), field="month_owed")
    if month > month_of(timezone.localdate()):
        raise ApplicationError(_("不能补发尚未到来的月份"), field="month_owed")
    if enrollment.end_month and month > enrollment.end_month:
        raise ApplicationError(_("所属月份晚于终止月份"), field="month_owed")
    lines = paid_lines(enrollment.pk).filter(month=month)
    if reason == BackPayReason.FAILED_PAYMENT:
        if not lines.filter(status=LineStatus.FAILED).exists():
            raise ApplicationError(_("该月没有发放失败的记录，不能按发放失败补发"),
                                   field="month_owed")
    elif lines.exists():
        raise ApplicationError(_("该月已发放，不能重复补发；发放失败请选择“发放失败补发”"),
                               field="month_owed")
    if BackPay.objects.filter(enrollment=enrollment, month_owed=month, reason=reason).exists():
        raise ApplicationError(_("该月已按同一原因登记过补发"), field="month_owed",
                               code="duplicate")
    back_pay = BackPay.objects.create(enrollment=enrollment, month_owed=month, amount=value,
                                      reason=reason, note=note, decision=decision,
                                      created_by=actor)
    audit_enrollment(actor, enrollment, "enrollment.back_pay",
           {"back_pay": back_pay.pk, "month": month.isoformat(), "amount": str(value),
            "reason": reason, "decision": decision}, reason=note)
    return back_pay


# -- 追回 ---------------------------------------------------------------------------------------

def _new_recovery(actor: Any, enrollment: Enrollment, total: Decimal, monthly_deduction: Decimal,
                  reason: str, decision: str) -> Recovery:
    if Recovery.objects.filter(enrollment=enrollment, status=RecoveryStatus.OPEN).exists():
        raise ApplicationError(
            _("该对象已有未结清的追回计划；请先结清或核销原计划，再登记新的追回"),
            code="conflict")
    if enrollment.status == EnrollmentStatus.ENDED and monthly_deduction:
        raise ApplicationError(_("已停保的对象不再发放，只能登记缴回，每月扣减须为0"),
                               field="monthly_deduction")
    return Recovery.objects.create(enrollment=enrollment, total=total,
                                   monthly_deduction=monthly_deduction, reason=reason,
                                   decision=decision, created_by=actor)


@transaction.atomic
def recovery_create(*, actor: Any, enrollment_id: int, total: Any, monthly_deduction: Any,
                    reason: str, decision: str) -> Recovery:
    """追回 plan: deducted from each month's payment (capped) and/or repaid; the fraud fine of
    暂行办法§68 is a separate penalty and not recorded here."""
    require_county(actor)
    enrollment = locked_enrollment(actor, enrollment_id)
    amount = positive_money(total, "total")
    deduction = parse_money(monthly_deduction or "0", "monthly_deduction")
    reason = required_text(reason, "reason", _("请填写追回原因"))
    decision = required_text(decision, "decision", _("请填写决定依据（文号）"), DECISION_MAX)
    recovery = _new_recovery(actor, enrollment, amount, deduction, reason, decision)
    audit_enrollment(actor, enrollment, "enrollment.recovery",
           {"recovery": recovery.pk, "total": str(amount), "monthly_deduction": str(deduction),
            "decision": decision}, reason=reason)
    return recovery


def _locked_open_recovery(actor: Any, recovery_id: int) -> tuple[Enrollment, Recovery]:
    enrollment_id = Recovery.objects.filter(pk=recovery_id).values_list("enrollment_id",
                                                                        flat=True).first()
    if enrollment_id is None:
        raise ApplicationError(_("追回计划不存在"), code="not_found")
    enrollment = locked_enrollment(actor, enrollment_id)
    recovery = Recovery.objects.select_for_update().get(pk=recovery_id)
    if recovery.status != RecoveryStatus.OPEN:
        raise ApplicationError(_("该追回计划已结清或核销"), code="transition")
    return enrollment, recovery


def _receivable(recovery: Recovery) -> Decimal:
    """What may still be repaid or written off: the outstanding amount less the deductions of
    draft payroll runs, which are booked on approval (the plan must never go over its total)."""
    pending = PayrollLine.objects.filter(recovery_id=recovery.pk, run__status=RunStatus.DRAFT,
                                         version=F("run__version")).aggregate(s=Sum("deduction"))
    return recovery.outstanding - (pending["s"] or Decimal("0"))


def _close_if_done(recovery: Recovery) -> None:
    if recovery.recovered + recovery.written_off >= recovery.total:
        recovery.status = (RecoveryStatus.SETTLED if recovery.written_off == 0
                           else RecoveryStatus.WRITTEN_OFF)


def _check_receivable(recovery: Recovery, value: Decimal) -> None:
    receivable = _receivable(recovery)
    if value > receivable:
        raise ApplicationError(
            _("金额超过尚未追回的%(n)s元（含待审批发放批次中的扣减）")
            % {"n": f"{max(receivable, Decimal('0')):.2f}"}, field="amount")


@transaction.atomic
def repayment_record(*, actor: Any, recovery_id: int, amount: Any, paid_on: date,
                     receipt: str) -> Repayment:
    """A repayment at the counter; the plan settles when nothing is outstanding."""
    require_county(actor)
    enrollment, recovery = _locked_open_recovery(actor, recovery_id)
    value = positive_money(amount, "amount")
    if paid_on > timezone.localdate():
        raise ApplicationError(_("缴回日期不能晚于今天"), field="paid_on")
    receipt = required_text(receipt, "receipt", _("请填写票据号"), RECEIPT_MAX)
    _check_receivable(recovery, value)
    repayment = Repayment.objects.create(recovery=recovery, amount=value, paid_on=paid_on,
                                         receipt=receipt, created_by=actor)
    before = {"recovered": str(recovery.recovered), "status": recovery.status}
    recovery.recovered += value
    _close_if_done(recovery)
    recovery.save(update_fields=["recovered", "status"])
    audit_enrollment(actor, enrollment, "enrollment.repayment",
           {"recovery": recovery.pk, "repayment": repayment.pk, "amount": str(value),
            "receipt": receipt, "recovered": str(recovery.recovered), "status": recovery.status},
           before=before)
    return repayment


@transaction.atomic
def recovery_write_off(*, actor: Any, recovery_id: int, amount: Any, decision: str) -> Recovery:
    """核销 by an approved decision (e.g. the household cannot repay)."""
    require_county(actor)
    enrollment, recovery = _locked_open_recovery(actor, recovery_id)
    value = positive_money(amount, "amount")
    decision = required_text(decision, "decision", _("请填写核销决定依据（文号）"), DECISION_MAX)
    _check_receivable(recovery, value)
    before = {"written_off": str(recovery.written_off), "status": recovery.status}
    recovery.written_off += value
    _close_if_done(recovery)
    recovery.save(update_fields=["written_off", "status"])
    audit_enrollment(actor, enrollment, "enrollment.write_off",
           {"recovery": recovery.pk, "amount": str(value), "written_off": str(recovery.written_off),
            "status": recovery.status, "decision": decision}, before=before, reason=decision)
    return recovery


# -- 金额变更 -----------------------------------------------------------------------------------

def _settled_by_month(enrollment: Enrollment, first: date) -> dict[date, Decimal]:
    """What each month from `first` on was settled at: the paid line's base amount plus the
    back pays standing in for or topping up that month (late approval, arrears, increases)."""
    settled: dict[date, Decimal] = defaultdict(Decimal)
    for month, base in paid_lines(enrollment.pk).filter(month__gte=first).values_list(
            "month", "base_amount"):
        settled[month] += base
    for month, amount in BackPay.objects.filter(
            enrollment=enrollment, month_owed__gte=first,
            reason__in=MONTH_PAYMENT_REASONS).values_list("month_owed", "amount"):
        settled[month] += amount
    return settled


def _settle_paid_months(actor: Any, enrollment: Enrollment, change: AmountChange,
                        monthly_deduction: Any) -> tuple[list[int], Recovery | None]:
    """Months already paid at another amount: each shortfall is a 补发 of its month, the
    overpayments together one 追回 plan."""
    increases: dict[date, Decimal] = {}
    overpaid = Decimal("0")
    for month, settled in sorted(_settled_by_month(enrollment, change.effective_month).items()):
        diff = change.new_amount - settled
        if diff > 0:
            increases[month] = diff
        else:
            overpaid -= diff
    note = _("金额变更追溯：%(old)s→%(new)s元") % {"old": f"{change.old_amount:.2f}",
                                                    "new": f"{change.new_amount:.2f}"}
    existing = {b.month_owed: b for b in BackPay.objects.select_for_update().filter(
        enrollment=enrollment, reason=BackPayReason.INCREASE, month_owed__in=list(increases))}
    created: list[int] = []
    for month, diff in increases.items():
        earlier = existing.get(month)
        if earlier is not None and earlier.run_id is not None:
            raise ApplicationError(
                _("%(m)s已发放过调增补发，不能再次追溯调增；请登记手工补发")
                % {"m": f"{month:%Y-%m}"}, field="effective_month", code="conflict")
        if earlier is not None:  # not paid yet: it carries the new difference too
            earlier.amount += diff
            earlier.save(update_fields=["amount"])
            created.append(earlier.pk)
        else:
            created.append(BackPay.objects.create(
                enrollment=enrollment, month_owed=month, amount=diff,
                reason=BackPayReason.INCREASE, note=note, decision=change.decision,
                created_by=actor).pk)
    recovery = None
    if overpaid > 0:
        deduction = (overpaid if monthly_deduction in (None, "")
                     else parse_money(monthly_deduction, "monthly_deduction"))
        try:
            why = (_("金额变更追溯多发：%(r)s") % {"r": change.reason})[:TEXT_MAX]
            recovery = _new_recovery(actor, enrollment, overpaid, deduction, why,
                                     change.decision)
        except ApplicationError as exc:
            if exc.code != "conflict":
                raise
            raise ApplicationError(
                _("追溯调减将多发%(n)s元，但该对象已有未结清的追回计划；请先结清或核销该计划，"
                  "或调整其金额后再登记变更") % {"n": f"{overpaid:.2f}"},
                field="effective_month", code="conflict") from exc
    return created, recovery


@transaction.atomic
def amount_change_create(*, actor: Any, enrollment_id: int, new_amount: Any, new_persons: int,
                         effective_month: date, reason: str, decision: str,
                         monthly_deduction: Any = None) -> AmountChange:
    """A change of the monthly amount from `effective_month` on (57号§31, written reasons).

    Months already paid from then on are settled at once (补发 per month for an increase, one
    追回 plan for a decrease, deducted `monthly_deduction` a month, by default all at once and
    capped by each month's payment). A change due by the latest approved payroll month is
    written into the enrollment now; a later one waits for the payroll of its month.
    """
    require_county(actor)
    enrollment = locked_enrollment(actor, enrollment_id)
    if enrollment.status == EnrollmentStatus.ENDED or enrollment.one_off:
        raise ApplicationError(_("已停保或一次性救助的对象不能变更月发放金额"), code="transition")
    amount = parse_money(new_amount, "new_amount")
    try:
        persons = int(new_persons)
    except (TypeError, ValueError) as exc:
        raise ApplicationError(_("请填写保障人数"), field="new_persons") from exc
    if not 1 <= persons <= enrollment.household.members.count():
        raise ApplicationError(_("保障人数须在1至家庭人数之间"), field="new_persons")
    month = month_of(effective_month)
    if month < enrollment.start_month:
        raise ApplicationError(_("生效月份早于起始发放月份"), field="effective_month")
    reason = required_text(reason, "reason", _("请填写变更原因"))
    decision = required_text(decision, "decision", _("请填写决定依据（文号）"), DECISION_MAX)
    if amount == enrollment.monthly_amount and persons == enrollment.persons:
        raise ApplicationError(_("新金额和人数与现在相同"), field="new_amount")
    change = AmountChange.objects.create(
        enrollment=enrollment, effective_month=month, old_amount=enrollment.monthly_amount,
        new_amount=amount, old_persons=enrollment.persons, new_persons=persons, reason=reason,
        decision=decision, created_by=actor)
    back_pays, recovery = _settle_paid_months(actor, enrollment, change, monthly_deduction)
    latest = latest_approved_month(enrollment)
    if latest is not None and month <= latest:
        enrollment.monthly_amount, enrollment.persons = amount, persons
        enrollment.save(update_fields=["monthly_amount", "persons"])
        change.applied = True
        change.save(update_fields=["applied"])
    audit_enrollment(actor, enrollment, "enrollment.amount_change",
           {"change": change.pk, "from": month.isoformat(), "amount": str(amount),
            "persons": persons, "applied": change.applied, "back_pays": back_pays,
            "recovery": recovery.pk if recovery else None, "decision": decision},
           before={"amount": str(change.old_amount), "persons": change.old_persons},
           reason=reason)
    return change
