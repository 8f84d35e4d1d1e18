"""Synthetic households for the demo and the benchmarks: deterministic for a seed.

Plain tuples, not model instances, so the same generator feeds both `seed_demo` (ORM bulk
inserts) and `bench/registry.py` (set-based SQL at a million rows).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from registry.idcard import check_character

REFERENCE_DATE = date(2026, 1, 1)  # ages are computed from a fixed date so a seed is reproducible

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢"
    "蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟"
    "龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国志文海峰亮成东春生福贵德胜永祥"
)
FEMALE_CHARS = (
    "芳娟敏静丽艳娜秀英华慧巧美霞玲桂兰红梅琳素云莲真雪荣爱妹香月莺媛瑞凡佳嘉琼勤珍贞莉萍燕彩春菊"
)
LOCAL_PREFIX = "620802"
OTHER_PREFIXES = ("620821", "620822", "620823", "620825", "620826", "610502", "640104", "622301")


@dataclass
class PersonRow:
    name: str
    id_number: str
    sex: str
    birth_date: date
    relation: str
    phone: str
    incomes: list[tuple[str, Decimal]] = field(default_factory=list)
    disability: tuple[str, int] | None = None


@dataclass
class HouseholdRow:
    village_code: str
    address: str
    phone: str
    urban_rural: str
    members: list[PersonRow]


class Population:
    def __init__(self, seed: int, villages: list[tuple[str, str, bool]]) -> None:
        """villages: (12-digit code, name, is_urban)."""
        self.rng = random.Random(seed)
        self.villages = villages
        self.used_ids: set[str] = set()

    def _name(self, surname: str, sex: str) -> str:
        chars = MALE_CHARS if sex == "M" else FEMALE_CHARS
        given = "".join(self.rng.choice(chars) for _ in range(self.rng.choice((1, 2, 2, 2))))
        return surname + given

    def _phone(self) -> str:
        return "1" + self.rng.choice("3456789") + "".join(self.rng.choice("0123456789") for _ in range(9))

    def _id_number(self, birth: date, sex: str) -> str:
        roll = self.rng.random()
        prefix = LOCAL_PREFIX if roll < 0.75 else self.rng.choice(OTHER_PREFIXES)
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
            first17 = f"{prefix}{birth:%Y%m%d}{seq:03d}"
            number = first17 + check_character(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number
            birth += timedelta(days=1)  # the day is full; a neighbour day keeps ages realistic

    def _birth(self, age_low: int, age_high: int) -> date:
        age_days = self.rng.randint(age_low * 365, age_high * 365 + 364)
        return REFERENCE_DATE - timedelta(days=age_days)

    def _person(self, surname: str, sex: str, ages: tuple[int, int], relation: str) -> PersonRow:
        birth = self._birth(*ages)
        number = self._id_number(birth, sex)
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        person = PersonRow(self._name(surname, sex), number, sex, birth, relation,
                           self._phone() if self.rng.random() < 0.6 else "")
        age = (REFERENCE_DATE - birth).days // 365
        if 18 <= age < 60:
            kind = self.rng.choice(("wage", "wage", "agriculture", "business"))
            if self.rng.random() < 0.8:
                person.incomes.append((kind, Decimal(self.rng.randrange(200, 3200, 10))))
        elif age >= 60:
            person.incomes.append(("basic_pension", Decimal(self.rng.choice((143, 158, 173)))))
            if self.rng.random() < 0.15:
                person.incomes.append(("pension", Decimal(self.rng.randrange(1200, 3800, 10))))
        if self.rng.random() < 0.06:
            person.disability = (
                self.rng.choice(("physical", "physical", "visual", "hearing", "intellectual", "mental")),
                self.rng.choice((1, 2, 2, 3, 3, 4, 4)),
            )
        return person

    def household(self) -> HouseholdRow:
        code, vname, urban = self.rng.choice(self.villages)
        surname = self.rng.choice(SURNAMES)
        head_sex = "M" if self.rng.random() < 0.7 else "F"
        head_age = self.rng.choice(((25, 45), (40, 60), (55, 75), (65, 90)))
        members = [self._person(surname, head_sex, head_age, "applicant")]
        size = self.rng.choices((1, 2, 3, 4, 5, 6), weights=(18, 26, 24, 18, 9, 5))[0]
        if size >= 2:
            spouse_sex = "F" if head_sex == "M" else "M"
            members.append(self._person(self.rng.choice(SURNAMES), spouse_sex, head_age, "spouse"))
        for _ in range(size - len(members)):
            if head_age[0] >= 55 and self.rng.random() < 0.4:
                members.append(self._person(surname, self.rng.choice("MF"), (0, 15), "grandchild"))
            else:
                low = max(0, head_age[0] - 40)
                ages = (low, max(low, head_age[0] - 20))
                members.append(self._person(surname, self.rng.choice("MF"), ages, "child"))
        group = self.rng.randint(1, 12)
        address = f"{vname}{group}组{self.rng.randint(1, 120)}号" if not urban else \
            f"{vname}{self.rng.randint(1, 40)}号楼{self.rng.randint(1, 6)}单元{self.rng.randint(101, 1802)}室"
        return HouseholdRow(code, address, members[0].phone or self._phone(),
                            "urban" if urban else "rural", members)

    def households(self, n: int) -> Iterator[HouseholdRow]:
        for _ in range(n):
            yield self.household()
