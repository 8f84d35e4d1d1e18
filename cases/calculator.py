"""The dibao benefit calculation, explained step by step (domain.md §2.4).

amount = max(0, standard − per-capita counted income) × counted members, plus 分类施保 add-ons
for qualifying members, with the per-person floor, rounded as the parameter says. Every number
comes from `policies.param` for the household's region and date; the breakdown names each step
in plain Chinese so the clerk and the citizen see why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from jiuzhu.errors import ApplicationError
from policies.params import MissingParameter, param
from regions.models import Level, Region
from registry.choices import IncomeType
from registry.services import income_exclusions, parse_money

CENT = Decimal("0.01")
ROUNDING_STEPS = {"fen": Decimal("0.01"), "jiao": Decimal("0.1"), "yuan": Decimal("1")}
# 分类施保 categories a member may carry (57号§27); the rate is the dibao.addon.rate parameter.
ADDON_CATEGORIES = {
    "elderly": "老年人", "minor": "未成年人", "severely_disabled": "重度残疾人",
    "seriously_ill": "重病患者",
}


@dataclass(frozen=True)
class IncomeInput:
    type: str
    monthly_amount: Any


@dataclass(frozen=True)
class MemberInput:
    incomes: list[IncomeInput] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    label: str
    amount: Decimal
    note: str = ""


@dataclass(frozen=True)
class DibaoResult:
    eligible: bool
    amount: Decimal
    standard: Decimal
    per_capita_income: Decimal
    breakdown: list[Step]


def _param(key: str, region: str, on: date, default: Any = None) -> Any:
    try:
        return param(key, region, on)
    except MissingParameter:
        if default is None:
            raise ApplicationError(
                _("该地区未设置参数 %(key)s，无法测算") % {"key": key}, field="region_code"
            ) from None
        return default


def _region(code: str) -> Region:
    region = Region.objects.filter(code=code, valid_to__isnull=True).first()
    if region is None:
        raise ApplicationError(_("区划代码不存在或已停用"), field="region_code")
    return region


def _counted_income(
    members: list[MemberInput], excluded: set[str]
) -> tuple[Decimal, list[Step]]:
    total, steps = Decimal("0"), []
    labels = dict(IncomeType.choices)
    for i, member in enumerate(members):
        for j, income in enumerate(member.incomes):
            where = f"members[{i}].incomes[{j}]"
            if income.type not in labels:
                raise ApplicationError(_("收入类型无效：%(t)s") % {"t": income.type},
                                       field=f"{where}.type")
            amount = parse_money(income.monthly_amount, f"{where}.monthly_amount")
            label = str(labels[income.type])
            if income.type in excluded:
                steps.append(Step(_("第%(n)d人 %(label)s（按规定不计入）") % {"n": i + 1, "label": label},
                                  amount, _("民发〔2021〕57号第十三条")))
            else:
                total += amount
                steps.append(Step(_("第%(n)d人 %(label)s") % {"n": i + 1, "label": label}, amount))
    return total, steps


def calculate_dibao(
    *, region_code: str, on_date: date, members: list[MemberInput], urban_rural: str = ""
) -> DibaoResult:
    region = _region(region_code)
    if not members:
        raise ApplicationError(_("家庭成员不能为空"), field="members")
    if not urban_rural:
        if region.level != Level.VILLAGE:
            raise ApplicationError(_("请选择到村（社区），或指定城乡类别"), field="urban_rural")
        urban_rural = region.default_urban_rural
    if urban_rural not in {"urban", "rural"}:
        raise ApplicationError(_("城乡类别无效"), field="urban_rural")
    standard = Decimal(_param(f"dibao.standard.{urban_rural}", region.code, on_date))
    excluded, _rule = income_exclusions(region.code, on_date)
    total, steps = _counted_income(members, excluded)
    n = len(members)
    per_capita = (total / n).quantize(CENT, ROUND_HALF_UP)
    kind = _("城市") if urban_rural == "urban" else _("农村")
    steps += [
        Step(_("计入家庭月收入合计"), total),
        Step(_("家庭人均月收入（÷%(n)d人）") % {"n": n}, per_capita),
        Step(_("%(kind)s低保标准") % {"kind": kind}, standard, on_date.isoformat()),
    ]
    if per_capita >= standard:
        steps.append(Step(_("人均收入不低于低保标准，不符合低保条件"), Decimal("0")))
        return DibaoResult(False, Decimal("0.00"), standard, per_capita, steps)
    gap = standard - per_capita
    floor = Decimal(_param("dibao.min_payment_per_person", region.code, on_date, Decimal("0")))
    per_person = max(gap, floor)
    steps.append(Step(_("每人补差（标准 − 人均收入）"), gap))
    if per_person > gap:
        steps.append(Step(_("低于最低发放额，按每人最低额发放"), floor))
    amount = per_person * n
    steps.append(Step(_("基本保障金（×%(n)d人）") % {"n": n}, amount))
    rate = Decimal(_param("dibao.addon.rate", region.code, on_date, Decimal("0")))
    for i, member in enumerate(members):
        for category in dict.fromkeys(member.categories):  # a category counts once
            if category not in ADDON_CATEGORIES:
                raise ApplicationError(_("分类施保类别无效：%(c)s") % {"c": category},
                                       field=f"members[{i}].categories")
            addon = (standard * rate).quantize(CENT, ROUND_HALF_UP)
            if addon:
                amount += addon
                steps.append(Step(_("第%(n)d人 分类施保（%(c)s）") % {
                    "n": i + 1, "c": ADDON_CATEGORIES[category]}, addon))
    mode = str(_param("dibao.rounding", region.code, on_date, "fen"))
    rounded = amount.quantize(ROUNDING_STEPS.get(mode, CENT), ROUND_HALF_UP).quantize(CENT)
    if rounded != amount:
        steps.append(Step(_("按规定取整"), rounded, mode))
    steps.append(Step(_("每月保障金合计"), rounded))
    return DibaoResult(True, rounded, standard, per_capita, steps)
