"""临时救助 (domain §4): 先行救助 from the township fund, then the paperwork; 支出型 through the
full procedure; county approval above the township cap; 一事一议 above the meeting threshold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from benefits.models import Enrollment, EnrollmentMember
from calendar_days.models import CalendarDay, DayKind
from calendar_days.workdays import add_working_days, working_days_between
from cases.choices import CaseState
from cases.models import Case, CaseTransition, JointMeeting
from cases.services import decision
from cases.services.intake import document_attach
from cases.services.temporary import case_complete_paperwork, case_prepay, meeting_record
from cases.workflow import decider_roles
from demo.reference import TOWNSHIP_A
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.cases import accepted_case, household_of, staff, verified
from relief.models import EntryKind, ReserveEntry, ReserveFund
from relief.services import reserve_allocate

pytestmark = pytest.mark.django_db


def temporary_case(kind: str, amount: str) -> Case:
    return accepted_case(household_of(), programme="temporary", temporary_kind=kind,
                         requested_amount=amount)


def fund_a(amount: str = "10000.00") -> None:
    reserve_allocate(actor=staff("county_admin"), township_code=TOWNSHIP_A, amount=amount)


def balance_a() -> Decimal:
    return ReserveFund.objects.get(township_id=TOWNSHIP_A).balance


def attach_pdf(case: Case, name: str = "a.pdf") -> None:
    document_attach(actor=staff("reviewer_a"), case=case, kind="other",
                    upload=SimpleUploadedFile(name, b"%PDF-1.4 test",
                                              content_type="application/pdf"))


def in_county_review(kind: str, amount: str) -> Case:
    """支出型 goes the full way: survey, 核对, the township's opinion, then 审批."""
    case = verified(temporary_case(kind, amount))
    assert case.state == CaseState.TOWNSHIP_OPINION
    return decision.case_township_opinion(actor=staff("reviewer_a"), case_id=case.pk,
                                          eligible=True, opinion_text="医疗支出大，符合条件")


def is_working_day(day: date) -> bool:
    kind = CalendarDay.objects.filter(date=day).values_list("kind", flat=True).first()
    return kind == DayKind.WORKDAY or (kind is None and day.weekday() < 5)


# --- 急难型: 先行救助 ---------------------------------------------------------------------------


def test_emergency_within_the_cap_is_prepaid_from_the_fund(county: None) -> None:
    fund_a("10000.00")
    case = temporary_case("emergency", "2000.00")
    case = case_prepay(actor=staff("reviewer_a"), case_id=case.pk, reason="火灾，急需安置")
    assert case.state == CaseState.PREPAID
    assert case.amount == Decimal("2000.00")
    today = timezone.localdate()
    assert case.paperwork_due is not None and case.paperwork_due > today
    assert is_working_day(case.paperwork_due)
    assert working_days_between(today, case.paperwork_due) == 5  # temp.prepay_paperwork_days
    assert case.paperwork_due == add_working_days(today, 5).date
    assert balance_a() == Decimal("8000.00")
    payment = ReserveEntry.objects.get(kind=EntryKind.PAYMENT)
    assert (payment.amount, payment.balance_after, payment.case_id) == (
        Decimal("-2000.00"), Decimal("8000.00"), case.pk)
    assert case.number in payment.note
    stored = Case.objects.get(pk=case.pk)
    assert stored.state == CaseState.PREPAID and stored.paperwork_due == case.paperwork_due
    assert CaseTransition.objects.filter(case=case, action="prepay",
                                         reason="火灾，急需安置").exists()
    assert not Enrollment.objects.exists()  # recorded only once the paperwork is complete


def test_emergency_exactly_at_the_cap_may_be_prepaid(county: None) -> None:
    """The cap is "3000元以内": 以内 includes the limit (民法典§1259)."""
    fund_a()
    case = case_prepay(actor=staff("reviewer_a"),
                       case_id=temporary_case("emergency", "3000.00").pk)
    assert case.state == CaseState.PREPAID and balance_a() == Decimal("7000.00")


