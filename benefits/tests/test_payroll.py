"""Payroll runs: lines, maker-checker, idempotency, reopening, 补发 and 追回 deductions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from benefits.models import (
    AmountChange,
    BackPay,
    BackPayReason,
    BankFile,
    EnrollmentStatus,
    PayrollLine,
    PayrollRun,
    Recovery,
    RecoveryStatus,
    RunStatus,
)
from benefits.services.payroll import payroll_approve, payroll_compute, payroll_reopen
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import VILLAGE_B, household_of

NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


def _lines(run: PayrollRun) -> dict[int, PayrollLine]:
    return {line.enrollment_id: line
            for line in PayrollLine.objects.filter(run=run, version=run.version)}


def test_one_line_per_paid_enrollment_with_totals(county_admin):
    paid = enrolled(household_of(3), "900.00")
    other = enrolled(household_of(2, village=VILLAGE_B), "450.50")
    enrolled(household_of(1), "300.00", programme="dibao_urban")  # another programme
    enrolled(household_of(1), "300.00", start=DEC)  # starts later
    suspended = enrolled(household_of(1), "200.00")
    suspended.status = EnrollmentStatus.SUSPENDED
    suspended.save()
    ended = enrolled(household_of(1), "200.00", end_month=date(2026, 10, 1))

    result = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV)

    run = result.run
    assert result.computed and run.status == RunStatus.DRAFT
    assert set(_lines(run)) == {paid.pk, other.pk}
    assert (run.lines, run.persons, run.total) == (2, 5, Decimal("1350.50"))
    line = _lines(run)[paid.pk]
    assert (line.base_amount, line.amount, line.persons, line.urban_rural) == (
        Decimal("900.00"), Decimal("900.00"), 3, "rural")
    assert line.account_id is not None and line.status == "pending"
    ended.refresh_from_db()
    assert (ended.status, ended.ended_on) == (EnrollmentStatus.ENDED, NOV)
    # The members may apply again.
    assert not ended.members.filter(active=True).exists()
    assert AuditEvent.objects.filter(action="payroll.compute", object_id=str(run.pk)).exists()


def test_maker_cannot_approve_and_checker_locks(county_admin, county_checker, clerk_a):
    enrolled(household_of(3))
    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    with pytest.raises(ApplicationError) as maker:
        payroll_approve(actor=county_admin, run_id=run.pk)
    assert maker.value.code == "forbidden"
    with pytest.raises(ApplicationError):
        payroll_approve(actor=clerk_a, run_id=run.pk)
    assert PayrollRun.objects.get(pk=run.pk).status == RunStatus.DRAFT

    payroll_approve(actor=county_checker, run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED and run.approved_by == county_checker
    with pytest.raises(ApplicationError) as again:
        payroll_approve(actor=county_checker, run_id=run.pk)
    assert again.value.code == "transition"


def test_recomputing_an_approved_month_changes_nothing(county_admin, county_checker):
    first = enrolled(household_of(3), "900.00")
    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    payroll_approve(actor=county_checker, run_id=run.pk)
    enrolled(household_of(2), "500.00")  # arrives after approval
    first.monthly_amount = Decimal("1000.00")
    first.save()

    again = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV)

    assert not again.computed
    assert PayrollLine.objects.filter(run=run).count() == 1
    assert PayrollRun.objects.get(pk=run.pk).total == Decimal("900.00")


def test_draft_recompute_replaces_lines(county_admin):
    enrollment = enrolled(household_of(3), "900.00")
    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    enrollment.monthly_amount = Decimal("800.00")
    enrollment.save()
    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    assert PayrollLine.objects.filter(run=run).count() == 1
    assert run.total == Decimal("800.00")


def test_reopen_keeps_history_and_refuses_after_bank_file(county_admin, county_checker):
    enrollment = enrolled(household_of(3), "900.00")
    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    payroll_approve(actor=county_checker, run_id=run.pk)
    with pytest.raises(ApplicationError) as no_reason:
        payroll_reopen(actor=county_checker, run_id=run.pk, reason=" ")
    assert no_reason.value.field == "reason"

    payroll_reopen(actor=county_checker, run_id=run.pk, reason="金额录入错误")
    enrollment.monthly_amount = Decimal("950.00")
    enrollment.save()
    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run

    assert run.version == 2 and run.total == Decimal("950.00")
    history = PayrollLine.objects.filter(run=run).order_by("version")
    assert [(line.version, line.amount) for line in history] == [
        (1, Decimal("900.00")), (2, Decimal("950.00"))]
    payroll_approve(actor=county_checker, run_id=run.pk)
    BankFile.objects.create(run=run, sequence=1, lines=1, total=run.total)
    with pytest.raises(ApplicationError) as sent:
        payroll_reopen(actor=county_checker, run_id=run.pk, reason="再次更正")
    assert sent.value.code == "transition"


def test_late_approval_is_back_paid_per_month_owed(county_admin, county_checker):
    enrolled(household_of(3))
    for month in (date(2026, 9, 1), date(2026, 10, 1)):
        run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=month).run
        payroll_approve(actor=county_checker, run_id=run.pk)
    # Approved in October with payment from September: both months' runs are already closed.
    late = enrolled(household_of(2), "600.00", start=date(2026, 9, 1))

    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run

    owed = BackPay.objects.filter(enrollment=late).order_by("month_owed")
    assert [(b.month_owed, b.amount, b.reason) for b in owed] == [
        (date(2026, 9, 1), Decimal("600.00"), BackPayReason.LATE_APPROVAL),
        (date(2026, 10, 1), Decimal("600.00"), BackPayReason.LATE_APPROVAL)]
    line = _lines(run)[late.pk]
    assert (line.base_amount, line.back_pay, line.amount) == (
        Decimal("600.00"), Decimal("1200.00"), Decimal("1800.00"))
    assert all(b.run_id == run.pk and b.run_version == 1 for b in owed)


def test_recovery_is_deducted_capped_and_settled(county_admin, county_checker):
    enrollment = enrolled(household_of(3), "900.00")
    plan = Recovery.objects.create(enrollment=enrollment, total=Decimal("250.00"),
                                   monthly_deduction=Decimal("200.00"), reason="多发",
                                   decision="区民政局追回决定〔2026〕1号")
    for month, expected in ((NOV, Decimal("200.00")), (DEC, Decimal("50.00"))):
        run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=month).run
        line = _lines(run)[enrollment.pk]
        assert (line.deduction, line.amount, line.recovery_id) == (
            expected, Decimal("900.00") - expected, plan.pk)
        payroll_approve(actor=county_checker, run_id=run.pk)
    plan.refresh_from_db()
    assert (plan.recovered, plan.status) == (Decimal("250.00"), RecoveryStatus.SETTLED)


def test_reopen_takes_back_the_deduction(county_admin, county_checker):
    enrollment = enrolled(household_of(3), "900.00")
    plan = Recovery.objects.create(enrollment=enrollment, total=Decimal("100.00"),
                                   monthly_deduction=Decimal("100.00"), reason="多发",
                                   decision="决定1号")
    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    payroll_approve(actor=county_checker, run_id=run.pk)
    plan.refresh_from_db()
    assert plan.status == RecoveryStatus.SETTLED
    payroll_reopen(actor=county_checker, run_id=run.pk, reason="更正")
    plan.refresh_from_db()
    assert (plan.recovered, plan.status) == (Decimal("0.00"), RecoveryStatus.OPEN)


def test_deduction_never_makes_a_line_negative(county_admin):
    enrollment = enrolled(household_of(1), "60.00")
    Recovery.objects.create(enrollment=enrollment, total=Decimal("500.00"),
                            monthly_deduction=Decimal("200.00"), reason="多发", decision="决定")
    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    line = _lines(run)[enrollment.pk]
    assert (line.deduction, line.amount) == (Decimal("60.00"), Decimal("0.00"))


def test_amount_change_applies_from_its_month(county_admin):
    enrollment = enrolled(household_of(3), "900.00")
    AmountChange.objects.create(
        enrollment=enrollment, effective_month=DEC, old_amount=Decimal("900.00"),
        new_amount=Decimal("600.00"), old_persons=3, new_persons=2, reason="成员外出务工",
        decision="复核决定")
    nov = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    dec = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=DEC).run
    assert _lines(nov)[enrollment.pk].amount == Decimal("900.00")
    line = _lines(dec)[enrollment.pk]
    assert (line.amount, line.persons) == (Decimal("600.00"), 2)


def test_one_off_grant_is_paid_only_in_its_month(county_admin):
    grant = enrolled(household_of(2), "3000.00", programme="temporary", start=NOV, one_off=True)
    # 先行救助: paid in cash from the township reserve fund, so never on a payroll.
    enrolled(household_of(1), "1000.00", programme="temporary", start=NOV, one_off=True,
             prepaid=True)
    nov = payroll_compute(actor=county_admin, programme_id="temporary", month=NOV).run
    dec = payroll_compute(actor=county_admin, programme_id="temporary", month=DEC).run
    assert set(_lines(nov)) == {grant.pk} and not _lines(dec)


def test_township_staff_cannot_compute(clerk_a):
    with pytest.raises(ApplicationError) as exc:
        payroll_compute(actor=clerk_a, programme_id="dibao_rural", month=NOV)
    assert exc.value.code == "forbidden"


def test_a_reopened_run_is_recomputed_before_it_can_be_approved(county_admin, county_checker):
    enrolled(household_of(3))
    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    payroll_approve(actor=county_checker, run_id=run.pk)
    payroll_reopen(actor=county_checker, run_id=run.pk, reason="更正")
    with pytest.raises(ApplicationError) as empty:
        payroll_approve(actor=county_checker, run_id=run.pk)
    assert empty.value.code == "transition"
    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    payroll_approve(actor=county_checker, run_id=run.pk)
    assert PayrollRun.objects.get(pk=run.pk).lines == 1


def test_months_are_paid_in_order_and_not_far_ahead(county_admin, county_checker):
    enrolled(household_of(3))
    oct_run = payroll_compute(actor=county_admin, programme_id="dibao_rural",
                              month=date(2026, 10, 1)).run
    payroll_approve(actor=county_checker, run_id=oct_run.pk)
    payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV)
    with pytest.raises(ApplicationError) as reopen:
        payroll_reopen(actor=county_checker, run_id=oct_run.pk, reason="更正")
    assert reopen.value.code == "transition"
    with pytest.raises(ApplicationError) as earlier:
        payroll_compute(actor=county_admin, programme_id="dibao_rural", month=date(2026, 9, 1))
    assert earlier.value.code == "transition"
    with pytest.raises(ApplicationError) as ahead:
        payroll_compute(actor=county_admin, programme_id="dibao_rural", month=date(2030, 1, 1))
    assert ahead.value.field == "month"
    assert not PayrollRun.objects.filter(month__in=[date(2026, 9, 1), date(2030, 1, 1)]).exists()


def test_an_ended_enrollment_is_paid_through_its_last_month(county_admin):
    stopped = enrolled(household_of(2), "500.00", end_month=NOV)
    stopped.status = EnrollmentStatus.ENDED  # 清退 decided in November, effective December
    stopped.save()
    nov = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    dec = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=DEC).run
    assert stopped.pk in _lines(nov) and stopped.pk not in _lines(dec)


def test_an_enrollment_made_between_computing_and_approving_is_back_paid(
        county_admin, county_checker):
    enrolled(household_of(3))
    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    late = enrolled(household_of(2), "600.00", start=NOV)  # approved after the run was computed
    payroll_approve(actor=county_checker, run_id=run.pk)
    dec = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=DEC).run
    line = _lines(dec)[late.pk]
    assert (line.back_pay, line.amount) == (Decimal("600.00"), Decimal("1200.00"))
