"""Drive cases through their stages with the real services, as the right personas would."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from accounts.models import User
from cases.models import Case
from cases.services import decision, intake, investigation, publicity
from cases.services.intake import IntakeInput
from cases.services.investigation import SurveyInput
from registry.models import Household, IncomeRecord

from .factories import PersonFactory, household_with_applicant

VILLAGE_A = "620802100201"
VILLAGE_B = "620802101201"


def household_of(size: int = 3, wage: str = "900.00", village: str = VILLAGE_A,
                 **applicant: Any) -> Household:
    """A rural household whose applicant earns `wage` a month (domain §15 example 1)."""
    household = household_with_applicant(village, **applicant)
    for i in range(size - 1):
        PersonFactory(household=household, relation="child", name=f"成员{i}",
                      birth_date=date(2000 + i, 3, 1))
    IncomeRecord.objects.create(person=household.members.get(relation="applicant"), income_type="wage",
                                monthly_amount=wage, start_month=date(2026, 1, 1),
                                source="declared")
    return household


def staff(username: str) -> User:
    return User.objects.select_related("region").get(username=username)


def accepted_case(household: Household, programme: str = "dibao_rural", **fields: Any) -> Case:
    data = IntakeInput(programme=programme, accept_now=True,
                       consent_signed_on=timezone.localdate(), reason="家庭困难", **fields)
    return intake.case_create(actor=staff("clerk_a"), household=household, data=data)


def surveyed(case: Case) -> Case:
    clerk = staff("clerk_a")
    investigation.case_start_investigation(actor=clerk, case_id=case.pk)
    investigation.survey_record(actor=clerk, case_id=case.pk, data=SurveyInput(
        surveyed_on=timezone.localdate(), worker_2_name="村干部王五", housing="自有砖木房两间",
        living_conditions="家中无大件家电，收入来源单一", conclusion="情况属实",
        family_signed=True))
    return investigation.case_complete_survey(actor=clerk, case_id=case.pk)


def verified(case: Case, result: str = "pass") -> Case:
    case = surveyed(case)
    return investigation.verification_record(actor=staff("county_admin"), case_id=case.pk,
                                             result=result, summary="未发现车辆、房产、工商登记")


def in_publicity(case: Case) -> Case:
    case = verified(case)
    return decision.case_township_opinion(actor=staff("reviewer_a"), case_id=case.pk,
                                          eligible=True, opinion_text="符合条件，同意纳入")


def publicity_over(case: Case) -> Case:
    """Backdate the notice so the period is over, then run the nightly close."""
    case = in_publicity(case)
    current = case.publicities.get()
    current.starts_on, current.ends_on = date(2026, 1, 5), date(2026, 1, 11)
    current.save()
    publicity.publicity_close_due(timezone.localdate())
    return Case.objects.get(pk=case.pk)
