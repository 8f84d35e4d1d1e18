"""The SQL behind the periodic report: one aggregate query per source of records.

Each query filters a region's code range, groups by the code's prefix at the next level down
(township under a county, village under a township) and computes every figure of every
requested window (this period, the previous one, the same period last year, or the twelve
periods of a chart) as a filtered COUNT or SUM. Nothing loops over records in Python; the
rows that come back are at most (windows' groups × programmes).

Figures are of two kinds (the definitions are in `figures.DEFINITIONS`):
- flows, counted by a timestamp inside the period (submitted, decided, raised, received…);
- stocks "at the period's end" (overdue items), taken at `Period.as_of`: the first moment after
  the period, or now while it runs. A past period's stock is rebuilt from the records'
  timestamps, so a report does not change when an item is dealt with later; at "now" each
  equals what the owning list shows as overdue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.db.models import (
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Substr, TruncDate
from django.utils import timezone

from benefits.statistics import approved_lines
from cases.choices import PROGRAMME_FAMILY, CaseState
from cases.deadlines import overdue_q as case_overdue_q
from cases.models import Case, CaseTransition
from monitoring.models import Warning
from outreach.models import OutreachEvent, Visit, Wish
from outreach.models.events import EntryKind as EventEntryKind
from outreach.models.wishes import overdue_q as wish_overdue_q
from relief.models import EntryKind as ReserveKind
from relief.models import ReserveEntry
from supervision.models import LedgerItem
from tickets import sla
from tickets.models import Rating, Ticket

from .periods import Kind, Period

Number = int | Decimal
# (window, child prefix) → figure key → value; a family's share is under "key.family".
Grid = defaultdict[tuple[str, str], defaultdict[str, Number]]
OTHER_FAMILY = "other"


def new_grid() -> Grid:
    return defaultdict(lambda: defaultdict(int))


@dataclass(frozen=True)
class Frame:
    """Where and when: a region's code range, the prefix width of its children (None at
    village level: no breakdown) and the named windows."""

    lo: str
    hi: str
    width: int | None
    windows: dict[str, Period]
    now: datetime

    def as_of(self, period: Period) -> tuple[datetime, date]:
        """The stock's moment, and the first day not yet overdue at it: an item due on that
        day or later is not overdue (the due day itself is still in time)."""
        moment = period.as_of(self.now)
        return moment, timezone.localdate(moment)


def _days(field: str, p: Period) -> Q:
    return Q(**{f"{field}__range": (p.start, p.end)})


def _moments(field: str, p: Period) -> Q:
    return Q(**{f"{field}__gte": p.starts_at, f"{field}__lt": p.ends_at})


# A window's aggregates (COUNT, SUM, or an expression over them) by figure key.
PerWindow = Callable[[str, Period], dict[str, Any]]


def _collect(grid: Grid, qs: QuerySet[Any], region_code: str, frame: Frame,
             per_window: PerWindow, family_of: str | None = None) -> None:
    """Run one GROUP BY child [, programme] query and add its figures into the grid.

    `region_code` is the lookup of the record's region code (its REGION_LOOKUP, or a finer
    one); a code behind a foreign key is read from the key's own column, without a join.
    Aggregate names are "<window>_<key>" (window names have no underscore)."""
    child = Substr(region_code, 1, frame.width) if frame.width else Value("")
    aggregates: dict[str, Any] = {}
    for name, period in frame.windows.items():
        for key, aggregate in per_window(name, period).items():
            aggregates[f"{name}_{key}"] = aggregate
    group = ["child", family_of] if family_of else ["child"]
    rows = (qs.filter(**{f"{region_code}__scope_range": (frame.lo, frame.hi)})
            .annotate(child=child).values(*group).annotate(**aggregates).order_by())
    for row in rows:
        family = (PROGRAMME_FAMILY.get(row[family_of], OTHER_FAMILY) if family_of else None)
        for alias in aggregates:
            value = row[alias]
            if not value:
                continue
            window, key = alias.split("_", 1)
            cell = grid[(window, row["child"])]
            cell[key] += value
            if family:
                cell[f"{key}.{family}"] += value


def cases(grid: Grid, frame: Frame) -> None:
    """New applications and decisions, by programme family."""
    decided = Q(state__in=[CaseState.APPROVED, CaseState.REJECTED])
    any_window = Q()
    for p in frame.windows.values():
        any_window |= _moments("submitted_at", p) | (decided & _days("decided_on", p))
    _collect(grid, Case.objects.filter(any_window), "village__code", frame, lambda _n, p: {
        "cases_new": Count("id", filter=_moments("submitted_at", p)),
        "cases_approved": Count("id", filter=Q(state=CaseState.APPROVED)
                                & _days("decided_on", p)),
        "cases_rejected": Count("id", filter=Q(state=CaseState.REJECTED)
                                & _days("decided_on", p)),
    }, family_of="programme_id")


def _renamed(q: Q, field: str, to: str) -> Q:
    """The same condition with `field` (and its lookups) read from the annotation `to`."""
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            clone.children.append(_renamed(child, field, to))
        else:
            name, value = cast(tuple[str, Any], child)
            if name == field or name.startswith(field + "__"):
                name = to + name[len(field):]
            clone.children.append((name, value))
    return clone


def cases_overdue(grid: Grid, frame: Frame) -> None:
    """Open cases past their stage's or the overall deadline at the period's end.

    The rule is cases.deadlines.overdue_q (the 办理时限 page's); for a past moment the case's
    state then is its latest transition before that moment, so a case decided since still
    counts where it was overdue."""
    annotations: dict[str, Any] = {}
    conditions: dict[str, Q] = {}
    earliest_day: date | None = None
    for name, p in frame.windows.items():
        moment, day = frame.as_of(p)
        earliest_day = min(day, earliest_day or day)
        rule = case_overdue_q(day)
        if moment < frame.now:
            then = (CaseTransition.objects.filter(case=OuterRef("pk"), at__lt=moment)
                    .order_by("-at", "-id").values("to_state")[:1])
            # Cases entered without a transition trail keep their present state.
            annotations[f"state_{name}"] = Coalesce(Subquery(then), F("state"))
            rule = _renamed(rule, "state", f"state_{name}")
        conditions[name] = Q(submitted_at__lt=moment) & rule
    assert earliest_day is not None
    # Cases decided before the earliest moment were closed then: no subquery for them.
    candidates = Case.objects.filter(Q(decided_on__isnull=True) | Q(decided_on__gte=earliest_day))
    _collect(grid, candidates.annotate(**annotations), "village__code", frame,
             lambda name, _p: {"cases_overdue": Count("id", filter=conditions[name])},
             family_of="programme_id")


def payments(grid: Grid, frame: Frame) -> None:
    """Approved payroll (the monthly report's lines) and 先行救助 from the reserve ledger."""
    by_month = next(iter(frame.windows.values())).kind in (Kind.MONTH, Kind.QUARTER)

    def paid(p: Period) -> Q:
        # Months and quarters count their payroll months; a day or week counts the runs
        # approved in it (a month's payroll is approved on one day).
        return (Q(month__range=(p.start, p.end)) if by_month
                else _moments("run__approved_at", p))

    _collect(grid, approved_lines(), "village_code", frame, lambda _n, p: {
        "pay_funds": Sum("amount", filter=paid(p)),
        "pay_persons": Sum("persons", filter=paid(p)),
    }, family_of="programme_id")
    # Payments are booked negative (money out of the fund); placed by the case's village.
    _collect(grid, ReserveEntry.objects.filter(kind=ReserveKind.PAYMENT), "case__village__code",
             frame, lambda _n, p: {
                 "prepaid_cases": Count("id", filter=_moments("at", p)),
                 "prepaid_amount": -Sum("amount", filter=_moments("at", p)),
             })


def warnings(grid: Grid, frame: Frame) -> None:
    """低收入人口动态监测: raised, acted on (and in time), turned into cases, overdue."""

    def figures(_name: str, p: Period) -> dict[str, Any]:
        moment, day = frame.as_of(p)
        acted = _moments("first_action", p)
        return {
            "warn_raised": Count("id", filter=_days("raised_on", p)),
            "warn_acted": Count("id", filter=acted),
            "warn_on_time": Count("id", filter=acted & Q(first_action_on__lte=F("due_on"))),
            "warn_to_case": Count("id", filter=_moments("case__submitted_at", p)),
            "warn_overdue": Count("id", filter=Q(due_on__lt=day) & (
                Q(first_action__isnull=True) | Q(first_action__gte=moment))),
        }

    # Contact, a case or "no action" each count as acting on a warning; the first one made.
    first = Coalesce("contacted_at", "acted_at")
    _collect(grid, Warning.objects.annotate(first_action=first,
                                            first_action_on=TruncDate(first)),
             "village_code", frame, figures)


def tickets(grid: Grid, frame: Frame) -> None:
    """Hotline tickets: received, replied in time, SLA breaches, ratings."""
    breached = sla.breached_q(frame.now)

    def figures(_name: str, p: Period) -> dict[str, Any]:
        # A breach happens when a reply is still owed at the due time: counted in the period
        # its due time falls in, once that time has passed.
        came_due = Q(due_at__gte=p.starts_at, due_at__lt=p.as_of(frame.now))
        rated = _moments("rated_at", p) & ~Q(rating="")
        return {
            "tk_received": Count("id", filter=_moments("received_at", p)),
            "tk_on_time": Count("id", filter=_moments("replied_at", p)
                                & Q(replied_at__lte=F("due_at"))),
            "tk_breached": Count("id", filter=came_due & breached),
            "tk_rated": Count("id", filter=rated),
            "tk_satisfied": Count("id", filter=rated & Q(
                rating__in=[Rating.SATISFIED, Rating.BASIC])),
        }

    _collect(grid, Ticket.objects.all(), "region__code", frame, figures)


def wishes(grid: Grid, frame: Frame) -> None:
    def figures(_name: str, p: Period) -> dict[str, Any]:
        moment, day = frame.as_of(p)
        # Still being handled now (the ledger's own rule), or resolved only after the moment.
        overdue = (wish_overdue_q(day) | (Q(resolved_at__gte=moment) & Q(due_on__lt=day)))
        return {
            "wish_collected": Count("id", filter=_moments("created_at", p)),
            "wish_closed": Count("id", filter=_moments("closed_at", p)),
            "wish_overdue": Count("id", filter=Q(created_at__lt=moment) & overdue),
        }

    _collect(grid, Wish.objects.all(), "village__code", frame, figures)


def ledger(grid: Grid, frame: Frame) -> None:
    """问题/责任/任务清单: opened, closed (销号), past the deadline and not closed."""

    def figures(_name: str, p: Period) -> dict[str, Any]:
        moment, day = frame.as_of(p)
        return {
            "ledger_opened": Count("id", filter=_moments("created_at", p)),
            "ledger_closed": Count("id", filter=_moments("closed_at", p)),
            "ledger_overdue": Count("id", filter=Q(created_at__lt=moment, due_on__lt=day) & (
                Q(closed_at__isnull=True) | Q(closed_at__gte=moment))),
        }

    _collect(grid, LedgerItem.objects.all(), "region__code", frame, figures)


def outreach(grid: Grid, frame: Frame) -> None:
    """Visits made, and 救助赶大集 events held with their consultations."""
    _collect(grid, Visit.objects.all(), "household__village__code", frame, lambda _n, p: {
        "visits": Count("id", filter=_days("visited_on", p)),
    })
    consultation = Q(entries__kind=EventEntryKind.CONSULTATION)
    # The join repeats an event once per entry: events are counted distinct.
    _collect(grid, OutreachEvent.objects.all(), "region__code", frame, lambda _n, p: {
        "events": Count("id", distinct=True, filter=_days("held_on", p)),
        "consultations": Sum("entries__count", filter=_days("held_on", p) & consultation),
    })


ALL_SOURCES = (cases, cases_overdue, payments, warnings, tickets, wishes, ledger, outreach)
# The charts need only the flows they draw.
SERIES_SOURCES = (cases, warnings, tickets, wishes)
