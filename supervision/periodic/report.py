"""The periodic report of a region: its figures against the previous period and last year, the
same figures per township or village, and the series the charts draw."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise

from jiuzhu.access import permission_for
from regions.models import PREFIX_LENGTH, Level, Region
from regions.scoping import code_range, region_in_scope

from . import sources
from .figures import CHILD_COLUMNS, FAMILIES, FIGURES, KEY_COLUMNS, KEY_FIGURES, SECTIONS, Figure
from .periods import Kind, Period
from .sources import Frame, Grid, Number

ROUTE = "periodic:report"
SERIES_LENGTH = 12
TENTH = Decimal("0.1")
CURRENT, PREVIOUS, YEAR_AGO = "cur", "prev", "yoy"


def may_see(user: Any) -> bool:
    """Whether the user may read periodic reports (the route map decides, once)."""
    rule = permission_for(ROUTE)
    return bool(getattr(user, "is_superuser", False)
                or (isinstance(rule, frozenset) and getattr(user, "role", None) in rule))


def report_region(user: Any, code: str) -> Region:
    """A county, township or village in the user's scope; anything else is a 404 (missing and
    not-yours alike)."""
    if not (len(code) == 12 and code.isdigit() and region_in_scope(user, code)):
        raise Http404
    region = Region.objects.select_related("parent").filter(code=code).first()
    if region is None or not Level.COUNTY <= region.level <= Level.VILLAGE:
        raise Http404
    return region


def value_of(cell: dict[str, Number], figure: Figure) -> Number | None:
    """A figure's value in a grid cell; a ratio is a percentage to one decimal, or None when
    there is nothing to divide by."""
    if figure.ratio is None:
        return cell.get(figure.key, 0)
    numerator, denominator = (cell.get(k, 0) for k in figure.ratio)
    if not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(TENTH, rounding=ROUND_HALF_UP)


def display(figure: Figure, value: Number | None, *, signed: bool = False) -> str:
    """A figure as the tables print it: money to the fen, a rate to 0.1, "—" for none."""
    if value is None:
        return "—"
    text = (f"{value:.2f}" if figure.money else f"{value:.1f}" if figure.ratio
            else str(value))
    return f"+{text}" if signed and value > 0 else text


def _difference(now: Number | None, then: Number | None) -> Number | None:
    if now is None or then is None:
        return None
    return now - then


@dataclass
class Line:
    """A row of the main table: a figure, or (level 1) one programme family's share of it."""

    figure: Figure
    key: str  # the figure's key, or "<key>.<family>" for a family's share
    label: str | Promise
    level: int
    current: Number | None
    previous: Number | None
    year_ago: Number | None
    with_year: bool

    @property
    def change(self) -> Number | None:
        return _difference(self.current, self.previous)

    @property
    def change_year(self) -> Number | None:
        return _difference(self.current, self.year_ago)

    @property
    def shown(self) -> list[str]:
        """本期, 上期, 环比 [, 上年同期, 同比] as printed."""
        f = self.figure
        cells = [display(f, self.current), display(f, self.previous),
                 display(f, self.change, signed=True)]
        if self.with_year:
            cells += [display(f, self.year_ago), display(f, self.change_year, signed=True)]
        return cells


@dataclass
class ChildRow:
    """A township or village of the region; region None is 本级 (the region itself) or, as
    `PeriodicReport.total`, the 合计."""

    region: Region | None
    cells: list[Number | None]
    shown: list[str]


def _child_row(region: Region | None, cell: dict[str, Number],
               columns: Sequence[Figure]) -> ChildRow:
    values = [value_of(cell, f) for f in columns]
    return ChildRow(region, values, [display(f, v) for f, v in zip(columns, values, strict=True)])


@dataclass
class PeriodicReport:
    region: Region
    period: Period
    as_of: datetime
    sections: list[tuple[str | Promise, list[Line]]]
    columns: list[Figure]
    children: list[ChildRow]
    own: ChildRow | None  # 本级, when anything is recorded at the region itself
    total: ChildRow
    compare_year: bool
    cells: dict[str, dict[str, Number]] = field(default_factory=dict)  # window → totals

    @property
    def child_level(self) -> str:
        return str(Level(self.region.level + 1).label) if self.region.level < Level.VILLAGE else ""

    def value(self, key: str, window: str = CURRENT) -> Number | None:
        return value_of(self.cells.get(window, {}), FIGURES[key])


def _frame(region: Region, windows: dict[str, Period], now: datetime, *,
           breakdown: bool = True) -> Frame:
    lo, hi = code_range(region.prefix)
    width = (PREFIX_LENGTH[Level(region.level + 1)]
             if breakdown and region.level < Level.VILLAGE else None)
    return Frame(lo, hi, width, windows, now)


def _run(frame: Frame, chosen: Iterable[Any]) -> Grid:
    grid = sources.new_grid()
    for source in chosen:
        source(grid, frame)
    return grid


def _totals(grid: Grid, window: str) -> dict[str, Number]:
    total: dict[str, Number] = {}
    for (name, _child), cell in grid.items():
        if name == window:
            for key, value in cell.items():
                total[key] = total.get(key, 0) + value
    return total


