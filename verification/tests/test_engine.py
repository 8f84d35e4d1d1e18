"""Matching finds exactly the planted records, resumes without double counting, applies rules."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from benefits.models import Enrollment
from cases.services import decision
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.cases import accepted_case, household_of, publicity_over, staff
from policies.models import Department
from registry.models import Person
from verification import engine, importing, services
from verification.models import (
    DataSource,
    Finding,
    Rule,
    RunStatus,
    Snapshot,
    SnapshotStatus,
    SourceFact,
    VerificationRun,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _source(code: str, as_of: date = TODAY) -> Snapshot:
    dept, _ = Department.objects.get_or_create(name="区公安分局")
    source, _ = DataSource.objects.get_or_create(code=code, defaults={"name": code,
                                                                       "department": dept})
    return Snapshot.objects.create(source=source, as_of=as_of, status=SnapshotStatus.ACTIVE)


def _fact(snapshot: Snapshot, person: Person, item: str, value: str | None = None) -> None:
    SourceFact.objects.create(snapshot=snapshot, source=snapshot.source,
                              id_number=person.id_number, item=item,
                              value_num=Decimal(value) if value else None)


def _recipients(n: int) -> list[Person]:
    people = []
    for _ in range(n):
        case = decision.case_approve(actor=staff("county_admin"),
                                     case_id=publicity_over(accepted_case(household_of())).pk)
        people.append(case.applicant)
    return people


def test_batch_finds_planted_hits_and_resumes(county: None) -> None:
    people = _recipients(3)
    vehicles, business = _source("vehicles"), _source("business")
    _fact(vehicles, people[0], "vehicle_value", "85000")
    _fact(business, people[1], "registered")
    stranger = household_of().members.get(relation="applicant")
    _fact(vehicles, stranger, "vehicle_value", "1")  # not a recipient: never a finding
    Rule.objects.create(source_id="vehicles", item="vehicle_value", operator="gt",
                        threshold=Decimal("50000"), consequence="ineligible")
    Rule.objects.create(source_id="business", item="registered", operator="present",
                        consequence="review")
    run = services.recipients_run_create(actor=staff("county_admin"), region_code="620802000000")
    assert run.persons_total == 9  # three households of three counted members
    # Interrupt after the first chunk, then resume: nothing is matched twice.
    engine._match_chunk(run, 4)
    run.refresh_from_db()
    assert (run.persons_done, run.status) == (4, RunStatus.PENDING)
    run = engine.run_execute(run.pk, chunk=4)
    assert (run.status, run.persons_done, run.hits) == (RunStatus.DONE, 9, 2)
    found = {(f.person_id, f.source_id, f.consequence) for f in Finding.objects.filter(run=run)}
    assert found == {(people[0].pk, "vehicles", "ineligible"),
                     (people[1].pk, "business", "review")}
    assert run.new_hits == 2
    again = engine.run_execute(run.pk)
    assert again.hits == 2 and Finding.objects.filter(run=run).count() == 2


def test_second_batch_marks_only_changes_as_new(county: None) -> None:
    people = _recipients(2)
    vehicles = _source("vehicles")
    _fact(vehicles, people[0], "vehicle_value", "30000")
    first = engine.run_execute(services.recipients_run_create(
        actor=staff("county_admin"), region_code="620802000000").pk)
    _fact(vehicles, people[1], "vehicle_value", "60000")
    second = engine.run_execute(services.recipients_run_create(
        actor=staff("county_admin"), region_code="620802000000").pk)
    assert second.previous_id == first.pk and second.hits == 2 and second.new_hits == 1
    assert Finding.objects.get(run=second, new=True).person_id == people[1].pk


def test_stale_or_missing_sources_cannot_vouch(county: None) -> None:
    _source("vehicles", as_of=TODAY - timedelta(days=400))
    _source("business")
    DataSource.objects.create(code="death", name="死亡登记",
                              department=Department.objects.get(name="区公安分局"))
    status = engine.source_status(TODAY)
    assert status["vehicles"]["status"] == "stale"
    assert status["business"]["status"] == "ok"
    assert status["death"] == {"as_of": "", "status": "missing"}


def test_case_verification_needs_consent_and_is_scoped(county: None) -> None:
    case = accepted_case(household_of())
    case.consent_signed_on = None
    case.save()
    with pytest.raises(ApplicationError) as err:
        services.case_run(actor=staff("clerk_a"), case=case)
    assert err.value.field == "consent_signed_on"
    with pytest.raises(ApplicationError):
        services.case_run(actor=staff("clerk_b"), case=accepted_case(household_of()))
    assert not VerificationRun.objects.exists()


def test_only_county_starts_a_batch(county: None) -> None:
    with pytest.raises(ApplicationError) as err:
        services.recipients_run_create(actor=staff("clerk_a"), region_code="620802100000")
    assert err.value.code == "forbidden"
    assert Enrollment.objects.count() == 0




def test_a_switched_off_source_gives_no_findings(county: None) -> None:
    person = _recipients(1)[0]
    _fact(_source("vehicles"), person, "vehicle_value", "90000")
    DataSource.objects.filter(code="vehicles").update(active=False)
    run = engine.run_execute(services.recipients_run_create(
        actor=staff("county_admin"), region_code="620802000000").pk)
    assert run.hits == 0 and "vehicles" not in run.sources


def test_a_run_matches_the_snapshots_it_started_with(
        county: None, django_capture_on_commit_callbacks: Any) -> None:
    """The vehicles data is replaced while a batch is half way: the rest of the batch still
    reads the data it started with, and those facts are kept until the batch is done."""
    household = _recipients(1)[0].household
    last = household.members.order_by("-id_number").first()  # the last person matched
    assert last is not None
    started_with = _source("vehicles", as_of=TODAY - timedelta(days=30))
    _fact(started_with, last, "vehicle_value", "30000")
    run = services.recipients_run_create(actor=staff("county_admin"), region_code="620802000000")
    assert run.sources["vehicles"]["snapshots"] == [started_with.pk]
    engine._match_chunk(run, 1)  # interrupted after the first person
    replacement = Snapshot.objects.create(source_id="vehicles", as_of=TODAY, rows_total=1)
    _fact(replacement, last, "vehicle_value", "90000")
    with django_capture_on_commit_callbacks(execute=True):
        importing.snapshot_activate(actor=staff("county_admin"), snapshot=replacement,
                                    accept=importing.Accept.ALL)
    started_with.refresh_from_db()
    assert started_with.status == SnapshotStatus.SUPERSEDED
    # The purge the replacement triggers spares the facts the unfinished run pinned.
    assert SourceFact.objects.filter(snapshot=started_with).count() == 1
    run = engine.run_execute(run.pk, chunk=1)
    finding = Finding.objects.get(run=run)
    assert (finding.person_id, finding.value_num, finding.as_of) == (
        last.pk, Decimal("30000.00"), started_with.as_of)
    # Done: nothing pins them any more, so they go; the next run reads the replacement.
    assert not SourceFact.objects.filter(snapshot=started_with).exists()
    following = engine.run_execute(services.recipients_run_create(
        actor=staff("county_admin"), region_code="620802000000").pk)
    assert Finding.objects.get(run=following).value_num == Decimal("90000.00")


def test_append_mode_gives_one_finding_per_item_with_the_newest_value(county: None) -> None:
    first, second = _recipients(2)
    older = _source("vehicles", as_of=TODAY - timedelta(days=60))
    newer = _source("vehicles", as_of=TODAY - timedelta(days=5))
    same_day = _source("vehicles", as_of=TODAY - timedelta(days=5))  # uploaded after `newer`
    _fact(older, first, "vehicle_value", "40000")
    _fact(newer, first, "vehicle_value", "65000")
    _fact(older, first, "vehicle_count", "1")  # only in the older extract: still found
    _fact(newer, second, "vehicle_value", "10000")
    _fact(same_day, second, "vehicle_value", "12000")
    run = engine.run_execute(services.recipients_run_create(
        actor=staff("county_admin"), region_code="620802000000").pk)
    assert run.sources["vehicles"]["snapshots"] == [older.pk, newer.pk, same_day.pk]
    found = {(f.person_id, f.item, f.value_num, f.as_of) for f in Finding.objects.filter(run=run)}
    assert found == {(first.pk, "vehicle_value", Decimal("65000.00"), newer.as_of),
                     (first.pk, "vehicle_count", Decimal("1.00"), older.as_of),
                     (second.pk, "vehicle_value", Decimal("12000.00"), same_day.as_of)}
    assert run.hits == 3


def test_the_database_refuses_a_second_value_for_one_item_in_a_snapshot(county: None) -> None:
    person = household_of().members.get(relation="applicant")
    snapshot = _source("vehicles")
    _fact(snapshot, person, "vehicle_value", "1")
    with pytest.raises(IntegrityError), transaction.atomic():
        _fact(snapshot, person, "vehicle_value", "2")
    _fact(_source("vehicles"), person, "vehicle_value", "2")  # another snapshot may
