"""The monitoring run as a whole: who is monitored, events raised once, deadlines in working
days, a township's run kept to its villages, the run's counts, failures and who may run it."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from benefits.models import Enrollment, RecheckTask
from jiuzhu.errors import ApplicationError
from monitoring.models import MonitoringRun, RuleCode, RunStatus, Warning
from monitoring.rules import RULES
from policies.models import Parameter
from registry.models import Disability, Person

from .engine_data import (
    ON,
    TOWNSHIP_A,
    VILLAGE_B,
    applicant,
    end_enrollment,
    fact,
    household,
    member,
    raised,
    run,
    snapshot,
    sources,  # noqa: F401 - fixture
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sources")]
R = RuleCode


def test_the_population_is_every_enrolled_or_registered_household_without_excluded_members(
) -> None:
    for programme in ("dibao_rural", "tekun", "edge", "rigid", "temporary"):
        household(programme=programme)
    two = household()
    member(two)
    member(two, excluded=True)
    suspended, ended = household(), household()
    household(programme=None)  # never enrolled, never registered
    Enrollment.objects.filter(household=suspended).update(status="suspended")
    end_enrollment(ended)
    # No one counted: no one to monitor and no main earner to address a warning to.
    absent = household()
    Person.objects.filter(household=absent).update(excluded=True, excluded_reason="prison")
    RecheckTask.objects.create(enrollment=Enrollment.objects.get(household=absent),
                               kind="scheduled", due_on=ON - timedelta(days=9))
    result = run()
    assert result.monitored_persons == 5 + 2
    assert result.raised[R.MISSED_RECHECK] == 0


def test_a_second_run_raises_nothing_new_and_a_new_event_raises_again() -> None:
    snap = snapshot("death")
    h, other = household(), household()
    fact(snap, applicant(h), "death_date", day=ON - timedelta(days=4))
    member(other, relation="child", birth=date(2011, 2, 1))
    first = run()
    assert (first.raised[R.EARNER_DEATH], first.raised[R.SCHOOL_ENTRY]) == (1, 1)
    again = run()
    assert sum(again.raised.values()) == 0 and Warning.objects.count() == 2
    # A corrected death date is another event; a certificate issued since is a new one.
    snap.delete()
    fact(snapshot("death", as_of=ON - timedelta(days=1)), applicant(h), "death_date",
         day=ON - timedelta(days=6))
    Disability.objects.create(person=applicant(other), category="visual", grade=1,
                              issued_on=ON - timedelta(days=2))
    third = run()
    assert (third.raised[R.EARNER_DEATH], third.raised[R.EARNER_DISABILITY]) == (1, 1)
    assert raised(R.EARNER_DEATH) == {(applicant(h).pk, "2026-11-16"),
                                      (applicant(h).pk, "2026-11-14")}


def test_the_deadline_is_counted_in_working_days_across_the_national_day_holiday() -> None:
    h = household()
    member(h, relation="child", birth=date(2011, 2, 1))
    run(on=date(2026, 9, 30))
    # 5 working days from Wed 09-30: 10-01…10-07 are holidays; 10-08, 10-09, Sat 10-10 (调休),
    # 10-12, 10-13.
    warning = Warning.objects.get()
    assert (warning.raised_on, warning.due_on) == (date(2026, 9, 30), date(2026, 10, 13))


def test_a_township_run_covers_only_its_villages() -> None:
    in_a, in_b = household(), household(VILLAGE_B)
    child_a = member(in_a, relation="child", birth=date(2011, 2, 1))
    member(in_b, relation="child", birth=date(2011, 2, 1))
    result = run(region=TOWNSHIP_A)
    assert result.region_code == TOWNSHIP_A and result.monitored_persons == 2
    assert raised(R.SCHOOL_ENTRY) == {(child_a.pk, "2026")}
    assert set(Warning.objects.values_list("village_code", flat=True)) == {in_a.village_id}


def test_the_run_records_its_counts_and_an_audit_row(county_admin: Any) -> None:
    h = household()
    member(h, relation="child", birth=date(2011, 2, 1))
    member(h, relation="child", birth=date(2008, 2, 1))
    fact(snapshot("unemployment"), applicant(h), "registered")
    result = run(actor=county_admin)
    result.refresh_from_db()
    assert result.status == RunStatus.DONE and result.started_by == county_admin
    # Every rule, zeros included (PostgreSQL's jsonb keeps no key order: list them by RULES).
    assert set(result.raised) == set(RULES)
    assert {k: v for k, v in result.raised.items() if v} == {R.SCHOOL_ENTRY: 2, R.JOB_LOSS: 1}
    assert result.monitored_persons == 3 and result.finished_at and result.seconds is not None
    assert Warning.objects.filter(run=result).count() == 3
    event = AuditEvent.objects.get(action="monitoring.run", object_id=str(result.pk))
    assert event.actor == county_admin and event.after
    assert event.after["raised"] == result.raised


def test_a_failed_run_is_recorded_and_raises_nothing() -> None:
    h = household()
    member(h, relation="child", birth=date(2011, 2, 1))
    Parameter.objects.filter(key="warning.thresholds.medical").delete()
    with pytest.raises(Exception, match=r"warning\.thresholds\.medical"):
        run()
    failed = MonitoringRun.objects.get()
    assert failed.status == RunStatus.FAILED and "warning.thresholds.medical" in failed.error
    assert not Warning.objects.exists()
    assert AuditEvent.objects.filter(action="monitoring.run_failed").count() == 1


@pytest.mark.parametrize(("who", "region", "on", "field"), [
    ("grid_a", TOWNSHIP_A, ON, None),              # a grid worker does not run it
    ("clerk_b", TOWNSHIP_A, ON, "region"),         # not township B's clerk's region
    ("clerk_a", "620802100201", ON, "region"),     # a village: run the township
    ("county_admin", TOWNSHIP_A, date(2099, 1, 1), "on_date"),
])
def test_bad_runs_are_refused_and_change_nothing(request: pytest.FixtureRequest, who: str,
                                                 region: str, on: date,
                                                 field: str | None) -> None:
    actor = request.getfixturevalue(who)
    with pytest.raises(ApplicationError) as caught:
        run(region=region, on=on, actor=actor)
    assert caught.value.field == field
    assert not MonitoringRun.objects.exists() and not Warning.objects.exists()


def test_a_township_clerk_runs_their_township(clerk_a: Any) -> None:
    household()
    assert run(region=TOWNSHIP_A, actor=clerk_a).status == RunStatus.DONE


def test_the_command_prints_a_line_per_rule() -> None:
    h = household()
    member(h, relation="child", birth=date(2011, 2, 1))
    out = StringIO()
    call_command("monitoring_run", "--date", ON.isoformat(), stdout=out)
    lines = out.getvalue().splitlines()
    assert sum(1 for line in lines if line.strip().split(" ")[0] in RULES) == len(RULES)
    assert any("school_entry" in line and " 1 " in line for line in lines)
    assert MonitoringRun.objects.get().on_date == ON
    with pytest.raises(CommandError):
        call_command("monitoring_run", "--date", "2026-13-01", stdout=StringIO())