def test_paperwork_is_refused_without_a_document_then_approves_one_off(county: None) -> None:
    fund_a()
    reviewer = staff("reviewer_a")
    case = case_prepay(actor=reviewer, case_id=temporary_case("emergency", "2000.00").pk)
    with pytest.raises(ApplicationError) as err:
        case_complete_paperwork(actor=reviewer, case_id=case.pk)
    assert "签字、盖章材料" in err.value.message
    assert Case.objects.get(pk=case.pk).state == CaseState.PREPAID
    assert not Enrollment.objects.exists()

    attach_pdf(case)
    case = case_complete_paperwork(actor=reviewer, case_id=case.pk)
    assert case.state == CaseState.APPROVED
    assert case.decided_by == reviewer and case.decided_on == timezone.localdate()
    assert case.opinion_eligible is True
    enrollment = Enrollment.objects.get(case=case)
    assert enrollment.one_off is True and enrollment.monthly_amount == Decimal("2000.00")
    assert EnrollmentMember.objects.filter(enrollment=enrollment).exists()
    # Paid once from the fund, at prepay; completing the paperwork pays nothing more.
    assert balance_a() == Decimal("8000.00")
    assert ReserveEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 1


def test_a_document_filed_before_the_payment_is_not_the_paperwork(county: None) -> None:
    fund_a()
    reviewer = staff("reviewer_a")
    case = temporary_case("emergency", "1000.00")
    attach_pdf(case, "id.pdf")  # e.g. the ID card at intake
    case_prepay(actor=reviewer, case_id=case.pk)
    with pytest.raises(ApplicationError):
        case_complete_paperwork(actor=reviewer, case_id=case.pk)
    assert Case.objects.get(pk=case.pk).state == CaseState.PREPAID
    attach_pdf(case, "signed.pdf")
    assert case_complete_paperwork(actor=reviewer, case_id=case.pk).state == CaseState.APPROVED


def test_only_the_township_reviewer_prepays(county: None) -> None:
    fund_a()
    case = temporary_case("emergency", "1000.00")
    for username in ("clerk_a", "county_admin", "clerk_b"):
        with pytest.raises(ApplicationError) as err:
            case_prepay(actor=staff(username), case_id=case.pk)
        assert err.value.code == "forbidden", username
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED
    assert balance_a() == Decimal("10000.00")


def test_prepay_is_refused_for_expenditure_type(county: None) -> None:
    fund_a()
    case = temporary_case("expenditure", "1000.00")
    with pytest.raises(ApplicationError) as err:
        case_prepay(actor=staff("reviewer_a"), case_id=case.pk)
    assert "急难型" in err.value.message and err.value.code == "transition"
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED
    assert balance_a() == Decimal("10000.00")
    assert not ReserveEntry.objects.filter(kind=EntryKind.PAYMENT).exists()


def test_prepay_is_refused_above_the_township_cap(county: None) -> None:
    fund_a()
    case = temporary_case("emergency", "3000.01")
    with pytest.raises(ApplicationError) as err:
        case_prepay(actor=staff("reviewer_a"), case_id=case.pk)
    assert "乡镇审批额度" in err.value.message
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED
    assert balance_a() == Decimal("10000.00")


def test_prepay_is_refused_when_the_fund_is_short(county: None) -> None:
    fund_a("500.00")
    case = temporary_case("emergency", "1000.00")
    with pytest.raises(ApplicationError) as err:
        case_prepay(actor=staff("reviewer_a"), case_id=case.pk)
    assert "备用金余额不足" in err.value.message
    stored = Case.objects.get(pk=case.pk)
    assert stored.state == CaseState.ACCEPTED and stored.paperwork_due is None
    assert not CaseTransition.objects.filter(case=case, action="prepay").exists()
    assert balance_a() == Decimal("500.00")
    assert not ReserveEntry.objects.filter(kind=EntryKind.PAYMENT).exists()


def test_prepay_is_refused_when_the_township_has_no_fund(county: None) -> None:
    case = temporary_case("emergency", "1000.00")
    with pytest.raises(ApplicationError) as err:
        case_prepay(actor=staff("reviewer_a"), case_id=case.pk)
    assert "尚未设立" in err.value.message
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED


def test_a_prepaid_case_cannot_be_paid_twice_or_withdrawn(county: None) -> None:
    fund_a()
    reviewer = staff("reviewer_a")
    case = case_prepay(actor=reviewer, case_id=temporary_case("emergency", "1000.00").pk)
    with pytest.raises(ApplicationError):
        case_prepay(actor=reviewer, case_id=case.pk)
    with pytest.raises(ApplicationError):
        from cases.services.intake import case_withdraw

        case_withdraw(actor=staff("clerk_a"), case_id=case.pk, reason="不需要了")
    assert balance_a() == Decimal("9000.00")
    assert Case.objects.get(pk=case.pk).state == CaseState.PREPAID


# --- 支出型 and county approval -----------------------------------------------------------------


