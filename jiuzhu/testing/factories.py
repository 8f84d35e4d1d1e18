"""factory-boy factories for registry rows with valid synthetic ID numbers."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory

from registry.idcard import check_character
from registry.models import Household, Person

_sequence = iter(range(1, 10**7))


def make_id_number(birth: date = date(1970, 1, 1), sex: str = "M", prefix: str = "620802") -> str:
    """A valid, unused-in-this-run ID number for the birth date and sex."""
    n = next(_sequence)
    # Spread the serial over the birth day's 3-digit sequence and the day itself.
    day = date.fromordinal(birth.toordinal() + n // 400)
    seq = (n % 400) * 2 + (1 if sex == "M" else 0)
    first17 = f"{prefix}{day:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village_id = "620802100201"
    address = factory.Sequence(lambda n: f"大寨村{n % 12 + 1}组{n}号")
    phone = "13909330000"
    urban_rural = "rural"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"测试{n}")
    sex = "M"
    birth_date = date(1970, 1, 1)
    relation = "applicant"
    phone = "13800000000"

    @factory.lazy_attribute
    def id_number(self: Any) -> str:
        return make_id_number(self.birth_date, self.sex)


def household_with_applicant(village: str = "620802100201", **person: Any) -> Household:
    household = Household.objects.create(
        village_id=village, address=f"{village[-3:]}号", phone="13909330000", urban_rural="rural"
    )
    PersonFactory(household=household, **person)
    return household
