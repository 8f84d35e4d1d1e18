"""The public dibao self-check runs the clerks' engine (domain.md §15)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jiuzhu.testing.cases import VILLAGE_A

pytestmark = pytest.mark.django_db


def _calc(client: Client, **fields: Any) -> Any:
    return client.post("/portal/cesuan/", {"village": VILLAGE_A, "size": "3", **fields})


def test_example_1_rural_household_of_three_with_900_income(county: None, client: Client) -> None:
    response = _calc(client, m0_i0_type="wage", m0_i0_amount="900")
    result = response.context["result"]
    assert result.eligible and str(result.amount) == "900.00"
    assert str(result.standard) == "600.00" and str(result.per_capita_income) == "300.00"
    body = response.content.decode()
    assert "900.00" in body and "农村低保标准" in body and "仅供参考" in body


def test_excluded_income_is_listed_but_not_counted(county: None, client: Client) -> None:
    result = _calc(client, m0_i0_type="wage", m0_i0_amount="900", m1_i2_type="scholarship",
                   m1_i2_amount="500").context["result"]
    assert str(result.amount) == "900.00"
    assert any("按规定不计入" in s.label for s in result.breakdown)


def test_errors_sit_beside_their_fields_and_keep_input(county: None, client: Client) -> None:
    bad = _calc(client, m0_i0_type="wage", m0_i0_amount="九百", m1_i1_type="pension",
                m1_i1_amount="120")
    assert bad.context["result"] is None
    assert list(bad.context["form"].errors) == ["m0_i0_amount"]
    body = bad.content.decode()
    assert 'value="九百"' in body and 'value="120"' in body
    beyond = _calc(client, size="2", m2_i0_type="wage", m2_i0_amount="100")
    assert list(beyond.context["form"].errors) == ["m2_i0_amount"]
    no_type = _calc(client, m0_i1_amount="100")
    assert list(no_type.context["form"].errors) == ["m0_i1_type"]
