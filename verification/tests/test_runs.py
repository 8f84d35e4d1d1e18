"""Batch pages: the county starts and follows a run; each township reads only its findings."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from jiuzhu.errors import ApplicationError
from jiuzhu.testing.cases import VILLAGE_B, household_of, staff
from jiuzhu.testing.fixtures import client_for
from registry.models import Person
from verification import services
from verification.models import (
    DataSource,
    Rule,
    RunStatus,
    Snapshot,
    SnapshotStatus,
    SourceFact,
    SourceItem,
    VerificationRun,
)
from verification.tests.test_engine import _recipients

pytestmark = pytest.mark.django_db


def _vehicles() -> Snapshot:
    from policies.models import Department

    dept = Department.objects.create(name="区公安分局交警大队")
    source = DataSource.objects.create(code="vehicles", name="机动车登记", department=dept)
    SourceItem.objects.create(source=source, code="vehicle_value", label="车辆价值",
                              column="车辆价值", kind="amount", feeds="asset:vehicle")
    from django.utils import timezone

    return Snapshot.objects.create(source=source, as_of=timezone.localdate(),
                                   status=SnapshotStatus.ACTIVE)


def _hit(snapshot: Snapshot, person: Person, value: str) -> None:
    SourceFact.objects.create(snapshot=snapshot, source=snapshot.source,
                              id_number=person.id_number, item="vehicle_value",
                              value_num=Decimal(value))


def test_county_runs_a_batch_and_townships_see_their_own(county: None) -> None:
    person_a = _recipients(1)[0]
    snapshot = _vehicles()
    _hit(snapshot, person_a, "80000")
    admin = client_for(staff("county_admin"))
    response = admin.post("/verification/runs/", {"region": "620802000000"})
    run = VerificationRun.objects.get()
    assert response.status_code == 302 and run.status == RunStatus.DONE and run.hits == 1
    page = admin.get(f"/verification/runs/{run.pk}/").content.decode()
    assert "崆峒镇" in page and person_a.name in page and "车辆价值" in page
    assert person_a.name in client_for(staff("clerk_a")).get(
        f"/verification/runs/{run.pk}/").content.decode()
    other = client_for(staff("clerk_b")).get(f"/verification/runs/{run.pk}/")
    assert other.status_code == 200 and person_a.name not in other.content.decode()
    assert client_for(staff("clerk_a")).post(
        "/verification/runs/", {"region": "620802100000"}).status_code == 403


def test_worker_finishes_a_queued_run(county: None) -> None:
    _recipients(1)
    run = services.recipients_run_create(actor=staff("county_admin"), region_code="620802000000")
    assert run.status == RunStatus.PENDING
    progress = client_for(staff("county_admin")).get(f"/verification/runs/{run.pk}/progress/")
    assert 'hx-trigger="every 2s"' in progress.content.decode()
    out = StringIO()
    call_command("verification_worker", stdout=out)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.persons_done == run.persons_total == 3
    assert f"run={run.pk}" in out.getvalue()
    done = client_for(staff("county_admin")).get(f"/verification/runs/{run.pk}/progress/")
    assert "every 2s" not in done.content.decode()


def test_rules_are_set_by_the_county(county: None) -> None:
    _vehicles()
    admin = client_for(staff("county_admin"))
    form = {"region": "620802000000", "item": "vehicles:vehicle_value", "operator": "gt",
            "threshold": "", "consequence": "ineligible", "note": "车辆超标"}
    missing = admin.post("/verification/runs/rules/", form)
    assert "请填写阈值" in missing.content.decode() and not Rule.objects.exists()
    form["threshold"] = "50000"
    assert admin.post("/verification/runs/rules/", form).status_code == 302
    rule = Rule.objects.get()
    assert rule.threshold == Decimal("50000.00") and rule.active
    admin.post(f"/verification/runs/rules/{rule.pk}/toggle/")
    rule.refresh_from_db()
    assert not rule.active
    assert client_for(staff("clerk_a")).get("/verification/runs/rules/").status_code == 403


def test_township_b_household_is_not_in_a_township_a_run(county: None) -> None:
    household_of(village=VILLAGE_B)
    _recipients(1)
    with pytest.raises(ApplicationError):
        services.recipients_run_create(actor=staff("clerk_b"), region_code="620802101000")
    run = services.recipients_run_create(actor=staff("county_admin"), region_code="620802100000")
    assert run.persons_total == 3




def test_schedule_queues_once_per_period(county: None) -> None:
    _recipients(1)
    out = StringIO()
    call_command("verification_schedule", stdout=out)
    assert "queued" in out.getvalue()
    call_command("verification_schedule", stdout=out)
    assert VerificationRun.objects.count() == 1


def test_a_batch_from_the_page_opens_review_tasks(county: None) -> None:
    from verification.models import ReviewTask

    person = _recipients(1)[0]
    _hit(_vehicles(), person, "90000")
    Rule.objects.create(source_id="vehicles", item="vehicle_value", operator="gt",
                        threshold=Decimal("50000"), consequence="ineligible")
    client_for(staff("county_admin")).post("/verification/runs/", {"region": "620802000000"})
    task = ReviewTask.objects.get()
    assert task.household_id == person.household_id and task.status == "open"
