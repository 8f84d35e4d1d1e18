"""临时救助 specifics: 先行救助 from the township reserve fund and 一事一议 (23号; domain §4)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import audit_record
from benefits.services.enrollment import enrollment_create_from_case
from jiuzhu.errors import ApplicationError
from regions.scoping import region_in_scope
from registry.services import parse_money
from relief.services import reserve_pay

from ..benefit import steps_json, temporary_amount
from ..choices import CaseState, Family
from ..deadlines import due_after
from ..models import Case, JointMeeting
from ..workflow import family_of, lock, move
from .decision import prepay_allowed


@transaction.atomic
def case_prepay(*, actor: Any, case_id: int, reason: str = "") -> Case:
    """急难型: the township pays at once from its reserve fund; the signatures and stamps
    follow within `temp.prepay_paperwork_days` working days (意见2020 "小金额先行救助")."""
    case = lock(case_id)
    if not prepay_allowed(case):
        raise ApplicationError(_("只有急难型且不超过乡镇审批额度的临时救助可以先行救助"),
                               code="transition")
    move(case, "prepay", actor=actor, reason=reason)
    assert case.requested_amount is not None
    today = timezone.localdate()
    township = case.village_id[:9] + "000"
    reserve_pay(actor=actor, township_code=township, amount=case.requested_amount, case=case,
                note=_("先行救助 %(n)s") % {"n": case.number})
    result = temporary_amount(case, today)
    case.amount, case.calculation, case.calculated_on = result.amount, steps_json(
        result.breakdown), today
    case.paperwork_due = due_after(case, today, "temp.prepay_paperwork_days")
    case.save()
    return case


def _paperwork_uploaded(case: Case) -> bool:
    """The signatures and stamps are completed after the payment, so only a document uploaded
    since the prepay counts; an ID card filed at intake is not the paperwork."""
    prepaid = case.transitions.filter(action="prepay").order_by("-at", "-id").first()
    documents = case.documents.all()
    if prepaid is not None:
        documents = documents.filter(uploaded_at__gte=prepaid.at)
    return documents.exists()


@transaction.atomic
def case_complete_paperwork(*, actor: Any, case_id: int, reason: str = "") -> Case:
    case = lock(case_id)
    if case.state == CaseState.PREPAID and not _paperwork_uploaded(case):
        raise ApplicationError(_("请先上传补办的签字、盖章材料"), code="transition")
    move(case, "complete_paperwork", actor=actor, reason=reason)
    case.decided_on, case.decided_by = timezone.localdate(), actor
    case.decision_reason = reason.strip() or _("先行救助，手续已补齐")
    case.opinion_eligible = True
    case.save()
    # Paid already from the reserve fund: recorded as a one-off enrollment for the statistics,
    # never paid again by payroll (Enrollment.prepaid keeps it off every payroll).
    enrollment_create_from_case(actor=actor, case=case, one_off=True, prepaid=True)
    return case


@transaction.atomic
def meeting_record(*, actor: Any, case_id: int, held_on: date, attendees: str, decision: str,
                   approved_amount: Any) -> JointMeeting:
    case = lock(case_id)
    if not (actor.is_superuser or actor.role == Role.COUNTY_ADMIN) or not region_in_scope(
            actor, case.village_id):
        raise ApplicationError(_("一事一议结果由县级登记"), code="forbidden")
    if family_of(case) != Family.TEMPORARY or case.state != CaseState.COUNTY_REVIEW:
        raise ApplicationError(_("只有待审批的临时救助案件可以登记一事一议"), code="transition")
    if held_on > timezone.localdate():
        raise ApplicationError(_("会议日期不能晚于今天"), field="held_on")
    if not attendees.strip():
        raise ApplicationError(_("请填写参会人员"), field="attendees")
    if not decision.strip():
        raise ApplicationError(_("请填写议定事项"), field="decision")
    amount = parse_money(approved_amount, "approved_amount")
    if amount <= 0:
        raise ApplicationError(_("金额须大于零"), field="approved_amount")
    meeting = JointMeeting.objects.create(case=case, held_on=held_on, attendees=attendees.strip(),
                                          decision=decision.strip(), approved_amount=amount,
                                          recorded_by=actor)
    case.amount = amount
    case.save(update_fields=["amount", "updated_at"])
    audit_record(actor=actor, action="case.meeting", obj=case, region_code=case.village_id,
                 after={"meeting": meeting.pk, "amount": str(amount)})
    return meeting
