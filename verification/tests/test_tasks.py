"""Review tasks from batch runs: new flagged findings only, once; deaths suspend at once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from audit.models import AuditEvent
from benefits.models import Enrollment, RecheckTask
from jiuzhu.testing.cases import staff
from jiuzhu.testing.fixtures import client_for
from verification import engine, services, tasks
from verification.models import DataSource, ReviewTask, Rule, Snapshot, VerificationRun
from verification.tests.test_engine import _recipients
from verification.tests.test_reports import fact, source

pytestmark = pytest.mark.django_db
COUNTY = "620802000000"


@pytest.fixture
def rules(county: None) -> None:
    DataSource.objects.update(active=False)
    Rule.objects.create(source_id=_vehicles().source_id, item="vehicle_value", operator="gt",
                        threshold=Decimal("50000"), consequence="ineligible")
    Rule.objects.create(source_id=_deaths().source_id, item="died_on", operator="present",
                        consequence="suspend")


def _vehicles() -> Snapshot:
    snapshot = source("vehicles", [("vehicle_value", "车辆价值", "amount", "asset:vehicle")])
    assert snapshot is not None
    return snapshot


def _deaths() -> Snapshot:
    snapshot = source("death", [("died_on", "死亡日期", "date", "")])
    assert snapshot is not None
    return snapshot


def _batch() -> VerificationRun:
    run = services.recipients_run_create(actor=staff("county_admin"), region_code=COUNTY)
    return engine.run_execute(run.pk)


def test_tasks_only_for_new_findings_with_a_consequence_and_once(rules: None) -> None:
    people = _recipients(3)
    vehicles = _vehicles()
    fact(vehicles, people[0], "vehicle_value", "85000")  # over the limit: ineligible
    fact(vehicles, people[1], "vehicle_value", "20000")  # found, but no rule applies
    first = _batch()
    assert tasks.after_run(first) == 1
    task = ReviewTask.objects.get()
    assert (task.run_id, task.household_id, task.kind, task.findings, task.status) == (
        first.pk, people[0].household_id, "hit", 1, "open")
    assert task.village_code == "620802100201"
    assert tasks.review_tasks_create(first) == 0 and ReviewTask.objects.count() == 1
    # Next month: the same car is no longer new; a new one over the limit is.
    fact(vehicles, people[2], "vehicle_value", "70000")
    second = _batch()
    assert tasks.after_run(second) == 1
    assert list(ReviewTask.objects.filter(run=second).values_list("household_id", flat=True)) \
        == [people[2].household_id]


def test_a_case_run_or_an_unfinished_run_opens_no_tasks(rules: None) -> None:
    people = _recipients(1)
    fact(_vehicles(), people[0], "vehicle_value", "85000")
    run = services.recipients_run_create(actor=staff("county_admin"), region_code=COUNTY)
    engine._match_chunk(run, 100)
    assert tasks.review_tasks_create(run) == 0  # findings not yet compared: none is "new" yet
    run = engine.run_execute(run.pk)
    VerificationRun.objects.filter(pk=run.pk).update(kind="case")
    run.refresh_from_db()
    assert tasks.after_run(run) == 0 and not ReviewTask.objects.exists()


def test_death_record_suspends_at_once_with_one_audit_row(rules: None) -> None:
    people = _recipients(2)
    fact(_deaths(), people[0], "died_on")
    run = _batch()
    tasks.after_run(run)
    dead, alive = (Enrollment.objects.get(household_id=p.household_id) for p in people)
    assert (dead.status, alive.status) == ("suspended", "active")
    audit = AuditEvent.objects.get(action="enrollment.suspend")
    assert (audit.object_id, audit.before, audit.after) == (
        str(dead.pk), {"status": "active"}, {"status": "suspended", "run": run.pk})
    assert ReviewTask.objects.get().kind == "death"
    tasks.review_tasks_create(run)
    assert AuditEvent.objects.filter(action="enrollment.suspend").count() == 1


def test_a_death_opens_the_households_recheck_due_three_months_after_it(rules: None) -> None:
    people = _recipients(2)
    fact(_deaths(), people[0], "died_on", when=date(2026, 8, 20))
    run = _batch()
    tasks.after_run(run)
    tasks.review_tasks_create(run)  # a second pass opens nothing new
    recheck = RecheckTask.objects.get()
    assert (recheck.enrollment.household_id, recheck.kind, recheck.due_on) == (
        people[0].household_id, "death", date(2026, 11, 20))


def test_clerks_see_and_close_their_townships_tasks(rules: None) -> None:
    people = _recipients(1)
    fact(_vehicles(), people[0], "vehicle_value", "85000")
    tasks.after_run(_batch())
    task = ReviewTask.objects.get()
    clerk_a, clerk_b = client_for(staff("clerk_a")), client_for(staff("clerk_b"))
    assert f"#{task.pk}" in clerk_a.get("/verification/tasks/").content.decode()
    assert f"#{task.pk}" not in clerk_b.get("/verification/tasks/").content.decode()
    assert clerk_b.get(f"/verification/tasks/{task.pk}/close/").status_code == 404
    assert clerk_b.post(f"/verification/tasks/{task.pk}/close/",
                        {"outcome_note": "x"}).status_code == 404
    page = clerk_a.get(f"/verification/tasks/{task.pk}/close/").content.decode()
    assert "车辆价值" in page and "85000" in page
    assert clerk_a.post(f"/verification/tasks/{task.pk}/close/",
                        {"outcome_note": " "}).status_code == 400
    task.refresh_from_db()
    assert task.status == "open"
    response = clerk_a.post(f"/verification/tasks/{task.pk}/close/",
                            {"outcome_note": "入户核实：车辆已于上月转让，提供过户证明"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.closed_by_id) == ("closed", staff("clerk_a").pk)
    assert AuditEvent.objects.filter(action="verification.task_close",
                                     object_id=str(task.pk)).count() == 1
    assert f"#{task.pk}" not in clerk_a.get("/verification/tasks/").content.decode()
    assert f"#{task.pk}" in clerk_a.get("/verification/tasks/?status=closed").content.decode()


def test_task_list_is_paged_with_few_queries(rules: None,
                                             django_assert_max_num_queries: Any) -> None:
    people = _recipients(3)
    vehicles = _vehicles()
    for p in people:
        fact(vehicles, p, "vehicle_value", "90000")
    tasks.after_run(_batch())
    web = client_for(staff("clerk_a"))
    with django_assert_max_num_queries(12):
        page = web.get("/verification/tasks/")
    assert page.content.decode().count('/close/">') == 3
