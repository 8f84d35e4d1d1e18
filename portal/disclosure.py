"""Reads of the public disclosure pages: programmes and the standards in force per township
(政策公开), hotlines, and the monthly recipient lists of each village (救助对象名单).

Recipient lists come only from approved payroll runs (their current version) and carry only what
domain.md §7 allows after approval: masked name of the household head, programme, household size
and the month's amount — never an ID number, address, phone or account.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from benefits.models import PayrollLine, PayrollRun, RunStatus
from benefits.selectors import applicant_names
from cases.calculator import CENT
from policies.models import Programme
from policies.params import param_or
from regions.models import Level, Region
from regions.scoping import code_range
from registry.masking import mask_name

from .selectors import portal_county

# The index's per-village counts add up a whole month of the county's lines; approved runs do not
# change unless reopened (which changes the key), so an hour is only a bound on memory.
INDEX_CACHE_SECONDS = 3600


def programmes() -> list[Programme]:
    return list(Programme.objects.filter(active=True).select_related("department"))


def _decimal(key: str, region_code: str, on: date) -> Decimal | None:
    value = param_or(key, region_code, on, None)
    return None if value is None else Decimal(str(value))


def _times(standard: Decimal | None, multiplier: Decimal | None) -> Decimal | None:
    if standard is None or multiplier is None:
        return None
    return (standard * multiplier).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class TownshipStandards:
    """The standards in force on a day for one township, None where no parameter is set."""

    township: Region
    dibao_urban: Decimal | None
    dibao_rural: Decimal | None
    tekun_multiplier: Decimal | None
    # 特困 basic living = rural dibao standard × tekun.basic_multiplier (domain §3.4), rounded
    # to the cent as cases.benefit computes each member's amount.
    tekun_basic: Decimal | None
    care_self: Decimal | None
    care_partial: Decimal | None
    care_full: Decimal | None
    edge_multiplier: Decimal | None
    edge_rural: Decimal | None  # 低保边缘: below multiplier × standard (57号§8)
    edge_urban: Decimal | None
    temp_township_cap: Decimal | None


def township_standards(on: date) -> list[TownshipStandards]:
    """Each township of the portal's county, its parameters resolved at the township (so a
    township's own value wins over the county's). Bounded by the county's townships."""
    county = portal_county()
    if county is None:
        return []
    rows = []
    townships = Region.objects.filter(level=Level.TOWNSHIP, valid_to__isnull=True,
                                      code__range=code_range(county.prefix)).order_by("code")
    for township in townships:
        code = township.code

        def money(key: str, code: str = code) -> Decimal | None:
            return _times(_decimal(key, code, on), Decimal(1))  # shown to the cent

        urban, rural = money("dibao.standard.urban"), money("dibao.standard.rural")
        tekun_multiplier = _decimal("tekun.basic_multiplier", code, on)
        edge = _decimal("edge.multiplier", code, on)
        rows.append(TownshipStandards(
            township=township, dibao_urban=urban, dibao_rural=rural,
            tekun_multiplier=tekun_multiplier, tekun_basic=_times(rural, tekun_multiplier),
            care_self=money("tekun.care_standard.self"),
            care_partial=money("tekun.care_standard.partial"),
            care_full=money("tekun.care_standard.full"),
            edge_multiplier=edge, edge_rural=_times(rural, edge), edge_urban=_times(urban, edge),
            temp_township_cap=money("temp.township_cap")))
    return rows


@dataclass(frozen=True)
class Hotline:
    label: str | Promise
    number: str | None


HOTLINES = [
    ("hotline.numbers.county", _("区（县）社会救助热线")),
    ("hotline.numbers.city", _("市级社会救助热线")),
    ("hotline.numbers.province", _("省级社会救助热线")),
    ("hotline.numbers.gov", _("政务服务便民热线")),
]


def hotlines(on: date) -> list[Hotline]:
    county = portal_county()
    code = county.code if county else None
    return [Hotline(label, param_or(key, code, on, None)) for key, label in HOTLINES]


