"""A recipient household with known, recognisable private values, and its enrollments."""

from __future__ import annotations

from typing import Any

import pytest

from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import VILLAGE_A
from jiuzhu.testing.factories import PersonFactory, household_with_applicant
from registry.models import Household

ADDRESS = "大寨村七组88号"
HOUSEHOLD_PHONE = "13987654321"
MEMBER_PHONE = "13700001111"
DIBAO_AMOUNT = "987.65"
MEDICAL_AMOUNT = "123.40"


@pytest.fixture
def recipient(county: None) -> Household:
    """王秀英's household in 大寨村 (township A): 农村低保 987.65 and 医疗救助 123.40 a month."""
    household = household_with_applicant(VILLAGE_A, name="王秀英", phone=MEMBER_PHONE)
    household.address, household.phone = ADDRESS, HOUSEHOLD_PHONE
    household.save()
    PersonFactory(household=household, relation="child", name="王小明")
    enrolled(household, amount=DIBAO_AMOUNT)
    enrolled(household, amount=MEDICAL_AMOUNT, programme="medical", account=False)
    return household


def id_number_of(household: Household) -> str:
    return str(household.members.get(relation="applicant").id_number)


def private_values(household: Household) -> list[Any]:
    """What must never appear on the public page."""
    members = list(household.members.all())
    return ([household.address, household.phone, DIBAO_AMOUNT, MEDICAL_AMOUNT, "1111.05"]
            + [m.id_number for m in members] + [m.name for m in members]
            + [m.phone for m in members if m.phone])
