"""社会救助统计月报: the monthly figures of a county, township or village (domain.md §13).

Every money figure is read from the payroll: lines of APPROVED runs at their current version
(`line.version == run.version`), so drafts and superseded versions never count and a report
does not change once its month is approved. Lines carry their village, urban/rural class,
persons, care class and support form, so each part of the report is one GROUP BY over a handful
of groups, never a loop over households or villages.

Formulas (printed under the table, so a reader can check them — seed 001's rural month does not
reconcile because it never said what 补差 contained):
- 当月保障金 = Σ 实发金额 of the month's lines = 月保障金 (含分类施保加发) + 补发 − 追回扣减;
- 人均补差 = 当月保障金 ÷ 当月保障人数, rounded half up to the fen;
- 累计人次 = Σ persons of the year's lines up to the month; 累计人均 = 累计保障金 ÷ 累计人次.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import PROGRAMME_FAMILY, CareClass, Family, SupportForm
from jiuzhu.errors import ApplicationError
from policies.models import Programme
from regions.models import PREFIX_LENGTH, Level, Region
from regions.scoping import code_range
from relief.models import EntryKind, ReserveEntry

from .models import AmountChange, Enrollment, EnrollmentStatus, PayrollLine, PayrollRun, RunStatus
from .months import add_months, month_of

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
URBAN, RURAL = "urban", "rural"
AREAS = (URBAN, RURAL)
# Programmes paid every month report households at month end; temporary assistance is paid
# once per case and reports cases and person-times instead.
MONTHLY_FAMILIES = (Family.DIBAO, Family.TEKUN)


def area_label(urban_rural: str) -> str:
    return {URBAN: _("城市"), RURAL: _("农村")}.get(urban_rural, urban_rural)


def per_person(amount: Decimal, persons: int) -> Decimal | None:
    """Funds ÷ persons to the fen; None (shown as —) when nobody was paid."""
    if not persons:
        return None
    return (amount / persons).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Tally:
    """Additive figures of a group of payroll lines (or enrollments: then funds stay zero)."""

    households: int = 0
    persons: int = 0
    funds: Decimal = ZERO
    base_amount: Decimal = ZERO
    back_pay: Decimal = ZERO
    deduction: Decimal = ZERO

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.households + other.households, self.persons + other.persons,
                     self.funds + other.funds, self.base_amount + other.base_amount,
                     self.back_pay + other.back_pay, self.deduction + other.deduction)

    @property
    def average(self) -> Decimal | None:
        return per_person(self.funds, self.persons)


def _total(tallies: Iterable[Tally]) -> Tally:
    return sum(tallies, Tally())


@dataclass
class ProgrammeRow:
    """One row of the main table: a programme in the city or the countryside, a programme's
    小计 (urban_rural "") or the 合计 of all monthly programmes (programme_id "")."""

    programme_id: str
    label: str
    urban_rural: str
    month: Tally
    ytd: Tally
    new: Tally = field(default_factory=Tally)
    changed: int = 0
    ended: Tally = field(default_factory=Tally)

    @property
    def area(self) -> str:
        if not self.programme_id:
            return _("合计")
        return area_label(self.urban_rural) if self.urban_rural else _("小计")


@dataclass
class TekunRow:
    """特困 persons and funds of one support form or care class, by city and countryside."""

    label: str
    urban: Tally
    rural: Tally

    @property
    def total(self) -> Tally:
        return self.urban + self.rural


@dataclass
class Prepaid:
    """先行救助 paid from township reserve funds (relief ledger), in the month and the year."""

    month_cases: int = 0
    month_amount: Decimal = ZERO
    ytd_cases: int = 0
    ytd_amount: Decimal = ZERO


@dataclass
class ChildRow:
    region: Region
    cells: list[Tally]  # the month's figures, one per MonthlyReport.child_programmes
    ytd_funds: Decimal

    @property
    def funds(self) -> Decimal:
        return _total(self.cells).funds


@dataclass
class RunState:
    label: str
    status: str  # a RunStatus value, or "" when the month's run was never computed

    @property
    def counted(self) -> bool:
        return self.status == RunStatus.APPROVED


@dataclass
class MonthlyReport:
    region: Region
    month: date
    rows: list[ProgrammeRow]
    tekun: list[TekunRow]
    temporary: list[ProgrammeRow]
    prepaid: Prepaid
    child_programmes: list[tuple[str, str]]
    children: list[ChildRow]
    runs: list[RunState]

    @property
    def total(self) -> ProgrammeRow:
        return self.rows[-1]

    @property
    def child_totals(self) -> ChildRow:
        cells = [_total(c.cells[i] for c in self.children)
                 for i in range(len(self.child_programmes))]
        return ChildRow(self.region, cells, sum((c.ytd_funds for c in self.children), ZERO))

    @property
    def complete(self) -> bool:
        """Whether every programme's run of the month is approved (else figures are partial)."""
        return all(run.counted for run in self.runs)

    def row(self, programme_id: str, urban_rural: str = "") -> ProgrammeRow:
        """A row by programme and area; "" area = the programme's 小计, "" programme = 合计."""
        for row in [*self.rows, *self.temporary]:
            if (row.programme_id, row.urban_rural) == (programme_id, urban_rural):
                return row
        raise KeyError((programme_id, urban_rural))


