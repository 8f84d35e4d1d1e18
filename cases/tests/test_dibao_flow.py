"""A dibao case from counter intake to approval, and the refusals along the way."""

from datetime import date
from decimal import Decimal

import pytest

from benefits.models import Enrollment, EnrollmentMember
from cases.choices import CaseState
from cases.models import Case, CaseTransition
from cases.services import decision, intake
from cases.services.intake import IntakeInput
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.cases import accepted_case, household_of, publicity_over, staff

pytestmark = pytest.mark.django_db


def test_counter_case_runs_to_approval_with_enrollment(county: None) -> None:
    case = publicity_over(accepted_case(household_of()))
    assert case.state == CaseState.COUNTY_REVIEW
    assert case.decision_due is not None
    case = decision.case_approve(actor=staff("county_admin"), case_id=case.pk)
    assert case.state == CaseState.APPROVED
    assert case.amount == Decimal("900.00")  # domain §15 example 1
    enrollment = Enrollment.objects.get(case=case)
    assert enrollment.monthly_amount == Decimal("900.00")
    assert case.decided_on is not None
    assert enrollment.start_month.day == 1 and enrollment.start_month > case.decided_on
    assert EnrollmentMember.objects.filter(enrollment=enrollment).count() == 3
    actions = list(CaseTransition.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["submit", "accept", "start_investigation", "complete_survey",
                       "record_verification", "publish", "close_publicity", "approve"]


def test_second_open_application_is_refused(county: None) -> None:
    household = household_of()
    accepted_case(household)
    with pytest.raises(ApplicationError) as err:
        accepted_case(household)
    assert err.value.code == "duplicate"
    assert Case.objects.count() == 1


def test_clerk_cannot_approve_and_county_cannot_accept(county: None) -> None:
    household = household_of()
    case = intake.case_create(actor=staff("clerk_a"), household=household,
                              data=IntakeInput(programme="dibao_rural",
                                               consent_signed_on=date(2026, 11, 2)))
    assert case.state == CaseState.SUBMITTED
    with pytest.raises(ApplicationError) as err:
        intake.case_accept(actor=staff("county_admin"), case_id=case.pk)
    assert err.value.code == "forbidden"
    case = publicity_over(Case.objects.get(pk=intake.case_accept(
        actor=staff("clerk_a"), case_id=case.pk).pk))
    with pytest.raises(ApplicationError):
        decision.case_approve(actor=staff("clerk_a"), case_id=case.pk)
    assert Case.objects.get(pk=case.pk).state == CaseState.COUNTY_REVIEW


def test_clerk_of_other_township_cannot_move(county: None) -> None:
    case = intake.case_create(actor=staff("clerk_a"), household=household_of(),
                              data=IntakeInput(programme="dibao_rural"))
    with pytest.raises(ApplicationError) as err:
        intake.case_accept(actor=staff("clerk_b"), case_id=case.pk)
    assert "辖区" in err.value.message
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED


def test_deadlines_across_spring_festival(county: None) -> None:
    from cases.deadlines import start_acceptance_clocks

    case = accepted_case(household_of())
    start_acceptance_clocks(case, "dibao", date(2026, 2, 12))
    assert case.investigate_due == date(2026, 2, 24)
    assert case.overall_due == date(2026, 4, 1)
    assert case.extended_due == date(2026, 4, 23)


def test_every_dibao_clock_of_domain_example_7(county: None) -> None:
    """domain.md §15 ex. 7: accepted Thursday 2026-02-12, across the Spring Festival."""
    from cases.deadlines import due_after

    case = accepted_case(household_of())
    assert due_after(case, date(2026, 2, 13), "deadline.dibao.verify") == date(2026, 2, 25)
    assert due_after(case, date(2026, 3, 10), "deadline.dibao.county") == date(2026, 3, 24)
    assert due_after(case, date(2026, 3, 24), "deadline.dibao.reject") == date(2026, 3, 27)
    assert due_after(case, date(2026, 2, 12), "deadline.dibao.delegated") == date(2026, 3, 18)
