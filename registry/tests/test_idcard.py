from datetime import date

import pytest

from registry.idcard import age_on, check_id_number


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        ("620802195803070411", date(1958, 3, 7), "M"),
        ("610502201209150283", date(2012, 9, 15), "F"),
        ("61050219750620009X", date(1975, 6, 20), "M"),
        ("11010519491231002X", date(1949, 12, 31), "F"),
    ],
)
def test_domain_examples_validate(number: str, birth: date, sex: str) -> None:
    result = check_id_number(number)
    assert result.valid, result.error
    assert (result.normalized, result.birth_date, result.sex) == (number, birth, sex)
    assert result.region_code == number[:6]


def test_lowercase_x_is_normalised() -> None:
    result = check_id_number(" 61050219750620009x ")
    assert result.valid and result.normalized == "61050219750620009X"


def test_fifteen_digits_are_upgraded_and_kept_as_alias() -> None:
    result = check_id_number("620802580307041")
    assert result.valid
    assert result.normalized == "620802195803070411"
    assert result.upgraded_from == "620802580307041"


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("62080219580307041", "18位"),
        ("62080219580307041A", "末位"),
        ("620802195802300411", "出生日期"),
        ("620802195803070412", "校验位"),
        ("62080220991231041X", "出生日期"),
        ("", "18位"),
    ],
)
def test_invalid_numbers_get_a_chinese_reason(number: str, fragment: str) -> None:
    result = check_id_number(number, today=date(2026, 11, 23))
    assert not result.valid
    assert fragment in result.error


def test_unknown_region_prefix_warns_but_validates() -> None:
    first17 = "99080219580307041"
    from registry.idcard import check_character

    result = check_id_number(first17 + check_character(first17))
    assert result.valid
    assert "地区码" in result.warning


def test_age_counts_completed_years_on_the_birthday() -> None:
    assert age_on(date(1966, 3, 7), date(2026, 3, 7)) == 60
    assert age_on(date(1966, 3, 7), date(2026, 3, 6)) == 59


def test_idcard_api_shape(client: object) -> None:
    response = client.get("/api/v1/idcard/620802195803070411")  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert response.json() == {
        "valid": True, "normalized": "620802195803070411", "birth_date": "1958-03-07",
        "sex": "M", "region_code": "620802", "error": None, "warning": None,
    }
    bad = client.get("/api/v1/idcard/620802195803070412").json()  # type: ignore[attr-defined]
    assert bad["valid"] is False and "校验位" in bad["error"] and bad["normalized"] is None
