"""Amounts for a case, from the registry and the parameters, each with its explanation.

低保 uses the calculator (the same engine as the public self-check); 特困 is basic living
(multiplier × dibao standard) plus the care standard of the self-care class (43号, domain §3.4);
临时救助 is the amount proposed, checked against the township cap and the 一事一议 threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from policies.params import param, param_or
from registry.idcard import age_on
from registry.models import Person

from .calculator import CENT, IncomeInput, MemberInput, Step, calculate_dibao
from .choices import CareClass, Family
from .models import Case

# 43号§5: not income for tekun, on top of the dibao exclusions.
TEKUN_EXTRA_EXCLUSIONS = {"basic_pension", "preferential_care", "elderly_allowance"}


@dataclass(frozen=True)
class CaseAmount:
    eligible: bool
    amount: Decimal
    standard: Decimal | None
    per_capita_income: Decimal | None
    breakdown: list[Step]


def counted_members(case: Case) -> list[Person]:
    """57号§7–8: the counted household for dibao; the applicant alone for tekun and temporary."""
    if case.programme_id in {"tekun", "temporary"}:
        return [case.applicant]
    return list(case.household.members.filter(excluded=False).order_by("id"))


def _categories(person: Person, on: date, enabled: set[str]) -> list[str]:
    age = age_on(person.birth_date, on)
    found = []
    if "elderly" in enabled and age >= 60:
        found.append("elderly")
    if "minor" in enabled and age < 18:
        found.append("minor")
    if "severely_disabled" in enabled and any(d.grade <= 2 for d in person.disabilities.all()):
        found.append("severely_disabled")
    return found


def member_inputs(case: Case, on: date) -> list[MemberInput]:
    """The counted members' incomes in force on `on`, as calculator input."""
    enabled = set(param_or("dibao.addon.categories", case.village_id, on, []))
    active = Q(start_month__lte=on) & (Q(end_month__isnull=True) | Q(end_month__gte=on))
    members = []
    for person in counted_members(case):
        incomes = [IncomeInput(r.income_type, r.monthly_amount) for r in person.incomes.filter(active)]
        members.append(MemberInput(incomes=incomes, categories=_categories(person, on, enabled)))
    return members


def dibao_amount(case: Case, on: date) -> CaseAmount:
    result = calculate_dibao(region_code=case.village_id, on_date=on,
                             members=member_inputs(case, on), urban_rural=case.urban_rural)
    return CaseAmount(result.eligible, result.amount, result.standard, result.per_capita_income,
                      result.breakdown)


def tekun_amount(case: Case, on: date, care_class: str) -> CaseAmount:
    region = case.village_id
    standard = Decimal(param(f"dibao.standard.{case.urban_rural}", region, on))
    multiplier = Decimal(param("tekun.basic_multiplier", region, on))
    basic = (standard * multiplier).quantize(CENT, ROUND_HALF_UP)
    care = Decimal(param(f"tekun.care_standard.{care_class}", region, on))
    steps = [
        Step(_("低保标准"), standard, on.isoformat()),
        Step(_("基本生活标准（低保标准 × %(m)s）") % {"m": multiplier}, basic),
        Step(_("照料护理标准（%(c)s）") % {"c": CareClass(care_class).label}, care),
        Step(_("每月供养金合计"), basic + care),
    ]
    return CaseAmount(True, basic + care, standard, None, steps)


def township_cap(case: Case) -> Decimal:
    return Decimal(param("temp.township_cap", case.village_id, case.submitted_at.date()))


def temporary_within_township_cap(case: Case) -> bool:
    return case.requested_amount is not None and case.requested_amount <= township_cap(case)


def meeting_threshold(case: Case) -> Decimal | None:
    value = param_or("temp.joint_meeting_threshold", case.village_id,
                      case.submitted_at.date(), None)
    return None if value is None else Decimal(value)


def temporary_amount(case: Case, on: date) -> CaseAmount:
    amount = case.requested_amount or Decimal("0")
    cap = township_cap(case)
    steps = [Step(_("拟救助金额"), amount)]
    if amount <= cap:
        steps.append(Step(_("未超过乡镇审批额度，由乡镇审批"), cap))
    else:
        steps.append(Step(_("超过乡镇审批额度，报县级审批"), cap))
        threshold = meeting_threshold(case)
        if threshold is not None and amount > threshold:
            steps.append(Step(_("超过一事一议标准，须经联席会议研究"), threshold))
    return CaseAmount(amount > 0, amount, None, None, steps)


def case_amount(case: Case, family: str, on: date) -> CaseAmount:
    if family == Family.TEKUN:
        return tekun_amount(case, on, case.care_class or CareClass.SELF)
    if family == Family.TEMPORARY:
        return temporary_amount(case, on)
    return dibao_amount(case, on)


def steps_json(steps: list[Step]) -> list[dict[str, str]]:
    return [{"label": s.label, "amount": f"{s.amount:.2f}", "note": s.note} for s in steps]
