"""Enrollment writes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from cases.benefit import counted_members
from cases.models import Case
from jiuzhu.errors import ApplicationError
from policies.params import param_or

from ..models import Enrollment, EnrollmentMember
from ..months import add_months, month_of


def first_payment_month(region_code: str, decided_on: date) -> date:
    """57号§21, 43号§17: paid from the month after the decision (offset is a parameter)."""
    offset = int(param_or("enrollment.start_offset_months", region_code, decided_on, 1))
    return add_months(month_of(decided_on), offset)


def enrollment_create_from_case(*, actor: Any, case: Case, one_off: bool = False,
                                prepaid: bool = False) -> Enrollment:
    """Called inside the approving transaction; a member already enrolled refuses it all."""
    assert case.amount is not None and case.decided_on is not None
    members = counted_members(case)
    enrollment = Enrollment.objects.create(
        programme_id=case.programme_id, household_id=case.household_id, case=case,
        village_id=case.village_id, monthly_amount=case.amount, one_off=one_off, prepaid=prepaid,
        start_month=first_payment_month(case.village_id, case.decided_on),
        care_class=case.care_class, support_form=case.support_form, persons=len(members),
        last_recheck_on=case.decided_on,
    )
    try:
        with transaction.atomic():
            EnrollmentMember.objects.bulk_create([
                # A one-off grant leaves no standing membership, so it never blocks a later
                # application for the same programme.
                EnrollmentMember(enrollment=enrollment, person=p, programme_id=case.programme_id,
                                 active=not one_off)
                for p in members
            ])
    except IntegrityError as exc:
        raise ApplicationError(
            _("家庭中有成员已在享受该救助项目，不能重复纳入"), code="duplicate"
        ) from exc
    audit_record(actor=actor, action="enrollment.create", obj=enrollment,
                 region_code=case.village_id,
                 after={"case": case.number, "amount": str(case.amount),
                        "start_month": enrollment.start_month.isoformat()})
    return enrollment
