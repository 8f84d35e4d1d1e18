from datetime import date
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from demo.reference import COUNTY, TOWNSHIP_A, VILLAGE_A
from jiuzhu.errors import ApplicationError
from policies.models import Parameter, ValueType
from policies.params import MissingParameter, param, region_chain
from policies.services import parameter_set


def test_region_chain_most_specific_first() -> None:
    assert region_chain("620802100201") == [
        "620802100201", "620802100000", "620802000000", "620800000000", "620000000000",
    ]


@pytest.mark.django_db
def test_resolution_village_then_township_then_county_then_national(county: None) -> None:
    on = date(2026, 6, 1)
    assert param("dibao.standard.rural", VILLAGE_A, on) == Decimal("600.00")
    Parameter.objects.create(key="dibao.standard.rural", region_id=TOWNSHIP_A, value="620",
                             value_type=ValueType.DECIMAL, effective_from=date(2026, 1, 1))
    assert param("dibao.standard.rural", VILLAGE_A, on) == Decimal("620")
    Parameter.objects.create(key="dibao.standard.rural", region_id=VILLAGE_A, value="630",
                             value_type=ValueType.DECIMAL, effective_from=date(2026, 7, 1))
    assert param("dibao.standard.rural", VILLAGE_A, on) == Decimal("620")  # not yet in force
    assert param("dibao.standard.rural", VILLAGE_A, date(2026, 7, 1)) == Decimal("630")
    # Another township still gets the county value.
    assert param("dibao.standard.rural", "620802101201", on) == Decimal("600.00")
    # National defaults apply where no region sets a value.
    assert param("deadline.dibao.overall", VILLAGE_A, on) == 30


@pytest.mark.django_db
def test_latest_effective_version_wins_within_a_region(county: None) -> None:
    Parameter.objects.create(key="dibao.standard.rural", region_id=COUNTY[0], value="680",
                             value_type=ValueType.DECIMAL, effective_from=date(2027, 1, 1))
    assert param("dibao.standard.rural", VILLAGE_A, date(2026, 12, 31)) == Decimal("600.00")
    assert param("dibao.standard.rural", VILLAGE_A, date(2027, 1, 1)) == Decimal("680")


@pytest.mark.django_db
def test_missing_parameter_raises(county: None) -> None:
    with pytest.raises(MissingParameter):
        param("no.such.key", VILLAGE_A, date(2026, 1, 1))
    with pytest.raises(MissingParameter):
        param("dibao.standard.rural", VILLAGE_A, date(2020, 1, 1))


@pytest.mark.django_db
def test_parameter_set_validates_and_audits(county_admin: object, clerk_b: object) -> None:
    row = parameter_set(actor=county_admin, key="temp.township_cap", region_code=TOWNSHIP_A,
                        value="5000", value_type="decimal", effective_from=date(2027, 1, 1))
    assert AuditEvent.objects.filter(action="parameter.set", object_id=str(row.pk)).exists()
    with pytest.raises(ApplicationError) as exc:
        parameter_set(actor=county_admin, key="x", region_code=TOWNSHIP_A, value="abc",
                      value_type="decimal", effective_from=date(2027, 1, 1))
    assert exc.value.field == "value"
    with pytest.raises(ApplicationError) as exc:
        parameter_set(actor=county_admin, key="temp.township_cap", region_code=TOWNSHIP_A,
                      value="6000", value_type="decimal", effective_from=date(2027, 1, 1))
    assert exc.value.code == "duplicate"
    with pytest.raises(ApplicationError) as exc:  # township B's clerk cannot set A's values
        parameter_set(actor=clerk_b, key="y", region_code=TOWNSHIP_A, value="1",
                      value_type="integer", effective_from=date(2027, 1, 1))
    assert exc.value.field == "region"
    with pytest.raises(ApplicationError):  # only a superuser sets national values
        parameter_set(actor=county_admin, key="y", region_code="", value="1",
                      value_type="integer", effective_from=date(2027, 1, 1))
    assert Parameter.objects.filter(key__in=["x", "y"]).count() == 0


@pytest.mark.django_db
def test_policy_qa_is_public_and_searchable(client: object, county: None) -> None:
    page = client.get("/policies/zhengce/", {"q": "特困"})  # type: ignore[attr-defined]
    assert page.status_code == 200
    body = page.content.decode()
    assert "哪些人可以申请特困供养" in body
    assert "农村低保的标准是多少" not in body
