"""Resident ID numbers (GB 11643-1999), domain.md §8.1.

Validation order: length → characters → date → check character → region (warning only, since a
code may be obsolete or from elsewhere). 15-digit numbers are upgraded; lowercase x accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# Province-level prefixes of GB/T 2260, plus 81/82/83 for HK/Macao/Taiwan residence permits.
PROVINCE_PREFIXES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
})


@dataclass(frozen=True)
class IdCheck:
    valid: bool
    normalized: str = ""
    birth_date: date | None = None
    sex: str = ""
    region_code: str = ""
    error: str = ""
    warning: str = ""
    upgraded_from: str = ""


def check_character(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def check_id_number(raw: str, *, today: date | None = None) -> IdCheck:
    number = (raw or "").strip().upper()
    upgraded_from = ""
    if len(number) == 15:
        if not number.isdigit():
            return IdCheck(False, error="15位身份证号码只能包含数字")
        upgraded_from = number
        first17 = number[:6] + "19" + number[6:]
        number = first17 + check_character(first17)
    if len(number) != 18:
        return IdCheck(False, error=f"身份证号码应为18位，实际为{len(number)}位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return IdCheck(False, error="身份证号码前17位须为数字，末位为数字或X")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return IdCheck(False, error="身份证号码中的出生日期不是有效日期")
    if birth > (today or date.today()) or birth.year < 1880:
        return IdCheck(False, error="身份证号码中的出生日期不合理（晚于今天或早于1880年）")
    expected = check_character(number[:17])
    if number[17] != expected:
        return IdCheck(False, error="身份证号码校验位错误，请核对是否录入有误")
    warning = ""
    if number[:2] not in PROVINCE_PREFIXES:
        warning = f"地区码 {number[:6]} 不属于已知省份，请核对（可能为旧代码）"
    return IdCheck(
        True,
        normalized=number,
        birth_date=birth,
        sex="M" if int(number[16]) % 2 else "F",
        region_code=number[:6],
        warning=warning,
        upgraded_from=upgraded_from,
    )


def age_on(birth: date, on: date) -> int:
    """Completed years (周岁): a person born on 1966-03-07 is 60 on 2026-03-07 (民法典§1259)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