def approved_lines() -> QuerySet[PayrollLine]:
    """Lines that count: approved runs at their current version (earlier versions are kept
    as history after a reopening and must never be added in)."""
    return PayrollLine.objects.filter(run__status=RunStatus.APPROVED, version=F("run__version"))


def county_code_of(region_code: str) -> str:
    return region_code[:6].ljust(12, "0")


def latest_approved_month(county_code: str) -> date | None:
    """The default month of a report: the latest with an approved run in the county."""
    return (PayrollRun.objects.filter(region_code=county_code, status=RunStatus.APPROVED)
            .aggregate(m=Max("month"))["m"])


def _programmes() -> tuple[list[Programme], list[Programme]]:
    """(monthly programmes, temporary programmes) in catalogue order."""
    catalogue = list(Programme.objects.filter(code__in=PROGRAMME_FAMILY).order_by(
        "sort_order", "code"))
    monthly = [p for p in catalogue if PROGRAMME_FAMILY[p.code] in MONTHLY_FAMILIES]
    temporary = [p for p in catalogue if PROGRAMME_FAMILY[p.code] == Family.TEMPORARY]
    return monthly, temporary


def _tally(row: dict[str, Any], prefix: str) -> Tally:
    def money(key: str) -> Decimal:
        value = row.get(prefix + key)
        return ZERO if value is None else Decimal(value)

    return Tally(int(row.get(prefix + "households") or 0), int(row.get(prefix + "persons") or 0),
                 money("funds"), money("base_amount"), money("back_pay"), money("deduction"))


def _line_sums(prefix: str, within: Q | None = None) -> dict[str, Any]:
    """The aggregates of a Tally over lines, optionally only those matching `within`. The
    prefix keeps the names clear of the line's own fields (`persons`)."""
    return {
        prefix + "households": Count("id", filter=within),
        prefix + "persons": Sum("persons", filter=within),
        prefix + "funds": Sum("amount", filter=within),
        prefix + "base_amount": Sum("base_amount", filter=within),
        prefix + "back_pay": Sum("back_pay", filter=within),
        prefix + "deduction": Sum("deduction", filter=within),
    }


@dataclass
class _LineGroups:
    month: dict[tuple[str, str], Tally]
    ytd: dict[tuple[str, str], Tally]
    tekun: dict[tuple[str, str], Tally]  # ("form:<support_form>" | "care:<class>", area)
    children: dict[str, dict[str, Tally]]  # child region prefix → programme → month's tally
    children_ytd: dict[str, Decimal]