def test_expenditure_above_the_cap_is_approved_by_the_county(county: None) -> None:
    case = in_county_review("expenditure", "5000.00")
    assert case.state == CaseState.COUNTY_REVIEW
    assert case.amount == Decimal("5000.00") and case.decision_due is not None
    assert decider_roles(case) == frozenset({"county_admin"})
    actions = list(case.transitions.values_list("action", flat=True))
    assert actions == ["submit", "accept", "start_investigation", "complete_survey",
                       "record_verification", "refer"]  # no 公示 for temporary assistance

    with pytest.raises(ApplicationError) as err:
        decision.case_approve(actor=staff("reviewer_a"), case_id=case.pk)
    assert err.value.code == "forbidden"
    assert Case.objects.get(pk=case.pk).state == CaseState.COUNTY_REVIEW

    case = decision.case_approve(actor=staff("county_admin"), case_id=case.pk)
    assert case.state == CaseState.APPROVED
    enrollment = Enrollment.objects.get(case=case)
    assert enrollment.one_off is True and enrollment.monthly_amount == Decimal("5000.00")
    assert not ReserveEntry.objects.exists()  # the county pays; the township fund is untouched


def test_expenditure_within_the_cap_is_approved_by_the_township(county: None) -> None:
    case = in_county_review("expenditure", "2500.00")
    assert decider_roles(case) == frozenset({"reviewer"})
    with pytest.raises(ApplicationError) as err:
        decision.case_approve(actor=staff("county_admin"), case_id=case.pk)
    assert err.value.code == "forbidden"
    case = decision.case_approve(actor=staff("reviewer_a"), case_id=case.pk)
    assert case.state == CaseState.APPROVED


def test_above_the_meeting_threshold_the_county_needs_a_joint_meeting(county: None) -> None:
    case = in_county_review("expenditure", "25000.00")
    county_admin = staff("county_admin")
    with pytest.raises(ApplicationError) as err:
        decision.case_approve(actor=county_admin, case_id=case.pk)
    assert "一事一议" in err.value.message
    assert Case.objects.get(pk=case.pk).state == CaseState.COUNTY_REVIEW

    with pytest.raises(ApplicationError) as err:
        meeting_record(actor=staff("reviewer_a"), case_id=case.pk, held_on=timezone.localdate(),
                       attendees="民政、医保、乡镇", decision="同意救助",
                       approved_amount="22000.00")
    assert err.value.code == "forbidden"
    assert not JointMeeting.objects.exists()

    meeting = meeting_record(actor=county_admin, case_id=case.pk, held_on=timezone.localdate(),
                             attendees="民政局、医保局、崆峒镇", decision="同意救助22000元",
                             approved_amount="22000.00")
    assert meeting.recorded_by == county_admin
    case = decision.case_approve(actor=county_admin, case_id=case.pk)
    assert case.state == CaseState.APPROVED
    assert Enrollment.objects.get(case=case).monthly_amount == Decimal("22000.00")


def test_meeting_record_checks_its_input(county: None) -> None:
    case = in_county_review("expenditure", "25000.00")
    county_admin = staff("county_admin")
    future = date(timezone.localdate().year + 1, 1, 1)
    changes: list[tuple[dict[str, Any], str]] = [
        ({"held_on": future}, "held_on"), ({"attendees": " "}, "attendees"),
        ({"decision": ""}, "decision"), ({"approved_amount": "0"}, "approved_amount"),
    ]
    for kwargs, field in changes:
        values: dict[str, Any] = {"held_on": timezone.localdate(), "attendees": "民政局",
                                  "decision": "同意", "approved_amount": "21000.00"} | kwargs
        with pytest.raises(ApplicationError) as err:
            meeting_record(actor=county_admin, case_id=case.pk, **values)
        assert err.value.field == field
    assert not JointMeeting.objects.exists()


def test_a_meeting_needs_a_case_in_county_review(county: None) -> None:
    case = temporary_case("expenditure", "25000.00")
    with pytest.raises(ApplicationError) as err:
        meeting_record(actor=staff("county_admin"), case_id=case.pk,
                       held_on=timezone.localdate(), attendees="民政局", decision="同意",
                       approved_amount="21000.00")
    assert err.value.code == "transition"


def test_a_household_helped_once_may_apply_again(county: None) -> None:
    fund_a()
    reviewer = staff("reviewer_a")
    first = case_prepay(actor=reviewer, case_id=temporary_case("emergency", "1000.00").pk)
    attach_pdf(first)
    case_complete_paperwork(actor=reviewer, case_id=first.pk)
    member = EnrollmentMember.objects.get(enrollment__case=first)
    assert member.person_id == first.applicant_id and member.active is False
    again = accepted_case(first.household, programme="temporary", temporary_kind="emergency",
                          requested_amount="800.00")
    assert again.state == CaseState.ACCEPTED and again.pk != first.pk
