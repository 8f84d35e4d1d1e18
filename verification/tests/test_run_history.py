"""Batches over time: what is new since the last batch that covered a person, whatever scope it
was started for, and which batches still keep their person lists."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import AuditEvent
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import VILLAGE_A, VILLAGE_B, household_of, staff
from jiuzhu.testing.fixtures import client_for
from registry.models import Person
from verification import engine, services
from verification.models import Finding, RunPerson, SourceFact, VerificationRun
from verification.tests.test_engine import _fact, _source

pytestmark = pytest.mark.django_db
COUNTY, TOWNSHIP_A = "620802000000", "620802100000"
RANGE_A = ["620802100000", "620802100999"]


def _recipient(village: str) -> Person:
    """The applicant of a household of three with an active enrollment in `village`."""
    household = household_of(village=village)
    enrolled(household)
    return household.members.get(relation="applicant")


def _batch(region_code: str) -> VerificationRun:
    return engine.run_execute(services.recipients_run_create(
        actor=staff("county_admin"), region_code=region_code).pk)


def _new(run: VerificationRun) -> list[int]:
    return sorted(Finding.objects.filter(run=run, new=True).values_list("person_id", flat=True))


def test_a_township_batch_after_a_county_batch_compares_with_it(county: None) -> None:
    in_a, in_b = _recipient(VILLAGE_A), _recipient(VILLAGE_B)
    vehicles = _source("vehicles")
    _fact(vehicles, in_a, "vehicle_value", "70000")
    _fact(vehicles, in_b, "vehicle_value", "30000")
    county_batch = _batch(COUNTY)
    assert (county_batch.hits, county_batch.new_hits) == (2, 2)

    # Nothing changed: the township's batch finds the same car and calls nothing new.
    township_batch = _batch(TOWNSHIP_A)
    assert (township_batch.hits, township_batch.new_hits) == (1, 0)
    assert township_batch.previous_id == county_batch.pk
    assert township_batch.baseline == [[county_batch.pk, *RANGE_A]]

    # One new record in township A: exactly that one is new, compared with the township batch.
    spouse = in_a.household.members.exclude(pk=in_a.pk).order_by("id").first()
    assert spouse is not None
    _fact(vehicles, spouse, "vehicle_value", "45000")
    again = _batch(TOWNSHIP_A)
    assert (again.hits, again.new_hits, _new(again)) == (2, 1, [spouse.pk])
    assert again.baseline == [[township_batch.pk, *RANGE_A]]

    # The next county batch compares township A with its latest batch, the rest with the
    # county's; the car sold in township B shows as gone.
    SourceFact.objects.filter(id_number=in_b.id_number).delete()
    county_again = _batch(COUNTY)
    assert (county_again.hits, county_again.new_hits) == (2, 0)
    assert county_again.baseline == [[again.pk, *RANGE_A],
                                     [county_batch.pk, "620802000000", "620802999999"]]
    page = client_for(staff("county_admin")).get(f"/verification/runs/{county_again.pk}/")
    assert f"与上次复核（#{again.pk}、#{county_batch.pk}）相比，1 条命中已不再出现" \
        in page.content.decode()


def test_a_changed_value_is_new_even_across_scopes(county: None) -> None:
    person = _recipient(VILLAGE_A)
    vehicles = _source("vehicles")
    _fact(vehicles, person, "vehicle_value", "70000")
    _batch(COUNTY)
    SourceFact.objects.filter(id_number=person.id_number).update(value_num=Decimal("71000"))
    assert _new(_batch(TOWNSHIP_A)) == [person.pk]


def test_person_lists_of_superseded_batches_are_deleted(county: None) -> None:
    _fact(_source("vehicles"), _recipient(VILLAGE_A), "vehicle_value", "1")
    _recipient(VILLAGE_B)
    first = _batch(COUNTY)
    township = _batch(TOWNSHIP_A)

    def kept(run: VerificationRun) -> int:
        return RunPerson.objects.filter(run_id=run.pk).count()

    # A township batch supersedes nothing county-wide: both lists are still the latest.
    assert (kept(first), kept(township)) == (6, 3)
    second = _batch(COUNTY)
    assert (kept(first), kept(township), kept(second)) == (0, 0, 6)
    # What they found stays, with its person ids.
    assert Finding.objects.filter(run=first).count() == first.hits == 1
    pruned = {e.object_id: e.after for e in AuditEvent.objects.filter(
        action="verification.run_persons_prune")}
    assert pruned == {str(first.pk): {"persons": 6, "superseded_by": second.pk},
                      str(township.pk): {"persons": 3, "superseded_by": second.pk}}


def test_a_batch_overtaken_by_a_wider_one_drops_its_list_when_done(county: None) -> None:
    _recipient(VILLAGE_A)
    township = services.recipients_run_create(actor=staff("county_admin"),
                                              region_code=TOWNSHIP_A)
    county_batch = _batch(COUNTY)  # started later, finished first
    assert RunPerson.objects.filter(run_id=township.pk).count() == 3
    engine.run_execute(township.pk)
    assert not RunPerson.objects.filter(run_id=township.pk).exists()
    assert RunPerson.objects.filter(run_id=county_batch.pk).count() == 3