def _line_groups(lines: QuerySet[PayrollLine], month: date, tekun: set[str],
                 child_width: int | None) -> _LineGroups:
    """One pass over the year's lines up to the month: plain sums grouped by month,
    programme, area, support form, care class and child region, split here into the month's
    and the year's figures. Plain sums over a few thousand groups cost a fraction of the
    filtered aggregates (one CASE per row and figure) a month/YTD split in SQL would take."""
    child = Substr("village_code", 1, child_width) if child_width else Value("")
    rows = (lines.annotate(child=child)
            .values("month", "child", "programme_id", "urban_rural", "support_form",
                    "care_class")
            .annotate(**_line_sums("s_")).order_by())
    groups = _LineGroups(defaultdict(Tally), defaultdict(Tally), defaultdict(Tally),
                         defaultdict(lambda: defaultdict(Tally)), defaultdict(lambda: ZERO))
    for row in rows:
        key = (row["programme_id"], row["urban_rural"])
        tally = _tally(row, "s_")
        groups.ytd[key] += tally
        groups.children_ytd[row["child"]] += tally.funds
        if row["month"] != month:
            continue
        groups.month[key] += tally
        groups.children[row["child"]][row["programme_id"]] += tally
        if row["programme_id"] in tekun:
            groups.tekun[(f"form:{row['support_form']}", row["urban_rural"])] += tally
            groups.tekun[(f"care:{row['care_class']}", row["urban_rural"])] += tally
    return groups


def _movements(lo: str, hi: str, month: date) -> tuple[dict[tuple[str, str], Tally],
                                                        dict[tuple[str, str], Tally],
                                                        dict[tuple[str, str], int]]:
    """New, ended (清退) and changed households by programme and area (three queries).

    新增: enrollments whose first month is this month. 清退: a stop decided this month
    (`ended_on`), whether the payroll has already ended it or its last paid month is still
    running (`end_month` set), so the figure does not move when next month's payroll runs.
    变更: enrollments with an amount change effective this month."""
    next_month = add_months(month, 1)
    is_new = Q(start_month=month)
    is_ended = (Q(ended_on__gte=month, ended_on__lt=next_month)
                & (Q(status=EnrollmentStatus.ENDED) | Q(end_month__isnull=False)))
    in_region = Enrollment.objects.filter(village__code__range=(lo, hi))
    new: dict[tuple[str, str], Tally] = defaultdict(Tally)
    ended: dict[tuple[str, str], Tally] = defaultdict(Tally)
    # Two queries, each on its own (month, village) index, rather than one OR that makes the
    # planner walk every enrollment of the region.
    for target, condition in ((new, is_new), (ended, is_ended)):
        for row in (in_region.filter(condition).values("programme_id", "household__urban_rural")
                    .annotate(s_households=Count("id"), s_persons=Sum("persons")).order_by()):
            target[(row["programme_id"], row["household__urban_rural"])] += _tally(row, "s_")
    changed = {
        (row["enrollment__programme_id"], row["enrollment__household__urban_rural"]): row["n"]
        for row in AmountChange.objects.filter(effective_month=month,
                                               enrollment__village__code__range=(lo, hi))
        .values("enrollment__programme_id", "enrollment__household__urban_rural")
        .annotate(n=Count("enrollment_id", distinct=True)).order_by()
    }
    return new, ended, changed


