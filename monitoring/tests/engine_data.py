"""Households, department facts and runs for the tests of the monitoring engine and its rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from benefits.models import Enrollment
from demo.verification import ensure_sources
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.factories import PersonFactory, household_with_applicant
from monitoring.models import MonitoredHousehold, MonitoringRun, Warning
from monitoring.services.runs import monitoring_run
from registry.models import Household, IncomeRecord, Person
from verification.models import Snapshot, SnapshotStatus, SourceFact

COUNTY = "620802000000"
TOWNSHIP_A, TOWNSHIP_B = "620802100000", "620802101000"
VILLAGE_A, VILLAGE_B = "620802100201", "620802101201"  # 大寨村 (rural), 白水村 (rural)
URBAN_VILLAGE = "620802001001"  # 东关社区
# A Friday before the tests' today (the service refuses a run date in the future).
ON = date(2026, 11, 20)


@pytest.fixture
def sources(county: None) -> None:
    ensure_sources()


def household(village: str = VILLAGE_A, programme: str | None = "dibao_rural",
              urban_rural: str = "rural", **applicant: Any) -> Household:
    """A household with an applicant, enrolled in `programme` (None: not enrolled)."""
    applicant.setdefault("birth_date", date(1970, 5, 1))
    h = household_with_applicant(village, **applicant)
    if urban_rural != "rural":
        Household.objects.filter(pk=h.pk).update(urban_rural=urban_rural)
        h.refresh_from_db()
    if programme:
        enrolled(h, programme=programme, account=False)
    return h


def applicant(h: Household) -> Person:
    return h.members.get(relation="applicant")


def member(h: Household, relation: str = "spouse", birth: date = date(1972, 3, 1),
           excluded: bool = False) -> Person:
    PersonFactory(household=h, relation=relation, birth_date=birth, excluded=excluded,
                  excluded_reason="prison" if excluded else "")
    return h.members.latest("id")


def monitored(village: str = VILLAGE_A, since: date = date(2026, 1, 1),
              until: date | None = None) -> Household:
    """A low-income household watched without an enrollment (MonitoredHousehold)."""
    h = household(village, programme=None)
    MonitoredHousehold.objects.create(household=h, kind="edge", since=since, until=until)
    return h


def income(person: Person, amount: str, kind: str = "wage", start: date = date(2025, 1, 1),
           end: date | None = None, excluded: bool = False) -> IncomeRecord:
    return IncomeRecord.objects.create(person=person, income_type=kind,
                                       monthly_amount=Decimal(amount), start_month=start,
                                       end_month=end, excluded=excluded, source="declared")


def snapshot(code: str, as_of: date = date(2026, 11, 15),
             status: str = SnapshotStatus.ACTIVE) -> Snapshot:
    return Snapshot.objects.create(source_id=code, as_of=as_of, status=status)


def fact(snap: Snapshot, person: Person, item: str, num: str | None = None,
         day: date | None = None) -> SourceFact:
    return SourceFact.objects.create(snapshot=snap, source_id=snap.source_id,
                                     id_number=person.id_number, item=item,
                                     value_num=Decimal(num) if num else None, value_date=day)


def run(region: str = COUNTY, on: date = ON, actor: Any = None) -> MonitoringRun:
    return monitoring_run(actor=actor, region_code=region, on_date=on)


def raised(rule: str) -> set[tuple[int, str]]:
    return set(Warning.objects.filter(rule=rule).values_list("person_id", "event_key"))


def only_warning(rule: str) -> Warning:
    return Warning.objects.get(rule=rule)


def warning_of(rule: str, person: Person) -> Warning:
    return Warning.objects.get(rule=rule, person=person)


def end_enrollment(h: Household) -> None:
    Enrollment.objects.filter(household=h).update(status="ended")
