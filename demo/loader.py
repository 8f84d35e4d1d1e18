"""Insert generated households through the ORM in bulk (demo size: thousands, not millions)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction

from registry.choices import NATIONAL_INCOME_EXCLUSIONS, RecordSource
from registry.models import Disability, Household, IncomeRecord, Person

from .population import HouseholdRow, PersonRow

INCOME_START = date(2025, 1, 1)


@transaction.atomic
def insert_households(rows: Iterable[HouseholdRow], created_by: object | None = None) -> int:
    rows = list(rows)
    households = Household.objects.bulk_create([
        Household(village_id=r.village_code, address=r.address, phone=r.phone,
                  urban_rural=r.urban_rural)
        for r in rows
    ], batch_size=1000)
    people: list[tuple[Person, PersonRow]] = []
    for household, row in zip(households, rows, strict=True):
        for m in row.members:
            people.append((Person(
                household=household, name=m.name, id_number=m.id_number, sex=m.sex,
                birth_date=m.birth_date, relation=m.relation, phone=m.phone,
            ), m))
    Person.objects.bulk_create([p for p, _m in people], batch_size=1000)
    excluded = {str(t) for t in NATIONAL_INCOME_EXCLUSIONS}
    incomes, disabilities = [], []
    for person, m in people:
        for kind, amount in m.incomes:
            incomes.append(IncomeRecord(
                person=person, income_type=kind, monthly_amount=amount, start_month=INCOME_START,
                excluded=kind in excluded,
                excluded_rule="dibao.income_exclusions" if kind in excluded else "",
                source=RecordSource.IMPORT,
            ))
        if m.disability:
            category, grade = m.disability
            disabilities.append(Disability(
                person=person, category=category, grade=grade,
                certificate_number=f"{m.id_number}{category[:1].upper()}{grade}1",
            ))
    IncomeRecord.objects.bulk_create(incomes, batch_size=1000)
    Disability.objects.bulk_create(disabilities, batch_size=1000)
    return len(households)
