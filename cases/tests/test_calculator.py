"""The calculator reproduces domain.md §15 and refuses bad input with a Chinese message."""

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

RURAL_VILLAGE = "620802100201"  # 大寨村, class 220
URBAN_COMMUNITY = "620802001001"  # 东关社区, class 111


def _post(body: dict[str, Any]) -> Any:
    return Client().post("/api/v1/calculator/dibao", body, content_type="application/json")


def _members(
    *incomes: list[tuple[str, str]], categories: dict[int, list[str]] | None = None
) -> list[dict[str, Any]]:
    return [
        {"incomes": [{"type": t, "monthly_amount": a} for t, a in member],
         "categories": (categories or {}).get(i, [])}
        for i, member in enumerate(incomes)
    ]


def test_example_1_basic_gap(county: None) -> None:
    response = _post({"region_code": RURAL_VILLAGE, "on_date": "2026-06-01",
                      "members": _members([("wage", "900.00")], [], [])})
    assert response.status_code == 200
    data = response.json()
    assert data["eligible"] is True
    assert (data["amount"], data["standard"], data["per_capita_income"]) == ("900.00", "600.00", "300.00")
    labels = [s["label"] for s in data["breakdown"]]
    assert "每月保障金合计" in labels[-1]


def test_example_2_addon_for_severe_disability(county: None) -> None:
    data = _post({"region_code": URBAN_COMMUNITY, "on_date": "2026-06-01",
                  "members": _members([("wage", "1800")], [], [], [],
                                      categories={2: ["severely_disabled"]})}).json()
    assert (data["standard"], data["amount"]) == ("750.00", "1275.00")
    assert any("重度残疾人" in s["label"] and s["amount"] == "75.00" for s in data["breakdown"])


def test_example_4_floor_per_person(county: None) -> None:
    data = _post({"region_code": RURAL_VILLAGE, "on_date": "2026-06-01",
                  "members": _members([("agriculture", "1180")], [])}).json()
    assert (data["per_capita_income"], data["amount"]) == ("590.00", "60.00")


def test_excluded_income_is_shown_but_not_counted(county: None) -> None:
    data = _post({"region_code": RURAL_VILLAGE, "on_date": "2026-06-01",
                  "members": _members([("basic_pension", "158"), ("wage", "300")])}).json()
    assert data["per_capita_income"] == "300.00" and data["amount"] == "300.00"
    excluded = [s for s in data["breakdown"] if "不计入" in s["label"]]
    assert len(excluded) == 1 and excluded[0]["amount"] == "158.00"


def test_rounding_to_jiao(county: None) -> None:
    data = _post({"region_code": RURAL_VILLAGE, "on_date": "2026-06-01",
                  "members": _members([("wage", "1000")], [], [])}).json()
    # per capita 333.33; gap 266.67 × 3 = 800.01 → 800.00 when rounded to the jiao.
    assert (data["per_capita_income"], data["amount"]) == ("333.33", "800.00")


def test_income_at_or_above_standard_is_not_eligible(county: None) -> None:
    data = _post({"region_code": RURAL_VILLAGE, "on_date": "2026-06-01",
                  "members": _members([("wage", "1200")], [])}).json()
    assert data["eligible"] is False and data["amount"] == "0.00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"members": _members([("wage", "-1")])}, "members[0].incomes[0].monthly_amount"),
        ({"members": _members([("wage", "abc")])}, "members[0].incomes[0].monthly_amount"),
        ({"members": _members([("lottery", "10")])}, "members[0].incomes[0].type"),
        ({"members": []}, "members"),
        ({"region_code": "999999999999"}, "region_code"),
        ({"region_code": "620802100000"}, "urban_rural"),
    ],
)
def test_bad_input_is_400_with_chinese_message(county: None, body: dict[str, Any], field: str) -> None:
    payload = {"region_code": RURAL_VILLAGE, "on_date": "2026-06-01",
               "members": _members([("wage", "100")]), **body}
    response = _post(payload)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])


def test_engine_returns_decimals(county: None) -> None:
    from datetime import date

    from cases.calculator import IncomeInput, MemberInput, calculate_dibao

    result = calculate_dibao(region_code=RURAL_VILLAGE, on_date=date(2026, 6, 1),
                             members=[MemberInput([IncomeInput("wage", "900")]), MemberInput(),
                                      MemberInput()])
    assert result.amount == Decimal("900.00") and isinstance(result.per_capita_income, Decimal)
