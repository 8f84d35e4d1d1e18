"""补发, 追回 and amount changes: itemised by month, settled against what was paid, county only."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from benefits.models import (
    AmountChange,
    BackPay,
    BackPayReason,
    Enrollment,
    LineStatus,
    PayrollLine,
    PayrollRun,
    Recovery,
    RecoveryStatus,
    Repayment,
)
from benefits.months import add_months, month_of
from benefits.services.adjustments import (
    amount_change_create,
    back_pay_create,
    recovery_create,
    recovery_write_off,
    repayment_record,
)
from benefits.services.payroll import payroll_approve, payroll_compute
from benefits.services.status import enrollment_end
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import household_of

AUG, SEP, OCT, NOV, DEC = (date(2026, m, 1) for m in (8, 9, 10, 11, 12))
DECISION = "区民政局决定〔2026〕12号"


def approved(county_admin, county_checker, *months: date) -> list[PayrollRun]:
    runs = []
    for month in months:
        run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=month).run
        runs.append(payroll_approve(actor=county_checker, run_id=run.pk))
    return runs


def line_of(enrollment: Enrollment, month: date) -> PayrollLine:
    run = PayrollRun.objects.get(programme_id="dibao_rural", month=month)
    return PayrollLine.objects.get(run=run, version=run.version, enrollment=enrollment)


def back_pay(actor, enrollment, month, amount="300.00", reason=BackPayReason.OTHER):
    return back_pay_create(actor=actor, enrollment_id=enrollment.pk, month_owed=month,
                           amount=amount, reason=reason, note="漏发", decision=DECISION)


# -- 补发 -------------------------------------------------------------------------------------

def test_manual_back_pay_is_itemised_by_month_and_paid_with_the_next_line(
        county_admin, county_checker):
    enrollment = enrolled(household_of(3), "900.00", start=AUG)
    approved(county_admin, county_checker, SEP, OCT)  # August had no run at all

    item = back_pay(county_admin, enrollment, AUG)

    assert (item.month_owed, item.amount, item.reason, item.run_id) == (
        AUG, Decimal("300.00"), BackPayReason.OTHER, None)
    event = AuditEvent.objects.get(action="enrollment.back_pay", object_id=str(enrollment.pk))
    assert event.actor == county_admin and (event.after or {})["month"] == "2026-08-01"
    payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV)
    line = line_of(enrollment, NOV)
    assert (line.back_pay, line.amount) == (Decimal("300.00"), Decimal("1200.00"))


def test_a_paid_month_is_back_paid_only_after_a_failed_payment(county_admin, county_checker):
    enrollment = enrolled(household_of(3), "900.00", start=SEP)
    approved(county_admin, county_checker, SEP)

    with pytest.raises(ApplicationError) as paid:
        back_pay(county_admin, enrollment, SEP)
    assert paid.value.field == "month_owed"
    with pytest.raises(ApplicationError) as not_failed:
        back_pay(county_admin, enrollment, SEP, "900.00", BackPayReason.FAILED_PAYMENT)
    assert not_failed.value.field == "month_owed"

    PayrollLine.objects.filter(enrollment=enrollment, month=SEP).update(
        status=LineStatus.FAILED, failure_reason="账户已冻结")
    back_pay(county_admin, enrollment, SEP, "900.00", BackPayReason.FAILED_PAYMENT)
    with pytest.raises(ApplicationError) as twice:
        back_pay(county_admin, enrollment, SEP, "900.00", BackPayReason.FAILED_PAYMENT)
    assert twice.value.code == "duplicate" and "同一原因" in twice.value.message
    assert BackPay.objects.filter(enrollment=enrollment).count() == 1


def test_back_pay_input_and_role_are_checked(county_admin, clerk_a):
    enrollment = enrolled(household_of(3), start=SEP)
    with pytest.raises(ApplicationError) as clerk:
        back_pay(clerk_a, enrollment, SEP)
    assert clerk.value.code == "forbidden"
    future = add_months(month_of(timezone.localdate()), 1)
    for month, amount, field in ((AUG, "100", "month_owed"), (future, "100", "month_owed"),
                                 (OCT, "0", "amount"), (OCT, "abc", "amount")):
        with pytest.raises(ApplicationError) as bad:
            back_pay(county_admin, enrollment, month, amount)
        assert bad.value.field == field
    with pytest.raises(ApplicationError) as no_decision:
        back_pay_create(actor=county_admin, enrollment_id=enrollment.pk, month_owed=OCT,
                        amount="100", reason=BackPayReason.OTHER, note="", decision=" ")
    assert no_decision.value.field == "decision"
    assert not BackPay.objects.exists()


# -- 金额变更 ---------------------------------------------------------------------------------

def test_retroactive_increase_back_pays_each_paid_month(county_admin, county_checker):
    enrollment = enrolled(household_of(3), "900.00", start=SEP)
    approved(county_admin, county_checker, SEP, OCT)

    change = amount_change_create(actor=county_admin, enrollment_id=enrollment.pk,
                                  new_amount="1000.00", new_persons=3, effective_month=SEP,
                                  reason="成员患重病，调增", decision=DECISION)

    owed = BackPay.objects.filter(enrollment=enrollment).order_by("month_owed")
    assert [(b.month_owed, b.amount, b.reason) for b in owed] == [
        (SEP, Decimal("100.00"), BackPayReason.INCREASE),
        (OCT, Decimal("100.00"), BackPayReason.INCREASE)]
    enrollment.refresh_from_db()
    assert change.applied and enrollment.monthly_amount == Decimal("1000.00")
    assert (change.old_amount, change.new_amount) == (Decimal("900.00"), Decimal("1000.00"))
    payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV)
    line = line_of(enrollment, NOV)
    assert (line.base_amount, line.back_pay, line.amount) == (
        Decimal("1000.00"), Decimal("200.00"), Decimal("1200.00"))


def test_retroactive_decrease_opens_one_recovery_for_the_overpayment(
        county_admin, county_checker):
    enrollment = enrolled(household_of(3), "900.00", start=SEP)
    approved(county_admin, county_checker, SEP, OCT)

    change = amount_change_create(actor=county_admin, enrollment_id=enrollment.pk,
                                  new_amount="800.00", new_persons=2, effective_month=SEP,
                                  reason="成员外出务工", decision=DECISION,
                                  monthly_deduction="150.00")

    plan = Recovery.objects.get(enrollment=enrollment)
    assert (plan.total, plan.monthly_deduction, plan.status) == (
        Decimal("200.00"), Decimal("150.00"), RecoveryStatus.OPEN)
    assert change.applied and not BackPay.objects.exists()
    payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV)
    line = line_of(enrollment, NOV)
    assert (line.base_amount, line.persons, line.deduction, line.amount) == (
        Decimal("800.00"), 2, Decimal("150.00"), Decimal("650.00"))


def test_a_decrease_over_an_open_recovery_is_refused_whole(county_admin, county_checker):
    enrollment = enrolled(household_of(3), "900.00", start=SEP)
    approved(county_admin, county_checker, SEP)
    recovery_create(actor=county_admin, enrollment_id=enrollment.pk, total="500.00",
                    monthly_deduction="100.00", reason="重复发放", decision=DECISION)

    with pytest.raises(ApplicationError) as exc:
        amount_change_create(actor=county_admin, enrollment_id=enrollment.pk,
                             new_amount="600.00", new_persons=3, effective_month=SEP,
                             reason="收入增加", decision=DECISION)

    assert exc.value.code == "conflict" and "结清" in exc.value.message
    assert not AmountChange.objects.exists()
    enrollment.refresh_from_db()
    assert enrollment.monthly_amount == Decimal("900.00")


def test_a_change_from_an_unpaid_month_waits_for_its_payroll(county_admin, county_checker):
    enrollment = enrolled(household_of(3), "900.00", start=SEP)
    approved(county_admin, county_checker, SEP, OCT)

    change = amount_change_create(actor=county_admin, enrollment_id=enrollment.pk,
                                  new_amount="700.00", new_persons=3, effective_month=DEC,
                                  reason="复核调整", decision=DECISION)

    enrollment.refresh_from_db()
    assert not change.applied and enrollment.monthly_amount == Decimal("900.00")
    assert not BackPay.objects.exists() and not Recovery.objects.exists()
    payroll_compute(actor=county_admin, programme_id="dibao_rural", month=DEC)
    assert line_of(enrollment, DEC).base_amount == Decimal("700.00")


def test_a_second_increase_tops_up_the_unpaid_back_pay(county_admin, county_checker):
    enrollment = enrolled(household_of(3), "900.00", start=SEP)
    approved(county_admin, county_checker, SEP)
    for amount in ("950.00", "1000.00"):
        amount_change_create(actor=county_admin, enrollment_id=enrollment.pk, new_amount=amount,
                             new_persons=3, effective_month=SEP, reason="调增", decision=DECISION)
    assert [(b.month_owed, b.amount) for b in BackPay.objects.all()] == [
        (SEP, Decimal("100.00"))]


def test_amount_change_input_is_checked(county_admin, clerk_a):
    enrollment = enrolled(household_of(3), "900.00", start=SEP)
    kwargs: dict[str, Any] = {"enrollment_id": enrollment.pk, "effective_month": DEC,
                              "reason": "调整", "decision": DECISION}
    with pytest.raises(ApplicationError) as clerk:
        amount_change_create(actor=clerk_a, new_amount="800", new_persons=3, **kwargs)
    assert clerk.value.code == "forbidden"
    for amount, persons, field in (("-1", 3, "new_amount"), ("800", 4, "new_persons"),
                                   ("900.00", 3, "new_amount")):
        with pytest.raises(ApplicationError) as bad:
            amount_change_create(actor=county_admin, new_amount=amount, new_persons=persons,
                                 **kwargs)
        assert bad.value.field == field
    assert not AmountChange.objects.exists()


# -- 追回 -------------------------------------------------------------------------------------

def test_one_open_recovery_per_enrollment(county_admin):
    enrollment = enrolled(household_of(3))
    recovery_create(actor=county_admin, enrollment_id=enrollment.pk, total="300.00",
                    monthly_deduction="0", reason="多发", decision=DECISION)
    with pytest.raises(ApplicationError) as second:
        recovery_create(actor=county_admin, enrollment_id=enrollment.pk, total="100.00",
                        monthly_deduction="0", reason="多发", decision=DECISION)
    assert second.value.code == "conflict"
    assert AuditEvent.objects.filter(action="enrollment.recovery").count() == 1


def test_an_ended_enrollment_repays_only(county_admin):
    enrollment = enrolled(household_of(3))
    enrollment_end(actor=county_admin, enrollment_id=enrollment.pk, reason="死亡")
    with pytest.raises(ApplicationError) as deducting:
        recovery_create(actor=county_admin, enrollment_id=enrollment.pk, total="300.00",
                        monthly_deduction="100", reason="多发", decision=DECISION)
    assert deducting.value.field == "monthly_deduction"
    plan = recovery_create(actor=county_admin, enrollment_id=enrollment.pk, total="300.00",
                           monthly_deduction="0", reason="多发", decision=DECISION)
    assert plan.monthly_deduction == 0


def test_repayments_settle_the_plan_and_never_exceed_it(county_admin):
    enrollment = enrolled(household_of(3))
    plan = recovery_create(actor=county_admin, enrollment_id=enrollment.pk, total="300.00",
                           monthly_deduction="0", reason="多发", decision=DECISION)
    today = timezone.localdate()

    with pytest.raises(ApplicationError) as too_much:
        repayment_record(actor=county_admin, recovery_id=plan.pk, amount="300.01",
                         paid_on=today, receipt="R001")
    assert too_much.value.field == "amount" and "300.00" in too_much.value.message
    with pytest.raises(ApplicationError) as tomorrow:
        repayment_record(actor=county_admin, recovery_id=plan.pk, amount="100",
                         paid_on=today + timedelta(days=1), receipt="R001")
    assert tomorrow.value.field == "paid_on"

    repayment_record(actor=county_admin, recovery_id=plan.pk, amount="100.00", paid_on=today,
                     receipt="R001")
    plan.refresh_from_db()
    assert (plan.recovered, plan.status) == (Decimal("100.00"), RecoveryStatus.OPEN)
    repayment_record(actor=county_admin, recovery_id=plan.pk, amount="200.00", paid_on=today,
                     receipt="R002")
    plan.refresh_from_db()
    assert (plan.recovered, plan.status) == (Decimal("300.00"), RecoveryStatus.SETTLED)
    with pytest.raises(ApplicationError) as settled:
        repayment_record(actor=county_admin, recovery_id=plan.pk, amount="1", paid_on=today,
                         receipt="R003")
    assert settled.value.code == "transition"
    assert Repayment.objects.filter(recovery=plan).count() == 2
    assert AuditEvent.objects.filter(action="enrollment.repayment").count() == 2


def test_repayment_leaves_room_for_the_draft_runs_deduction(county_admin):
    enrollment = enrolled(household_of(3), "900.00", start=SEP)
    plan = recovery_create(actor=county_admin, enrollment_id=enrollment.pk, total="200.00",
                           monthly_deduction="150.00", reason="多发", decision=DECISION)
    payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV)  # draft: −150

    with pytest.raises(ApplicationError) as exc:
        repayment_record(actor=county_admin, recovery_id=plan.pk, amount="100.00",
                         paid_on=timezone.localdate(), receipt="R1")
    assert "50.00" in exc.value.message


def test_write_off_is_a_county_decision_and_closes_the_plan(county_admin, clerk_a):
    enrollment = enrolled(household_of(3))
    plan = recovery_create(actor=county_admin, enrollment_id=enrollment.pk, total="300.00",
                           monthly_deduction="0", reason="多发", decision=DECISION)
    repayment_record(actor=county_admin, recovery_id=plan.pk, amount="100.00",
                     paid_on=timezone.localdate(), receipt="R001")
    with pytest.raises(ApplicationError) as clerk:
        recovery_write_off(actor=clerk_a, recovery_id=plan.pk, amount="200", decision=DECISION)
    assert clerk.value.code == "forbidden"
    with pytest.raises(ApplicationError) as over:
        recovery_write_off(actor=county_admin, recovery_id=plan.pk, amount="250",
                           decision=DECISION)
    assert over.value.field == "amount"

    recovery_write_off(actor=county_admin, recovery_id=plan.pk, amount="200.00",
                       decision="区民政局核销决定〔2026〕3号")

    plan.refresh_from_db()
    assert (plan.recovered, plan.written_off, plan.status) == (
        Decimal("100.00"), Decimal("200.00"), RecoveryStatus.WRITTEN_OFF)
    assert plan.outstanding == 0
