"""特困 conditions and the self-care class (民发〔2021〕43号 §4–9, §20–23; domain.md §3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from registry.idcard import age_on
from registry.services import income_exclusions

from .benefit import TEKUN_EXTRA_EXCLUSIONS
from .choices import CareClass, SupporterStatus
from .models import Case

# 43号§5(一): grades that mean no capacity to work.
NO_WORK_CAPACITY_GRADES = {"intellectual": 3, "mental": 3, "physical": 2, "visual": 1,
                           "multiple": 2}


@dataclass(frozen=True)
class Check:
    label: str
    ok: bool | None  # None: not enough data to decide
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {"label": self.label, "ok": self.ok, "detail": self.detail}


def care_class_for(items_lost: int) -> str:
    """43号§22: none lost → self-care; 1–3 → partial; 4 or more → full."""
    if items_lost >= 4:
        return CareClass.FULL
    if items_lost >= 1:
        return CareClass.PARTIAL
    return CareClass.SELF


def _work_capacity(case: Case, on: date) -> Check:
    person = case.applicant
    age = age_on(person.birth_date, on)
    if age >= 60 or age < 16:
        return Check(_("无劳动能力"), True, _("年龄%(age)d周岁") % {"age": age})
    for d in person.disabilities.all():
        limit = NO_WORK_CAPACITY_GRADES.get(d.category)
        if limit and d.grade <= limit:
            return Check(_("无劳动能力"), True, str(d))
    return Check(_("无劳动能力"), False,
                 _("年龄%(age)d周岁，无符合条件的残疾等级") % {"age": age})


def _no_income(case: Case, on: date, standard: Decimal) -> Check:
    excluded, _rule = income_exclusions(case.village_id, on)
    excluded |= TEKUN_EXTRA_EXCLUSIONS
    active = Q(start_month__lte=on) & (Q(end_month__isnull=True) | Q(end_month__gte=on))
    total = sum((r.monthly_amount for r in case.applicant.incomes.filter(active)
                 if r.income_type not in excluded), Decimal("0"))
    ok = total < standard
    return Check(_("无生活来源"), ok, _("计入月收入%(t)s元，低保标准%(s)s元") % {
        "t": f"{total:.2f}", "s": f"{standard:.2f}"})


def _supporter(case: Case) -> Check:
    status = case.supporter_status
    if not status:
        return Check(_("无法定义务人或义务人无履行能力"), None, _("未填写义务人情况"))
    return Check(_("无法定义务人或义务人无履行能力"), status != SupporterStatus.ABLE,
                 str(SupporterStatus(status).label))


def tekun_checks(case: Case, on: date, standard: Decimal) -> list[Check]:
    return [_work_capacity(case, on), _no_income(case, on, standard), _supporter(case)]
