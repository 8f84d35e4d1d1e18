"""Enrollments, accounts and payroll for tests, without walking each case through its stages."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from benefits.models import Enrollment, EnrollmentMember, PaymentAccount
from cases.choices import CaseState
from cases.models import Case
from registry.models import Household

_numbers = itertools.count(1)


def enrolled(household: Household, amount: str = "900.00", programme: str = "dibao_rural",
             start: date = date(2026, 1, 1), account: bool = True, **fields: Any) -> Enrollment:
    """An approved case and its active enrollment of every household member, plus (by default)
    an active 一卡通 account held by the applicant."""
    applicant = household.members.get(relation="applicant")
    case = Case.objects.create(
        number=f"T{next(_numbers):06d}", programme_id=programme, household=household,
        applicant=applicant, village_id=household.village_id,
        urban_rural=household.urban_rural, state=CaseState.APPROVED, channel="counter",
        amount=Decimal(amount), decided_on=date(start.year, start.month, 1))
    members = list(household.members.order_by("id"))
    enrollment = Enrollment.objects.create(
        programme_id=programme, household=household, case=case,
        village_id=household.village_id, monthly_amount=Decimal(amount), start_month=start,
        persons=len(members), **fields)
    EnrollmentMember.objects.bulk_create([
        EnrollmentMember(enrollment=enrollment, person=p, programme_id=programme)
        for p in members])
    if account:
        open_account(household)
    return enrollment


def open_account(household: Household, number: str | None = None) -> PaymentAccount:
    return PaymentAccount.objects.create(
        household=household, holder=household.members.get(relation="applicant"),
        bank="演示农村商业银行", account_number=number or f"6230{household.pk:012d}")
