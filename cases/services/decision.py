"""Township opinion, approval and rejection (57号§19–21, 43号§13–17)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.services.enrollment import enrollment_create_from_case
from jiuzhu.errors import ApplicationError
from policies.params import param

from ..benefit import case_amount, meeting_threshold, steps_json, township_cap
from ..choices import CaseState, Family, TemporaryKind, VerificationResult
from ..deadlines import due_after
from ..models import Case
from ..tekun import tekun_checks
from ..workflow import REVIEWED, family_of, lock, move
from .publicity import _decision_clock, close_publicity_if_over, publicity_post


def _store_amount(case: Case, family: str, on: date, opinion_eligible: bool) -> bool:
    """Store the worked-out amount and its explanation; a case found ineligible keeps the
    explanation but no amount, so no list or notice shows money it will not receive."""
    result = case_amount(case, family, on)
    case.amount = result.amount if result.eligible and opinion_eligible else None
    case.standard = result.standard
    case.per_capita_income = result.per_capita_income
    case.calculation = steps_json(result.breakdown)
    case.calculated_on = on
    return result.eligible


@transaction.atomic
def case_township_opinion(*, actor: Any, case_id: int, eligible: bool, opinion_text: str,
                          starts_on: date | None = None) -> Case:
    """The township's opinion with the amount worked out now. Eligible 低保/特困 cases are
    posted for 公示; the rest go straight to the decision-maker with the opinion."""
    case = lock(case_id)
    family = family_of(case)
    if not opinion_text.strip():
        raise ApplicationError(_("请填写审核意见"), field="opinion_text")
    today = timezone.localdate()
    if family == Family.TEKUN:
        if not case.care_class:
            raise ApplicationError(_("请先完成生活自理能力评估"), code="transition")
        checks = tekun_checks(case, today, _standard(case, today))
        case.eligibility = [c.as_dict() for c in checks]
        if eligible and not all(c.ok for c in checks):
            raise ApplicationError(_("特困供养条件未全部满足，不能提出符合条件的意见"),
                                   field="eligible")
    calculated_eligible = _store_amount(case, family, today, eligible)
    if eligible and not calculated_eligible:
        raise ApplicationError(_("按测算结果不符合保障条件，不能提出符合条件的意见"),
                               field="eligible")
    case.opinion_eligible = eligible
    case.opinion_text = opinion_text.strip()
    if family in REVIEWED and eligible:
        move(case, "publish", actor=actor, reason=opinion_text)
        publicity_post(case, actor=actor, starts_on=starts_on or today,
                       opinion=_("经审核，拟同意纳入保障"))
    else:
        move(case, "refer", actor=actor, reason=opinion_text)
        _decision_clock(case, today)
    case.save()
    return case


def _standard(case: Case, on: date) -> Decimal:
    return Decimal(param(f"dibao.standard.{case.urban_rural}", case.village_id, on))


def _ready_to_approve(case: Case, family: str) -> None:
    """A case is approved only with a completed survey and a verification result (issue 4)."""
    if not case.surveys.filter(family_signed=True).exists():
        raise ApplicationError(_("未完成入户调查，不能批准"), code="transition")
    verification = case.verifications.order_by("-id").first()
    if verification is None or not verification.result:
        raise ApplicationError(_("未取得核对结果，不能批准"), code="transition")
    if verification.result == VerificationResult.FAIL:
        raise ApplicationError(_("核对结果不符合条件，不能批准"), code="transition")
    if not case.opinion_eligible or case.amount is None or case.amount <= 0:
        raise ApplicationError(_("乡镇审核意见为不符合条件，只能不予批准"), code="transition")
    if family == Family.TEKUN and not case.care_class:
        raise ApplicationError(_("未完成生活自理能力评估，不能批准"), code="transition")
    if family == Family.TEMPORARY:
        threshold = meeting_threshold(case)
        if threshold is not None and case.amount > threshold and not case.meetings.exists():
            raise ApplicationError(_("救助金额超过一事一议标准，须先登记联席会议议定结果"),
                                   code="transition")


@transaction.atomic
def case_approve(*, actor: Any, case_id: int, reason: str = "") -> Case:
    case = lock(case_id)
    today = timezone.localdate()
    close_publicity_if_over(case, today)
    family = family_of(case)
    if case.state == CaseState.COUNTY_REVIEW:
        _ready_to_approve(case, family)
    move(case, "approve", actor=actor, reason=reason)
    case.decided_on, case.decided_by = today, actor
    case.decision_reason = reason.strip()
    case.save()
    enrollment_create_from_case(actor=actor, case=case, one_off=family == Family.TEMPORARY)
    return case


@transaction.atomic
def case_reject(*, actor: Any, case_id: int, reason: str) -> Case:
    """57号§21: reasons in writing, delivered through the township within 3 WD."""
    case = lock(case_id)
    today = timezone.localdate()
    close_publicity_if_over(case, today)
    move(case, "reject", actor=actor, reason=reason)
    case.decided_on, case.decided_by = today, actor
    case.decision_reason = reason.strip()
    case.reject_notice_due = due_after(case, today, "deadline.dibao.reject")
    case.save()
    return case


def prepay_allowed(case: Case) -> bool:
    return (case.temporary_kind == TemporaryKind.EMERGENCY and case.requested_amount is not None
            and case.requested_amount <= township_cap(case))


@transaction.atomic
def close_publicity_now(*, actor: Any, case_id: int) -> bool:
    """A reviewer sends on a case whose 公示 has ended without waiting for the nightly job."""
    return close_publicity_if_over(lock(case_id), timezone.localdate(), actor=actor)