def _lines(cells: dict[str, dict[str, Number]]) -> list[tuple[str | Promise, list[Line]]]:
    def line(figure: Figure, label: str | Promise, level: int, key: str) -> Line:
        shown = Figure(key, label, figure.unit, figure.money, ratio=figure.ratio)
        current, previous, year_ago = (value_of(cells[w], shown) if w in cells else None
                                       for w in (CURRENT, PREVIOUS, YEAR_AGO))
        return Line(figure, key, label, level, current, previous, year_ago,
                    with_year=YEAR_AGO in cells)

    sections = []
    for section in SECTIONS:
        lines = []
        for figure in section.figures:
            lines.append(line(figure, figure.label, 0, figure.key))
            if figure.by_family:
                lines += [line(figure, name, 1, f"{figure.key}.{family}")
                          for family, name in FAMILIES]
        sections.append((section.label, lines))
    return sections


def _children(region: Region, grid: Grid, columns: Sequence[Figure]
              ) -> tuple[list[ChildRow], ChildRow | None]:
    if region.level >= Level.VILLAGE:
        return [], None
    present = {child for (window, child) in grid if window == CURRENT}
    width = PREFIX_LENGTH[Level(region.level + 1)]
    # Regions abolished since still show when the period has records for them.
    children = list(Region.objects.filter(parent=region).filter(
        Q(valid_to__isnull=True) | Q(code__in=[p.ljust(12, "0") for p in present]))
        .order_by("code"))
    rows = [_child_row(child, grid.get((CURRENT, child.code[:width]), {}), columns)
            for child in children]
    known = {child.code[:width] for child in children}
    own: dict[str, Number] = {}
    for prefix in present - known:
        for key, value in grid[(CURRENT, prefix)].items():
            own[key] = own.get(key, 0) + value
    return rows, (_child_row(None, own, columns) if own else None)


def periodic_report(user: Any, region_code: str, period: Period, *,
                    now: datetime | None = None, compare: bool = True) -> PeriodicReport:
    """The report of a region in the user's scope (about ten aggregate queries, whatever the
    number of records or sub-regions). `compare=False` adds only the previous period."""
    region = report_region(user, region_code)
    now = now or timezone.now()
    windows = {CURRENT: period, PREVIOUS: period.previous}
    year_ago = period.year_ago if compare else None
    if year_ago is not None:
        windows[YEAR_AGO] = year_ago
    grid = _run(_frame(region, windows, now), sources.ALL_SOURCES)
    cells = {name: _totals(grid, name) for name in windows}
    columns = [FIGURES[key] for key in CHILD_COLUMNS]
    children, own = _children(region, grid, columns)
    return PeriodicReport(
        region=region, period=period, as_of=period.as_of(now), sections=_lines(cells),
        columns=columns, children=children, own=own,
        total=_child_row(None, cells[CURRENT], columns),
        compare_year=year_ago is not None, cells=cells)


@dataclass(frozen=True)
class Series:
    periods: list[Period]
    values: dict[str, list[Number]]  # figure key (or "cases_decided") → one value a period


def periodic_series(region: Region, period: Period, *, now: datetime | None = None,
                    length: int = SERIES_LENGTH) -> Series:
    """The charts' flows over the `length` periods ending with `period` (four queries). The
    caller has checked the region (report_region)."""
    periods = period.last(length)
    windows = {f"s{i}": p for i, p in enumerate(periods)}
    grid = _run(_frame(region, windows, now or timezone.now(), breakdown=False),
                sources.SERIES_SOURCES)
    keys = ("cases_new", "cases_approved", "cases_rejected", "tk_received", "wish_collected",
            "warn_raised")
    values: dict[str, list[Number]] = {key: [] for key in keys}
    for name in windows:
        cell: dict[str, Number] = grid.get((name, "")) or {}
        for key in keys:
            values[key].append(cell.get(key, 0))
    values["cases_decided"] = [a + r for a, r in zip(values["cases_approved"],
                                                      values["cases_rejected"], strict=True)]
    return Series(periods, values)


@dataclass(frozen=True)
class Tile:
    figure: Figure
    shown: str
    change: str  # against the previous period
    warn: bool


@dataclass(frozen=True)
class KeyFigures:
    report: PeriodicReport
    tiles: list[Tile]
    columns: list[Figure]
    rows: list[tuple[Region, list[str]]]  # the sub-regions' KEY_COLUMNS


def key_figures(user: Any, *, now: datetime | None = None) -> KeyFigures | None:
    """This month's figures of the user's own region (the dashboard's figures at a glance), or
    None for roles that do not read reports and users without a region."""
    region = getattr(user, "region", None)
    if not may_see(user) or region is None:
        return None
    now = now or timezone.now()
    report = periodic_report(user, region.code, Period.of(Kind.MONTH, timezone.localdate(now)),
                             now=now, compare=False)
    tiles = []
    for key in KEY_FIGURES:
        figure, value = FIGURES[key], report.value(key)
        change = _difference(value, report.value(key, PREVIOUS))
        tiles.append(Tile(figure, display(figure, value), display(figure, change, signed=True),
                          figure.alarm and bool(value)))
    picked = [CHILD_COLUMNS.index(key) for key in KEY_COLUMNS]
    rows = [(row.region, [row.shown[i] for i in picked])
            for row in report.children if row.region is not None]
    return KeyFigures(report, tiles, [FIGURES[key] for key in KEY_COLUMNS], rows)