def _prepaid(lo: str, hi: str, month: date) -> Prepaid:
    """先行救助 payments of the reserve-fund ledger, placed by the case's village."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(month, time.min, tzinfo=tz)
    year = datetime.combine(month.replace(month=1), time.min, tzinfo=tz)
    end = datetime.combine(add_months(month, 1), time.min, tzinfo=tz)
    in_month = Q(at__gte=start)
    agg = (ReserveEntry.objects.filter(kind=EntryKind.PAYMENT, case__village__code__range=(lo, hi),
                                       at__gte=year, at__lt=end)
           .aggregate(month_cases=Count("id", filter=in_month),
                      month_amount=Sum("amount", filter=in_month),
                      ytd_cases=Count("id"), ytd_amount=Sum("amount")))
    # Payments are booked negative (money out of the fund).
    return Prepaid(agg["month_cases"], -(agg["month_amount"] or ZERO),
                   agg["ytd_cases"], -(agg["ytd_amount"] or ZERO))


def _children(region: Region, groups: _LineGroups, programmes: list[str]) -> list[ChildRow]:
    """One row per township (under a county) or village (under a township)."""
    if region.level >= Level.VILLAGE:
        return []
    cells, ytd = groups.children, groups.children_ytd
    children = Region.objects.filter(parent=region).filter(
        Q(valid_to__isnull=True) | Q(code__in=[c.ljust(12, "0") for c in ytd])).order_by("code")
    return [ChildRow(child, [cells[child.prefix].get(p, Tally()) for p in programmes],
                     ytd.get(child.prefix, ZERO))
            for child in children]


def _runs(county_code: str, month: date, programmes: list[Programme]) -> list[RunState]:
    status = dict(PayrollRun.objects.filter(region_code=county_code, month=month)
                  .values_list("programme_id", "status"))
    return [RunState(p.name, status.get(p.code, "")) for p in programmes]


def _tekun_rows(groups: dict[tuple[str, str], Tally]) -> list[TekunRow]:
    keys: list[tuple[str, str]] = [
        *((f"form:{v}", str(label)) for v, label in SupportForm.choices),
        *((f"care:{v}", str(label)) for v, label in CareClass.choices),
    ]
    # Lines without a recorded form or class are shown rather than silently dropped.
    for kind, label in (("form:", _("供养方式未登记")), ("care:", _("自理能力未评估"))):
        if any(groups.get((kind, area)) for area in AREAS):
            keys.append((kind, label))
    return [TekunRow(label, groups.get((key, URBAN), Tally()), groups.get((key, RURAL), Tally()))
            for key, label in keys]


def report_region(region_code: str) -> Region:
    region = Region.objects.select_related("parent").filter(code=region_code).first()
    if region is None or not Level.COUNTY <= region.level <= Level.VILLAGE:
        raise ApplicationError(_("请选择区县、乡镇（街道）或村（社区）"), field="region")
    return region


def monthly_report(region_code: str, month: date) -> MonthlyReport:
    """The monthly statistics of a county, township or village (about ten queries, whatever
    the number of households or villages)."""
    region = report_region(region_code)
    month = month_of(month)
    lo, hi = code_range(region.prefix)
    monthly, temporary = _programmes()
    tekun = {p.code for p in monthly if PROGRAMME_FAMILY[p.code] == Family.TEKUN}
    lines = approved_lines().filter(month__gte=month.replace(month=1), month__lte=month,
                                    village_code__range=(lo, hi))
    child_width = (PREFIX_LENGTH[Level(region.level + 1)] if region.level < Level.VILLAGE
                   else None)
    groups = _line_groups(lines, month, tekun, child_width)
    new, ended, changed = _movements(lo, hi, month)

    def area_row(p: Programme, area: str) -> ProgrammeRow:
        key = (p.code, area)
        return ProgrammeRow(p.code, p.name, area, groups.month.get(key, Tally()),
                            groups.ytd.get(key, Tally()), new.get(key, Tally()),
                            changed.get(key, 0), ended.get(key, Tally()))

    def summed(programme_id: str, label: str, parts: list[ProgrammeRow]) -> ProgrammeRow:
        return ProgrammeRow(programme_id, label, "", _total(r.month for r in parts),
                            _total(r.ytd for r in parts), _total(r.new for r in parts),
                            sum(r.changed for r in parts), _total(r.ended for r in parts))

    rows: list[ProgrammeRow] = []
    subtotals = []
    for p in monthly:
        areas = [area_row(p, area) for area in AREAS]
        subtotals.append(summed(p.code, p.name, areas))
        rows += [*areas, subtotals[-1]]
    rows.append(summed("", _("合计"), subtotals))
    temporary_rows: list[ProgrammeRow] = []
    for p in temporary:
        areas = [area_row(p, area) for area in AREAS]
        temporary_rows += [*areas, summed(p.code, p.name, areas)]

    reported = [*monthly, *temporary]
    return MonthlyReport(
        region=region, month=month, rows=rows, tekun=_tekun_rows(groups.tekun),
        temporary=temporary_rows, prepaid=_prepaid(lo, hi, month),
        child_programmes=[(p.code, p.name) for p in reported],
        children=_children(region, groups, [p.code for p in reported]),
        runs=_runs(county_code_of(region.code), month, reported),
    )


def monthly_series(lines: QuerySet[PayrollLine], first: date, last: date) -> dict[date, Tally]:
    """Funds and person-times per month of already scoped approved lines: one GROUP BY month
    (the dashboard's 12-month chart)."""
    rows = (lines.filter(month__gte=first, month__lte=last).values("month")
            .annotate(**_line_sums("s_")).order_by())
    return {row["month"]: _tally(row, "s_") for row in rows}
