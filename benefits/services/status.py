"""停发, 恢复, 清退 and 渐退 of an enrollment (domain.md §2.6, §3.5, §10 "暂停").

    active ──suspend──▶ suspended ──resume──▶ active
    active | suspended ──end──▶ ended
    active ──gradual_exit──▶ active (gradual_exit, end_month set; the payroll ends it later)

The county decides each move with a written reason (57号§31–32); each is checked against the
table below under the enrollment's row lock and audited on the enrollment.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from jiuzhu.errors import ApplicationError
from policies.params import param_or

from ..models import (
    BackPay,
    BackPayReason,
    Enrollment,
    EnrollmentMember,
    EnrollmentStatus,
    PayrollRun,
    RecheckOutcome,
    RecheckStatus,
    RecheckTask,
    Recovery,
    RecoveryStatus,
    RunStatus,
)
from ..months import add_months, month_of
from .adjustments import (
    DECISION_MAX,
    audit_enrollment,
    county_code,
    locked_enrollment,
    paid_lines,
    require_county,
    required_text,
)

S = EnrollmentStatus
# action → (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "suspend": (frozenset({S.ACTIVE}), S.SUSPENDED),
    "resume": (frozenset({S.SUSPENDED}), S.ACTIVE),
    "end": (frozenset({S.ACTIVE, S.SUSPENDED}), S.ENDED),
    "gradual_exit": (frozenset({S.ACTIVE}), S.ACTIVE),
}


def allowed_actions(enrollment: Enrollment) -> list[str]:
    """The moves the enrollment's present state allows (for the page's action form)."""
    return [action for action in TRANSITIONS if _allowed(enrollment, action)]


def _allowed(enrollment: Enrollment, action: str) -> bool:
    if enrollment.status not in TRANSITIONS[action][0]:
        return False
    if action == "gradual_exit":
        return not (enrollment.gradual_exit or enrollment.one_off)
    return True


def _begin(actor: Any, enrollment_id: int, action: str, reason: str) -> tuple[Enrollment, str]:
    require_county(actor)
    enrollment = locked_enrollment(actor, enrollment_id)
    reason = required_text(reason, "reason", _("请填写理由"))
    if not _allowed(enrollment, action):
        raise ApplicationError(
            _("对象当前状态为“%(s)s”，不能执行此操作") % {"s": enrollment.get_status_display()}
            + (_("（已在渐退期）") if enrollment.gradual_exit else ""), code="transition")
    return enrollment, reason


@transaction.atomic
def enrollment_suspend(*, actor: Any, enrollment_id: int, reason: str) -> Enrollment:
    """停发: still enrolled but unpaid (bad account, whereabouts unknown, pending re-check)."""
    enrollment, reason = _begin(actor, enrollment_id, "suspend", reason)
    enrollment.status, enrollment.end_reason = S.SUSPENDED, reason
    enrollment.save(update_fields=["status", "end_reason"])
    # The month the suspension starts is read back from this row when it is lifted.
    audit_enrollment(actor, enrollment, "enrollment.suspend",
           {"status": enrollment.status, "month": month_of(timezone.localdate()).isoformat()},
           before={"status": S.ACTIVE.value}, reason=reason)
    return enrollment


def _suspended_since(enrollment: Enrollment) -> date:
    event = (AuditEvent.objects.filter(object_type="benefits.enrollment",
                                       object_id=str(enrollment.pk), action="enrollment.suspend")
             .order_by("-at", "-id").first())
    if event is None:  # suspended by some other path: owed from its first month
        return enrollment.start_month
    return month_of(timezone.localdate(event.at))


def _release_arrears(actor: Any, enrollment: Enrollment, reason: str) -> list[date]:
    """补发 (arrears) for each month of an approved run since the suspension in which the
    enrollment had no line and no other back pay standing in for that month."""
    if enrollment.monthly_amount <= 0 or enrollment.one_off:
        return []
    runs = PayrollRun.objects.filter(
        programme_id=enrollment.programme_id, region_code=county_code(enrollment),
        status=RunStatus.APPROVED,
        month__gte=max(_suspended_since(enrollment), enrollment.start_month))
    if enrollment.end_month:
        runs = runs.filter(month__lte=enrollment.end_month)
    months = (runs.exclude(month__in=paid_lines(enrollment.pk).values("month"))
              .exclude(month__in=BackPay.objects.filter(
                  enrollment=enrollment,
                  reason__in=[BackPayReason.ARREARS, BackPayReason.LATE_APPROVAL])
                  .values("month_owed"))
              .order_by("month").values_list("month", flat=True))
    owed = list(months)
    BackPay.objects.bulk_create([
        BackPay(enrollment=enrollment, month_owed=month, amount=enrollment.monthly_amount,
                reason=BackPayReason.ARREARS, note=_("暂停期间待发款项"),
                decision=reason[:DECISION_MAX], created_by=actor)
        for month in owed])
    return owed


@transaction.atomic
def enrollment_resume(*, actor: Any, enrollment_id: int, reason: str,
                      release_arrears: bool = False) -> Enrollment:
    """恢复发放; with `release_arrears` the months missed while suspended are back paid
    (domain §10: arrears released if still eligible)."""
    enrollment, reason = _begin(actor, enrollment_id, "resume", reason)
    owed = _release_arrears(actor, enrollment, reason) if release_arrears else []
    enrollment.status, enrollment.end_reason = S.ACTIVE, ""
    enrollment.save(update_fields=["status", "end_reason"])
    audit_enrollment(actor, enrollment, "enrollment.resume",
           {"status": enrollment.status, "arrears": [m.isoformat() for m in owed]},
           before={"status": S.SUSPENDED.value}, reason=reason)
    return enrollment


@transaction.atomic
def enrollment_end(*, actor: Any, enrollment_id: int, reason: str) -> Enrollment:
    """清退: ends the enrollment; its members may apply again. A 追回 plan stays open for
    repayments only, and open re-check tasks are closed."""
    enrollment, reason = _begin(actor, enrollment_id, "end", reason)
    today = timezone.localdate()
    last_paid = paid_lines(enrollment.pk).aggregate(m=Max("month"))["m"]
    before = {"status": enrollment.status,
              "end_month": enrollment.end_month.isoformat() if enrollment.end_month else None}
    enrollment.status, enrollment.ended_on, enrollment.end_reason = S.ENDED, today, reason
    enrollment.end_month = max(month_of(today), last_paid or month_of(today))
    enrollment.gradual_exit = False
    enrollment.save(update_fields=["status", "ended_on", "end_reason", "end_month",
                                   "gradual_exit"])
    EnrollmentMember.objects.filter(enrollment=enrollment, active=True).update(active=False)
    # No more payroll lines to deduct from.
    deductions_stopped = Recovery.objects.filter(
        enrollment=enrollment, status=RecoveryStatus.OPEN, monthly_deduction__gt=0,
    ).update(monthly_deduction=0)
    closed_tasks = RecheckTask.objects.filter(
        enrollment=enrollment, status=RecheckStatus.OPEN,
    ).update(status=RecheckStatus.DONE, outcome=RecheckOutcome.END,
             note=_("对象已停保，复核任务关闭"), decided_by=actor, decided_at=timezone.now())
    audit_enrollment(actor, enrollment, "enrollment.end",
           {"status": enrollment.status, "end_month": enrollment.end_month.isoformat(),
            "recovery_deductions_stopped": deductions_stopped, "rechecks_closed": closed_tasks},
           before=before, reason=reason)
    return enrollment


@transaction.atomic
def enrollment_gradual_exit(*, actor: Any, enrollment_id: int, reason: str) -> Enrollment:
    """渐退 (57号§33, 通知2022): paid on for `gradual_exit.months` months counting this one,
    then ended by the payroll (payroll_sql.end_finished_exits)."""
    enrollment, reason = _begin(actor, enrollment_id, "gradual_exit", reason)
    today = timezone.localdate()
    months = int(param_or("gradual_exit.months", enrollment.village_id, today, 6))
    if months < 1:
        raise ApplicationError(_("渐退期月数参数无效，请联系县级管理员"), code="config")
    before = {"end_month": enrollment.end_month.isoformat() if enrollment.end_month else None}
    enrollment.gradual_exit = True
    enrollment.end_month = add_months(month_of(today), months - 1)
    enrollment.save(update_fields=["gradual_exit", "end_month"])
    audit_enrollment(actor, enrollment, "enrollment.gradual_exit",
           {"gradual_exit": True, "end_month": enrollment.end_month.isoformat(),
            "months": months}, before=before, reason=reason)
    return enrollment
