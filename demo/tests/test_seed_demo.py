from io import StringIO

import pytest
from django.core.management import call_command

from registry.idcard import check_id_number
from registry.models import Disability, Household, IncomeRecord, Person

pytestmark = pytest.mark.django_db


def _ids() -> list[str]:
    return list(Person.objects.order_by("id_number").values_list("id_number", flat=True))


def test_seed_demo_is_deterministic_and_valid() -> None:
    out = StringIO()
    call_command("seed_demo", "--households", "120", "--seed", "5", stdout=out)
    first = _ids()
    assert Household.objects.count() == 120
    assert len(first) > 200  # several members per household on average
    assert all(check_id_number(n).valid for n in first)
    assert IncomeRecord.objects.filter(excluded=True, income_type="basic_pension").exists()
    assert Disability.objects.exists()
    text = out.getvalue()
    for account in ("county_admin", "clerk_a", "reviewer_a", "clerk_b", "grid_a", "auditor"):
        assert account in text
    # Same seed, fresh database: the same people.
    Disability.objects.all().delete()
    IncomeRecord.objects.all().delete()
    Person.objects.all().delete()
    Household.objects.all().delete()
    call_command("seed_demo", "--households", "120", "--seed", "5", stdout=StringIO())
    assert _ids() == first
    # A second run on a populated database adds no households.
    call_command("seed_demo", "--households", "120", "--seed", "6", stdout=StringIO())
    assert Household.objects.count() == 120


def test_demo_accounts_can_log_in(client: object) -> None:
    call_command("seed_demo", "--households", "5", "--seed", "1", stdout=StringIO())
    for username in ("county_admin", "clerk_a", "reviewer_a", "clerk_b", "grid_a", "auditor"):
        assert client.login(username=username, password="jiuzhu-demo"), username  # type: ignore[attr-defined]
