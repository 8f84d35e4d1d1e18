from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from audit.models import AuditEvent
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.factories import PersonFactory, make_id_number
from registry import services
from registry.models import Household, IncomeRecord, Person

pytestmark = pytest.mark.django_db


def _input(village: str = "620802100201", **member: Any) -> services.HouseholdInput:
    m = {"name": "王芳", "id_number": "620802195803070411", "relation": "applicant", **member}
    return services.HouseholdInput(village_code=village, address="大寨村3组5号",
                                   members=[services.MemberInput(**m)])


def test_household_create_derives_person_fields_and_audits(clerk_a: Any) -> None:
    household = services.household_create(actor=clerk_a, data=_input(id_number="620802580307041"))
    person = household.members.get()
    assert (person.id_number, person.id_number_old) == ("620802195803070411", "620802580307041")
    assert (person.sex, person.birth_date) == ("M", date(1958, 3, 7))
    assert household.urban_rural == "rural"  # 大寨村 is class 220 (village)
    event = AuditEvent.objects.get(action="household.create")
    assert event.actor == clerk_a and event.region_code == "620802100201"
    assert household.history.count() == 1 and person.history.count() == 1


def test_urban_rural_follows_the_village_class(clerk_a: Any, county_admin: Any) -> None:
    township_centre = services.household_create(actor=clerk_a, data=_input(village="620802100200"))
    assert township_centre.urban_rural == "rural"  # class 210 (乡中心区) is rural
    community = services.household_create(
        actor=county_admin, data=_input(village="620802001001", id_number=make_id_number())
    )
    assert community.urban_rural == "urban"  # class 111 (主城区)


@pytest.mark.parametrize(
    ("member", "field"),
    [
        ({"id_number": "620802195803070412"}, "id_number"),
        ({"name": "  "}, "name"),
    ],
)
def test_bad_member_input_names_the_field_and_writes_nothing(
    clerk_a: Any, member: dict[str, str], field: str
) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.household_create(actor=clerk_a, data=_input(**member))
    assert exc.value.field == field
    assert exc.value.message  # a Chinese sentence, not a code
    assert Household.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_village_outside_the_clerks_township_is_refused(clerk_b: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.household_create(actor=clerk_b, data=_input(village="620802100201"))
    assert exc.value.field == "village"


def test_id_number_is_unique_across_households(clerk_a: Any) -> None:
    services.household_create(actor=clerk_a, data=_input())
    with pytest.raises(ApplicationError) as exc:
        services.household_create(actor=clerk_a, data=_input(name="另一人"))
    assert exc.value.code == "duplicate" and Household.objects.count() == 1


def test_exactly_one_applicant(clerk_a: Any, household_a: Household) -> None:
    with pytest.raises(ApplicationError):
        services.household_create(actor=clerk_a, data=services.HouseholdInput(
            village_code="620802100201", address="x", members=[]))
    with pytest.raises(ApplicationError) as exc:
        services.person_add(actor=clerk_a, household=household_a, member=services.MemberInput(
            name="第二户主", id_number=make_id_number(), relation="applicant"))
    assert exc.value.field == "relation"


def test_person_update_requires_reason_for_exclusion(clerk_a: Any, household_a: Household) -> None:
    person = household_a.members.get()
    with pytest.raises(ApplicationError) as exc:
        services.person_update(actor=clerk_a, person=person, name=person.name, phone="",
                               relation="applicant", excluded=True, excluded_reason="",
                               cohabiting_since=None)
    assert exc.value.field == "excluded_reason"
    services.person_update(actor=clerk_a, person=person, name="张三丰", phone="", relation="applicant",
                           excluded=True, excluded_reason="prison", cohabiting_since=None)
    person.refresh_from_db()
    assert (person.name, person.excluded_reason) == ("张三丰", "prison")
    event = AuditEvent.objects.get(action="person.update")
    assert event.before is not None and event.after is not None
    assert event.before["name"] == "张三" and event.after["name"] == "张三丰"


def test_income_exclusions_follow_the_parameter(clerk_a: Any, household_a: Household) -> None:
    person = household_a.members.get()
    wage = services.income_add(actor=clerk_a, person=person, income_type="wage",
                               monthly_amount="1200.50", start_month=date(2026, 3, 15))
    pension = services.income_add(actor=clerk_a, person=person, income_type="basic_pension",
                                  monthly_amount="158", start_month=date(2026, 3, 1))
    assert (wage.excluded, wage.monthly_amount, wage.start_month) == (
        False, Decimal("1200.50"), date(2026, 3, 1))
    assert pension.excluded and pension.excluded_rule.startswith("dibao.income_exclusions")


@pytest.mark.parametrize("amount", ["-1", "abc", "1.234", "NaN", "1e20"])
def test_bad_amounts_are_refused(clerk_a: Any, household_a: Household, amount: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.income_add(actor=clerk_a, person=household_a.members.get(), income_type="wage",
                            monthly_amount=amount, start_month=date(2026, 1, 1))
    assert exc.value.field == "monthly_amount"
    assert IncomeRecord.objects.count() == 0


def test_asset_owner_must_belong_to_household(clerk_a: Any, household_a: Household,
                                              household_b: Household) -> None:
    stranger = household_b.members.get()
    with pytest.raises(ApplicationError) as exc:
        services.asset_add(actor=clerk_a, household=household_a, asset_type="vehicle",
                           value="50000", as_of=date(2026, 1, 1), owner=stranger)
    assert exc.value.field == "owner"
    record = services.asset_add(actor=clerk_a, household=household_a, asset_type="vehicle",
                                value="50000", as_of=date(2026, 1, 1))
    assert record.value == Decimal("50000")


def test_disability_grade_is_checked(clerk_a: Any, household_a: Household) -> None:
    person = household_a.members.get()
    with pytest.raises(ApplicationError):
        services.disability_add(actor=clerk_a, person=person, category="visual", grade=5)
    services.disability_add(actor=clerk_a, person=person, category="visual", grade=1)
    assert person.disabilities.count() == 1


def test_unknown_relation_names_the_members_field(clerk_a: Any) -> None:
    data = _input()
    data.members.append(services.MemberInput(name="某人", id_number=make_id_number(),
                                             relation="boss", field_prefix="members[1]."))
    with pytest.raises(ApplicationError) as exc:
        services.household_create(actor=clerk_a, data=data)
    assert exc.value.field == "members[1].relation"
    assert Person.objects.count() == 0


def test_factory_makes_valid_unique_people(county: None) -> None:
    people = PersonFactory.create_batch(3)
    assert len({p.id_number for p in people}) == 3
    assert Person.objects.count() == 3