# ---- monthly recipient lists ----------------------------------------------------------------

def recipient_months() -> list[date]:
    """Months of the portal's county with at least one approved payroll run, newest first."""
    county = portal_county()
    if county is None:
        return []
    return list(PayrollRun.objects.filter(status=RunStatus.APPROVED, region_code=county.code)
                .values_list("month", flat=True).distinct().order_by("-month"))


def approved_runs(month: date) -> list[PayrollRun]:
    county = portal_county()
    if county is None:
        return []
    return list(PayrollRun.objects.filter(status=RunStatus.APPROVED, region_code=county.code,
                                          month=month).order_by("pk"))


def _lines(runs: list[PayrollRun]) -> QuerySet[PayrollLine]:
    """The current version's lines of the runs (a reopened run's older versions are history)."""
    if not runs:
        return PayrollLine.objects.none()
    current = Q()
    for run in runs:
        current |= Q(run_id=run.pk, version=run.version)
    return PayrollLine.objects.filter(current)


@dataclass(frozen=True)
class VillageCount:
    village: Region
    households: int


def villages_with_recipients(runs: list[PayrollRun]) -> list[tuple[str, list[VillageCount]]]:
    """Villages with recipients in the runs' month and their household counts, by township."""
    if not runs:
        return []
    versions = ",".join(f"{r.pk}.{r.version}" for r in runs)
    key = "portal-recipients:" + hashlib.sha256(versions.encode()).hexdigest()
    counts: dict[str, int] = cache.get(key)
    if counts is None:
        counts = dict(_lines(runs).values("village_code")
                      .annotate(n=Count("household_id", distinct=True))
                      .values_list("village_code", "n").order_by())
        cache.set(key, counts, INDEX_CACHE_SECONDS)
    groups: dict[str, list[VillageCount]] = {}
    for village in (Region.objects.filter(code__in=counts).select_related("parent")
                    .order_by("code")):
        groups.setdefault(village.parent.name if village.parent else "", []).append(
            VillageCount(village, counts[village.code]))
    return list(groups.items())


def recipient_village(code: str) -> Region | None:
    """A village of the portal's county (one since abolished keeps its past lists)."""
    county = portal_county()
    if county is None or not (len(code) == 12 and code.isdigit()
                              and code.startswith(county.prefix)):
        return None
    return Region.objects.select_related("parent").filter(code=code, level=Level.VILLAGE).first()


def village_recipients(village_code: str, runs: list[PayrollRun]) -> QuerySet[Any]:
    """One row per household and programme: what the month's approved lines hold. The amount is
    the month's 保障金 (base amount); 补发 and 追回 are corrections of other months, and a 追回
    would tell the public more about a household than §7 allows."""
    return (_lines(runs).filter(village_code=village_code)
            .values("household_id", "programme_id")
            .annotate(persons=Max("persons"), amount=Sum("base_amount"))
            .order_by("programme_id", "household_id"))


@dataclass(frozen=True)
class RecipientRow:
    masked_name: str
    programme_name: str
    persons: int
    amount: Decimal


def recipient_rows(rows: list[dict[str, Any]]) -> list[RecipientRow]:
    """Masks one page of rows: names of the heads in one query, never sent to the template."""
    names = applicant_names([r["household_id"] for r in rows])
    programme_names = dict(Programme.objects.values_list("code", "name"))
    return [RecipientRow(mask_name(names.get(r["household_id"], "")),
                         programme_names.get(r["programme_id"], r["programme_id"]),
                         r["persons"], r["amount"]) for r in rows]


@dataclass(frozen=True)
class VillageTotals:
    households: int
    persons: int  # 人次: a household in two programmes counts in both
    amount: Decimal


def village_totals(village_code: str, runs: list[PayrollRun]) -> VillageTotals:
    agg = _lines(runs).filter(village_code=village_code).aggregate(
        households=Count("household_id", distinct=True), persons=Sum("persons"),
        amount=Sum("base_amount"))
    return VillageTotals(agg["households"], agg["persons"] or 0,
                         agg["amount"] or Decimal("0.00"))
