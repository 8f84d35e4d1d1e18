"""特困 eligibility and self-care; 公示 period, objections and a second round."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.choices import CaseState, ObjectionOutcome, PublicityStatus
from cases.models import Case, Objection
from cases.services import decision, investigation, publicity
from cases.services.publicity import publicity_period
from cases.tekun import care_class_for
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.cases import (
    VILLAGE_A,
    accepted_case,
    household_of,
    in_publicity,
    staff,
    verified,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.mark.parametrize(("lost", "expected"), [(0, "self"), (1, "partial"), (3, "partial"),
                                                (4, "full"), (6, "full")])
def test_care_class_boundaries(lost: int, expected: str) -> None:
    assert care_class_for(lost) == expected


def _tekun(birth: date = date(1950, 5, 1), supporter: str = "none", wage: str = "0.00") -> Case:
    household = household_of(size=1, wage=wage, birth_date=birth)
    return accepted_case(household, programme="tekun", support_form="dispersed",
                         supporter_status=supporter)


def _assess(case: Case, *lost: str) -> None:
    investigation.selfcare_assess(actor=staff("clerk_a"), case_id=case.pk,
                                  lost={a: True for a in lost}, assessor="区社会福利院评估组",
                                  assessed_on=TODAY)


def test_tekun_example_6_partial_loss(county: None) -> None:
    case = _tekun()
    _assess(case, "bathing", "dressing", "toileting")
    case = verified(Case.objects.get(pk=case.pk))
    case = decision.case_township_opinion(actor=staff("reviewer_a"), case_id=case.pk,
                                          eligible=True, opinion_text="三无老人，符合特困条件")
    assert case.care_class == "partial"
    assert case.amount == Decimal("1580.00")  # 1.3 × 600 = 780 basic + 800 care (domain §15 ex. 6)
    assert [c["ok"] for c in case.eligibility] == [True, True, True]
    assert case.state == CaseState.PUBLICITY


def test_tekun_opinion_refused_without_assessment_or_when_conditions_fail(county: None) -> None:
    case = verified(_tekun())
    with pytest.raises(ApplicationError, match="自理能力评估"):
        decision.case_township_opinion(actor=staff("reviewer_a"), case_id=case.pk,
                                       eligible=True, opinion_text="符合")
    able = _tekun(birth=date(1980, 1, 1), supporter="able")
    _assess(able)
    able = verified(Case.objects.get(pk=able.pk))
    with pytest.raises(ApplicationError, match="特困供养条件"):
        decision.case_township_opinion(actor=staff("reviewer_a"), case_id=able.pk,
                                       eligible=True, opinion_text="符合")
    # "Not eligible" goes to the decision-maker without 公示.
    refused = decision.case_township_opinion(actor=staff("reviewer_a"), case_id=able.pk,
                                             eligible=False, opinion_text="有劳动能力，义务人有能力")
    assert refused.state == CaseState.COUNTY_REVIEW and not refused.publicities.exists()
    with pytest.raises(ApplicationError, match="只能不予批准"):
        decision.case_approve(actor=staff("county_admin"), case_id=able.pk)
    rejected = decision.case_reject(actor=staff("county_admin"), case_id=able.pk,
                                    reason="申请人有劳动能力")
    assert rejected.reject_notice_due is not None and rejected.reject_notice_due > TODAY


def test_publicity_period_and_holiday_warning(county: None) -> None:
    assert publicity_period(VILLAGE_A, date(2026, 6, 1)) == (date(2026, 6, 7), "")
    ends_on, warning = publicity_period(VILLAGE_A, date(2026, 2, 14))
    assert ends_on == date(2026, 2, 20) and "节假日" in warning  # domain §15 ex. 7


def test_objection_pauses_then_second_round(county: None) -> None:
    case = in_publicity(accepted_case(household_of()))
    first = case.publicities.get()
    publicity.objection_file(token=first.public_token, content="该户家中有轿车",
                             contact_name="匿名", contact_phone="13900000000")
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.OBJECTION
    assert Case.objects.get(pk=case.pk).publicities.get().status == PublicityStatus.OBJECTED
    # The paused case cannot be decided.
    with pytest.raises(ApplicationError):
        decision.case_approve(actor=staff("county_admin"), case_id=case.pk)
    publicity.case_reinvestigate(actor=staff("clerk_a"), case_id=case.pk)
    publicity.objection_resolve(actor=staff("reviewer_a"), case_id=case.pk,
                                outcome=ObjectionOutcome.DISMISSED,
                                outcome_text="经复查，车辆已于2024年报废注销")
    assert Objection.objects.get().outcome == ObjectionOutcome.DISMISSED
    case = decision.case_township_opinion(actor=staff("reviewer_a"), case_id=case.pk,
                                          eligible=True, opinion_text="复查后仍符合条件")
    assert case.state == CaseState.PUBLICITY
    rounds = list(case.publicities.values_list("round", "status").order_by("round"))
    assert rounds == [(1, PublicityStatus.ENDED), (2, PublicityStatus.ACTIVE)]


def test_withdrawing_takes_the_notice_down(county: None) -> None:
    from cases.services import intake

    case = in_publicity(accepted_case(household_of()))
    intake.case_withdraw(actor=staff("clerk_a"), case_id=case.pk, reason="申请人主动撤回")
    notice = case.publicities.get()
    assert notice.status == PublicityStatus.WITHDRAWN
    with pytest.raises(ApplicationError):
        publicity.objection_file(token=notice.public_token, content="有异议")
    assert not Objection.objects.exists()


def test_objection_outside_period_or_empty_is_refused(county: None) -> None:
    case = in_publicity(accepted_case(household_of()))
    notice = case.publicities.get()
    with pytest.raises(ApplicationError) as err:
        publicity.objection_file(token=notice.public_token, content="   ")
    assert err.value.field == "content"
    notice.starts_on, notice.ends_on = TODAY - timedelta(days=10), TODAY - timedelta(days=4)
    notice.save()
    with pytest.raises(ApplicationError):
        publicity.objection_file(token=notice.public_token, content="有异议")
    assert Case.objects.get(pk=case.pk).state == CaseState.PUBLICITY


def test_publicity_shows_masked_name_only(county: None) -> None:
    case = in_publicity(accepted_case(household_of(name="张三丰")))
    notice = case.publicities.get()
    assert notice.masked_name == "张**"
    assert notice.household_size == 3 and notice.amount == Decimal("900.00")


def test_approval_needs_survey_and_verification(county: None) -> None:
    case = in_publicity(accepted_case(household_of()))
    case.verifications.update(result="")
    case.publicities.update(starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 11))
    with pytest.raises(ApplicationError, match="核对结果"):
        decision.case_approve(actor=staff("county_admin"), case_id=case.pk)
    case.verifications.update(result="pass")
    case.surveys.update(family_signed=False)
    with pytest.raises(ApplicationError, match="入户调查"):
        decision.case_approve(actor=staff("county_admin"), case_id=case.pk)
    assert Case.objects.get(pk=case.pk).state == CaseState.PUBLICITY
