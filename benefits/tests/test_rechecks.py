"""Dynamic management: 停发/恢复/清退/渐退, re-check scheduling, death re-checks, decisions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from benefits.models import (
    AmountChange,
    BackPay,
    BackPayReason,
    EnrollmentMember,
    EnrollmentStatus,
    PayrollLine,
    RecheckKind,
    RecheckOutcome,
    RecheckStatus,
    RecheckTask,
)
from benefits.months import add_months, month_of
from benefits.services import payroll as payroll_service
from benefits.services.adjustments import recovery_create
from benefits.services.payroll import payroll_approve, payroll_compute
from benefits.services.rechecks import death_rechecks_open, recheck_decide, rechecks_schedule
from benefits.services.status import (
    enrollment_end,
    enrollment_gradual_exit,
    enrollment_resume,
    enrollment_suspend,
)
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import household_of

SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


def this_month() -> date:
    return month_of(timezone.localdate())


def approve(county_admin, county_checker, month: date, programme: str = "dibao_rural") -> None:
    run = payroll_compute(actor=county_admin, programme_id=programme, month=month).run
    payroll_approve(actor=county_checker, run_id=run.pk)


# -- status transitions -----------------------------------------------------------------------

def test_suspend_resume_end_and_the_illegal_moves(county_admin):
    enrollment = enrolled(household_of(2))
    with pytest.raises(ApplicationError) as active:
        enrollment_resume(actor=county_admin, enrollment_id=enrollment.pk, reason="恢复")
    assert active.value.code == "transition"
    with pytest.raises(ApplicationError) as no_reason:
        enrollment_suspend(actor=county_admin, enrollment_id=enrollment.pk, reason=" ")
    assert no_reason.value.field == "reason"

    enrollment_suspend(actor=county_admin, enrollment_id=enrollment.pk, reason="银行账户冻结")
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.end_reason) == (EnrollmentStatus.SUSPENDED, "银行账户冻结")
    for move in (enrollment_suspend, enrollment_gradual_exit):
        with pytest.raises(ApplicationError) as again:
            move(actor=county_admin, enrollment_id=enrollment.pk, reason="x")
        assert again.value.code == "transition"

    enrollment_resume(actor=county_admin, enrollment_id=enrollment.pk, reason="账户已更正")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE and enrollment.end_reason == ""
    enrollment_end(actor=county_admin, enrollment_id=enrollment.pk, reason="收入超过标准")
    for move in (enrollment_suspend, enrollment_resume, enrollment_end, enrollment_gradual_exit):
        with pytest.raises(ApplicationError) as ended:
            move(actor=county_admin, enrollment_id=enrollment.pk, reason="x")
        assert ended.value.code == "transition"
    actions = list(AuditEvent.objects.filter(object_id=str(enrollment.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["enrollment.suspend", "enrollment.resume", "enrollment.end"]


def test_township_staff_cannot_change_status(clerk_a):
    enrollment = enrolled(household_of(2))
    with pytest.raises(ApplicationError) as exc:
        enrollment_suspend(actor=clerk_a, enrollment_id=enrollment.pk, reason="外出")
    assert exc.value.code == "forbidden"


def test_end_frees_the_members_and_stops_deductions(county_admin, county_checker):
    enrollment = enrolled(household_of(2), "600.00", start=this_month())
    later = add_months(this_month(), 1)
    approve(county_admin, county_checker, this_month())
    approve(county_admin, county_checker, later)  # next month already paid as well
    plan = recovery_create(actor=county_admin, enrollment_id=enrollment.pk, total="300",
                           monthly_deduction="100", reason="多发", decision="决定")
    task = RecheckTask.objects.create(enrollment=enrollment, kind=RecheckKind.SCHEDULED,
                                      due_on=timezone.localdate())

    enrollment_end(actor=county_admin, enrollment_id=enrollment.pk, reason="家庭收入超过标准")

    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.ended_on, enrollment.end_month) == (
        EnrollmentStatus.ENDED, timezone.localdate(), later)
    assert not EnrollmentMember.objects.filter(enrollment=enrollment, active=True).exists()
    plan.refresh_from_db()
    task.refresh_from_db()
    assert plan.monthly_deduction == 0
    assert (task.status, task.outcome) == (RecheckStatus.DONE, RecheckOutcome.END)
    # The members may be enrolled again, e.g. after a new application.
    again = enrolled(enrollment.household, "500.00", account=False)
    assert again.members.filter(active=True).count() == 2


def test_end_without_payments_ends_in_the_decision_month(county_admin):
    enrollment = enrolled(household_of(1))
    enrollment_end(actor=county_admin, enrollment_id=enrollment.pk, reason="自愿退出")
    enrollment.refresh_from_db()
    assert enrollment.end_month == this_month()


def test_resume_releases_the_arrears_of_the_suspension(county_admin, county_checker):
    enrollment = enrolled(household_of(3), "900.00", start=SEP)
    quiet = enrolled(household_of(1), "300.00", start=SEP)
    enrollment_suspend(actor=county_admin, enrollment_id=enrollment.pk, reason="下落不明")
    enrollment_suspend(actor=county_admin, enrollment_id=quiet.pk, reason="下落不明")
    # The suspension was decided in mid-September; September and October were paid without it.
    AuditEvent.objects.filter(action="enrollment.suspend").update(
        at=timezone.make_aware(datetime(2026, 9, 15, 10, 0)))
    approve(county_admin, county_checker, SEP)
    approve(county_admin, county_checker, OCT)
    assert not PayrollLine.objects.filter(enrollment=enrollment).exists()

    enrollment_resume(actor=county_admin, enrollment_id=enrollment.pk, reason="已找到本人",
                      release_arrears=True)
    enrollment_resume(actor=county_admin, enrollment_id=quiet.pk, reason="已找到本人")

    arrears = BackPay.objects.filter(enrollment=enrollment).order_by("month_owed")
    assert [(b.month_owed, b.amount, b.reason) for b in arrears] == [
        (SEP, Decimal("900.00"), BackPayReason.ARREARS),
        (OCT, Decimal("900.00"), BackPayReason.ARREARS)]
    assert not BackPay.objects.filter(enrollment=quiet).exists()
    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    line = PayrollLine.objects.get(run=run, enrollment=enrollment)
    assert (line.back_pay, line.amount) == (Decimal("1800.00"), Decimal("2700.00"))


def test_gradual_exit_is_paid_its_months_then_ended_by_the_payroll(
        county_admin, county_checker, monkeypatch):
    # Six months are paid here in one go; the service refuses months beyond next month.
    monkeypatch.setattr(payroll_service, "latest_payable_month", lambda: date(2100, 1, 1))
    first = this_month()
    enrollment = enrolled(household_of(3), "900.00", start=first)

    enrollment_gradual_exit(actor=county_admin, enrollment_id=enrollment.pk,
                            reason="家庭成员稳定就业，收入超过低保标准")

    enrollment.refresh_from_db()
    assert enrollment.gradual_exit and enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.end_month == add_months(first, 5)  # gradual_exit.months = 6 (demo)
    with pytest.raises(ApplicationError) as twice:
        enrollment_gradual_exit(actor=county_admin, enrollment_id=enrollment.pk, reason="x")
    assert twice.value.code == "transition"
    for i in range(6):
        approve(county_admin, county_checker, add_months(first, i))
    assert PayrollLine.objects.filter(enrollment=enrollment).count() == 6
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE

    run = payroll_compute(actor=county_admin, programme_id="dibao_rural",
                          month=add_months(first, 6)).run

    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.gradual_exit) == (EnrollmentStatus.ENDED, False)
    assert not PayrollLine.objects.filter(run=run, enrollment=enrollment).exists()


# -- scheduling ---------------------------------------------------------------------------------

TODAY = date(2026, 11, 23)  # a Monday; 20 working days later is 2026-12-21


@pytest.fixture
def recipients(county):
    """Enrollments in each re-check category, with the due date each should get (or None)."""
    def make(programme="dibao_rural", **fields):
        return enrolled(household_of(1), programme=programme, start=date(2025, 12, 1), **fields)

    return {
        make(last_recheck_on=date(2025, 12, 1)): date(2026, 12, 1),     # stable: yearly
        make(last_recheck_on=date(2026, 1, 15)): None,                  # stable, due 2027-01
        make(income_stable=False, last_recheck_on=date(2026, 6, 1)): date(2026, 12, 1),
        make(income_stable=False, last_recheck_on=date(2026, 7, 15)): None,  # due 2027-01-15
        make(programme="tekun", last_recheck_on=date(2025, 12, 10)): date(2026, 12, 10),
        # Tekun is yearly even where income is unstable.
        make(programme="tekun", income_stable=False, last_recheck_on=date(2026, 6, 1)): None,
        make(): date(2026, 12, 1),                                      # never re-checked
        make(programme="temporary", one_off=True): None,
        make(status=EnrollmentStatus.SUSPENDED, last_recheck_on=date(2025, 12, 1)): None,
        make(status=EnrollmentStatus.ENDED, last_recheck_on=date(2025, 12, 1)): None,
    }


def _scheduled() -> dict[int, date]:
    return dict(RecheckTask.objects.filter(kind=RecheckKind.SCHEDULED)
                .values_list("enrollment_id", "due_on"))


def test_schedule_uses_each_categorys_interval_and_creates_once(recipients):
    assert rechecks_schedule(TODAY) == 4
    expected = {e.pk: due for e, due in recipients.items() if due}
    assert _scheduled() == expected
    assert rechecks_schedule(TODAY) == 0
    assert RecheckTask.objects.count() == 4


def test_schedule_is_set_based(recipients, django_assert_max_num_queries):
    for _ in range(20):
        enrolled(household_of(1), start=date(2025, 12, 1))
    # Parameters once per county, one read of the due enrollments, one insert: not per row.
    with django_assert_max_num_queries(12):
        assert rechecks_schedule(TODAY) == 24

def test_schedule_respects_the_notice_window(recipients):
    # 20 working days from 2026-10-26 end on 2026-11-23: nothing is due by then.
    assert rechecks_schedule(date(2026, 10, 26)) == 0
    # From 2026-11-02 the window reaches 2026-11-30 … still short of 2026-12-01.
    assert rechecks_schedule(date(2026, 11, 2)) == 0
    assert rechecks_schedule(date(2026, 11, 3)) == 3  # window to 2026-12-01
    assert set(_scheduled().values()) == {date(2026, 12, 1)}


def test_a_done_task_lets_the_next_one_be_scheduled(recipients, clerk_a):
    rechecks_schedule(TODAY)
    task = RecheckTask.objects.filter(due_on=date(2026, 12, 1)).order_by("id")[0]
    recheck_decide(actor=clerk_a, task_id=task.pk, outcome=RecheckOutcome.KEEP, note="情况未变")
    assert rechecks_schedule(TODAY) == 0  # re-checked today: next one due in a year


def test_schedule_command_prints_the_count(recipients):
    out = StringIO()
    call_command("schedule_rechecks", "--date", TODAY.isoformat(), stdout=out)
    assert "4" in out.getvalue()
    assert RecheckTask.objects.count() == 4


def test_death_rechecks_are_due_three_months_after_the_death(county):
    household = household_of(2)
    dibao = enrolled(household, programme="dibao_rural")
    tekun = enrolled(household_of(1), programme="tekun")
    ended = enrolled(household_of(1), status=EnrollmentStatus.ENDED)

    assert death_rechecks_open([dibao.pk, tekun.pk, ended.pk], date(2026, 11, 30)) == 2

    tasks = RecheckTask.objects.filter(kind=RecheckKind.DEATH)
    assert {(t.enrollment_id, t.due_on) for t in tasks} == {
        (dibao.pk, date(2027, 2, 28)), (tekun.pk, date(2027, 2, 28))}
    assert death_rechecks_open([dibao.pk], date(2026, 12, 5)) == 0  # one open is enough
    tasks.filter(enrollment=dibao).update(status=RecheckStatus.DONE, outcome=RecheckOutcome.KEEP)
    assert death_rechecks_open([dibao.pk], date(2026, 11, 30)) == 0  # the same death again


# -- decisions ----------------------------------------------------------------------------------

@pytest.fixture
def task(county):
    enrollment = enrolled(household_of(3), "900.00", last_recheck_on=date(2025, 11, 1))
    return RecheckTask.objects.create(enrollment=enrollment, kind=RecheckKind.SCHEDULED,
                                      due_on=date(2026, 11, 1))


def test_clerk_records_keep_and_the_clock_restarts(task, clerk_a):
    recheck_decide(actor=clerk_a, task_id=task.pk, outcome=RecheckOutcome.KEEP,
                   note="入户核实，家庭情况无变化", income_stable=False)
    task.refresh_from_db()
    enrollment = task.enrollment
    enrollment.refresh_from_db()
    assert (task.status, task.outcome, task.decided_by) == (
        RecheckStatus.DONE, RecheckOutcome.KEEP, clerk_a)
    assert (enrollment.last_recheck_on, enrollment.income_stable) == (
        timezone.localdate(), False)
    assert AuditEvent.objects.filter(action="recheck.decide", actor=clerk_a).exists()
    with pytest.raises(ApplicationError) as again:
        recheck_decide(actor=clerk_a, task_id=task.pk, outcome=RecheckOutcome.KEEP, note="再次")
    assert again.value.code == "transition"


def test_clerk_may_only_keep_and_other_townships_cannot_touch_it(task, clerk_a, clerk_b,
                                                                 reviewer_a):
    with pytest.raises(ApplicationError) as change:
        recheck_decide(actor=clerk_a, task_id=task.pk, outcome=RecheckOutcome.END,
                       note="收入超标")
    assert change.value.code == "forbidden" and change.value.field == "outcome"
    with pytest.raises(ApplicationError) as other:
        recheck_decide(actor=clerk_b, task_id=task.pk, outcome=RecheckOutcome.KEEP, note="无变化")
    assert other.value.code == "not_found"
    with pytest.raises(ApplicationError) as reviewer:
        recheck_decide(actor=reviewer_a, task_id=task.pk, outcome=RecheckOutcome.KEEP, note="x")
    assert reviewer.value.code == "forbidden"
    with pytest.raises(ApplicationError) as no_note:
        recheck_decide(actor=clerk_a, task_id=task.pk, outcome=RecheckOutcome.KEEP, note=" ")
    assert no_note.value.field == "note"
    task.refresh_from_db()
    assert task.status == RecheckStatus.OPEN


def test_county_change_takes_effect_next_month(task, county_admin):
    with pytest.raises(ApplicationError) as no_amount:
        recheck_decide(actor=county_admin, task_id=task.pk, outcome=RecheckOutcome.CHANGE,
                       note="一名成员外出务工")
    assert no_amount.value.field == "new_amount"

    recheck_decide(actor=county_admin, task_id=task.pk, outcome=RecheckOutcome.CHANGE,
                   note="一名成员外出务工", new_amount="600.00", new_persons=2)

    change = AmountChange.objects.get(enrollment=task.enrollment)
    assert (change.effective_month, change.new_amount, change.new_persons) == (
        add_months(this_month(), 1), Decimal("600.00"), 2)
    task.refresh_from_db()
    assert (task.status, task.outcome) == (RecheckStatus.DONE, RecheckOutcome.CHANGE)


@pytest.mark.parametrize(("outcome", "status", "gradual"), [
    (RecheckOutcome.SUSPEND, EnrollmentStatus.SUSPENDED, False),
    (RecheckOutcome.END, EnrollmentStatus.ENDED, False),
    (RecheckOutcome.GRADUAL_EXIT, EnrollmentStatus.ACTIVE, True),
])
def test_county_outcomes_move_the_enrollment(task, county_admin, outcome, status, gradual):
    recheck_decide(actor=county_admin, task_id=task.pk, outcome=outcome, note="复核发现收入变化")
    task.refresh_from_db()
    enrollment = task.enrollment
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.gradual_exit) == (status, gradual)
    assert (task.status, task.outcome, task.note) == (RecheckStatus.DONE, outcome,
                                                      "复核发现收入变化")
    assert enrollment.last_recheck_on == timezone.localdate()


def test_a_refused_outcome_leaves_the_task_open(task, county_admin):
    enrollment_suspend(actor=county_admin, enrollment_id=task.enrollment_id, reason="待复核")
    with pytest.raises(ApplicationError) as exc:
        recheck_decide(actor=county_admin, task_id=task.pk, outcome=RecheckOutcome.SUSPEND,
                       note="再次停发")
    assert exc.value.code == "transition"
    task.refresh_from_db()
    assert task.status == RecheckStatus.OPEN and task.outcome == ""

