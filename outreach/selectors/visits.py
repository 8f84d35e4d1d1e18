"""Reads of the grid workers' visits (domain.md §11): who must be visited, how often, what is overdue.

A household is on a village's visit list for each reason that applies to it; its cycle is the
shortest of those reasons' `visit.cycle.*` parameters (calendar days, resolved per village). It is
next due its cycle after the last visit, today if never visited, and at once (the lead's date) if
an outreach event reported a lead that no visit has followed up yet. The whole list, its counts and
the per-village summary are one SQL query each, so a county of 50k recipients costs the same number
of queries as a village.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection, models, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    Expression,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from benefits.models import Enrollment, EnrollmentStatus
from cases.choices import SupportForm
from policies.models import Parameter
from policies.params import param, region_chain
from regions.models import Level, Region
from regions.scoping import code_range, region_in_scope, scope, scoped_get_or_404, user_prefix
from registry.models import Household, Person
from registry.selectors import applicants_for

from ..models import EntryKind, EventEntry, Visit


class VisitReason(models.TextChoices):
    TEKUN = "tekun", _("分散供养特困")
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    DIBAO = "dibao", _("低保")
    MONITORED = "monitored", _("低保边缘/刚性支出")
    LEAD = "lead", _("赶大集线索待核实")


# The reasons with a cycle; a lead is due at once and leaves the list once visited.
PERIODIC_REASONS = (VisitReason.TEKUN, VisitReason.ELDERLY_ALONE, VisitReason.DIBAO,
                    VisitReason.MONITORED)
TEKUN_PROGRAMME = "tekun"
DIBAO_PROGRAMMES = ("dibao_urban", "dibao_rural")
# 低保边缘 and 刚性支出困难家庭 are statuses the county monitors (通知2022), not payments.
MONITORED_PROGRAMMES = ("edge", "rigid")
# "60周岁以上" includes the 60th birthday (民法典§1259).
ELDERLY_AGE = 60
# Their unit is 天, calendar days (demo/reference.py), so a due date is plain date arithmetic,
# not calendar_days' working days.
CYCLE_KEYS = {reason: f"visit.cycle.{reason}" for reason in PERIODIC_REASONS}
# Stands for "no periodic reason" inside LEAST(), which SQLite turns NULL if any argument is
# NULL; large enough never to be a real cycle, small enough that a date plus it stays valid.
NO_CYCLE = 100_000
FAR_FUTURE = date(9999, 12, 31)


class AddDays(Func):
    """`date + n days` as a date on both backends (Django's date + duration is a datetime string
    on SQLite, which then compares wrongly with dates)."""

    output_field = DateField()
    arity = 2

    def as_sql(self, compiler: Any, connection: Any, function: str | None = None,
               template: str | None = None, arg_joiner: str | None = None,
               **extra_context: Any) -> tuple[str, Any]:
        day, n = (compiler.compile(e) for e in self.get_source_expressions())
        return f"({day[0]} + CAST({n[0]} AS integer))", (*day[1], *n[1])

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        day, n = (compiler.compile(e) for e in self.get_source_expressions())
        return f"date({day[0]}, ({n[0]}) || ' days')", (*day[1], *n[1])


@contextmanager
def without_jit() -> Iterator[None]:
    """PostgreSQL: no JIT compilation for the statements run inside (SET LOCAL, in a transaction).

    The planner prices the per-household subqueries as if each were expensive, so a county's
    list passes jit_above_cost; compiling then took 4.0 s of a 4.6 s count that runs in 0.35 s
    without it (measured with 60k households). verification.engine does the same for its
    matching statement."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('jit', 'off', true)")
        yield


# -- where: the area a list covers ---------------------------------------------------------------

class Area:
    """The households a list covers on a day: one village, or everything under the user's
    region. It resolves the villages' cycles once, however many queries the page makes."""

    def __init__(self, user: Any, today: date, village: str = "") -> None:
        self.user, self.today, self.village = user, today, village

    def households(self) -> QuerySet[Household]:
        qs = scope(self.user, Household.objects.all())
        return qs.filter(village_id=self.village) if self.village else qs

    def narrow(self, qs: QuerySet[Any], village_lookup: str) -> QuerySet[Any]:
        """The same area on another table, so each reason's subquery reads only its rows
        (the outer query is already scoped; this only spares the database the rest)."""
        if self.village:
            return qs.filter(**{village_lookup: self.village})
        prefix = user_prefix(self.user)
        if prefix is None:
            return qs.none()
        return qs.filter(**{f"{village_lookup}__scope_range": code_range(prefix)}) if prefix else qs

    @cached_property
    def cycles(self) -> dict[str, dict[str, int]]:
        codes = ([self.village] if self.village
                 else list(scope_villages(self.user).values_list("code", flat=True)))
        return village_cycles(codes, self.today)


def scope_villages(user: Any) -> QuerySet[Region]:
    """Every village under the user's region, merged ones included (their households remain)."""
    prefix = user_prefix(user)
    qs = Region.objects.filter(level=Level.VILLAGE)
    if prefix is None:
        return qs.none()
    return qs.filter(code__range=code_range(prefix)) if prefix else qs


def village_for_list(user: Any, code: str) -> Region:
    """A village the user may list; anything else (another township, not a village) is 404."""
    if not (len(code) == 12 and code.isdigit() and region_in_scope(user, code)):
        raise Http404
    try:
        return Region.objects.select_related("parent").get(code=code, level=Level.VILLAGE)
    except Region.DoesNotExist as exc:
        raise Http404 from exc


# -- how often: cycles per village ---------------------------------------------------------------

def village_cycles(village_codes: list[str], today: date) -> dict[str, dict[str, int]]:
    """visit.cycle.* for each village, each read with `param(key, village, today)`.

    A county has hundreds of villages and usually sets the cycles once, so villages whose nearest
    region with any visit.cycle row is the same one share its lookups: `param` resolves the same
    candidates for them (the levels below that region set nothing)."""
    setters = set(Parameter.objects.filter(key__in=CYCLE_KEYS.values()).order_by()
                  .values_list("region_id", flat=True).distinct())
    by_anchor: dict[str | None, dict[str, int]] = {}
    cycles = {}
    for code in village_codes:
        anchor = next((c for c in region_chain(code) if c in setters), None)
        if anchor not in by_anchor:
            by_anchor[anchor] = {reason: int(param(key, anchor or code, today))
                                 for reason, key in CYCLE_KEYS.items()}
        cycles[code] = by_anchor[anchor]
    return cycles


def _per_village(days_by_village: dict[str, int]) -> Expression:
    """The cycle of the household's village as SQL: the usual value, with the exceptions."""
    counts = Counter(days_by_village.values())
    if not counts:
        return Value(NO_CYCLE)
    usual = counts.most_common(1)[0][0]
    exceptions: dict[int, list[str]] = defaultdict(list)
    for code, days in days_by_village.items():
        if days != usual:
            exceptions[days].append(code)
    if not exceptions:
        return Value(usual)
    return Case(*[When(village_id__in=sorted(codes), then=Value(days))
                  for days, codes in sorted(exceptions.items())],
                default=Value(usual), output_field=IntegerField())


# -- why: the reasons, each a set of household ids -----------------------------------------------

def elderly_cutoff(today: date) -> date:
    """The latest birth date of someone aged ELDERLY_AGE or more today."""
    try:
        return today.replace(year=today.year - ELDERLY_AGE)
    except ValueError:  # 29 February in a year whose 60th predecessor is not a leap year
        return today.replace(year=today.year - ELDERLY_AGE, day=28)


def open_leads(area: Area) -> QuerySet[EventEntry]:
    """Leads from outreach events that no visit has followed up on or after the event's day."""
    followed_up = Visit.objects.filter(household=OuterRef("household"),
                                       visited_on__gte=OuterRef("event__held_on"))
    leads = EventEntry.objects.filter(kind=EntryKind.LEAD, household__isnull=False)
    return area.narrow(leads, "household__village__code").filter(~Exists(followed_up))


def reason_sets(area: Area) -> dict[str, QuerySet[Any]]:
    """For each reason, the ids of the households in the area it applies to (as subqueries)."""
    active = area.narrow(Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE), "village__code")
    # The only member counted in the household (57号§8 exclusions aside) is 60 or older. The
    # area's households are a semi-join, so a village's few are walked by index and a county's
    # hashed; neither reads the persons of the rest of the county.
    others = Person.objects.filter(household=OuterRef("household"), excluded=False).exclude(
        pk=OuterRef("pk"))
    alone = Person.objects.filter(household__in=area.households(), excluded=False,
                                  birth_date__lte=elderly_cutoff(area.today)).filter(~Exists(others))
    return {
        VisitReason.TEKUN: active.filter(programme_id=TEKUN_PROGRAMME,
                                         support_form=SupportForm.DISPERSED).values("household_id"),
        VisitReason.ELDERLY_ALONE: alone.values("household_id"),
        VisitReason.DIBAO: active.filter(programme_id__in=DIBAO_PROGRAMMES).values("household_id"),
        VisitReason.MONITORED: active.filter(programme_id__in=MONITORED_PROGRAMMES)
        .values("household_id"),
        VisitReason.LEAD: open_leads(area).values("household_id"),
    }


# -- the list ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ListFilter:
    overdue_only: bool = False
    reason: str = ""


def due_households(area: Area, f: ListFilter = ListFilter()) -> QuerySet[Household]:
    """The households of the area that must be visited, annotated with `cycle_days` (NO_CYCLE if
    only a lead applies), `last_visit`, `lead_on` and `due_on`; overdue first, then by due date
    (overdue is exactly due_on < today, so the due date orders both)."""
    sets, cycles, today = reason_sets(area), area.cycles, area.today
    cycle = Least(*[
        Case(When(pk__in=sets[reason], then=_per_village({v: c[reason] for v, c in cycles.items()})),
             default=Value(NO_CYCLE), output_field=IntegerField())
        for reason in PERIODIC_REASONS])
    last_visit = Subquery(Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_on")
                          .values("visited_on")[:1], output_field=DateField())
    # Only the few households with a lead look theirs up (a hashed membership test first).
    lead_on = Case(When(pk__in=sets[VisitReason.LEAD], then=Subquery(
        open_leads(area).filter(household=OuterRef("pk")).order_by("event__held_on")
        .values("event__held_on")[:1])), default=None, output_field=DateField())
    qs = area.households().annotate(cycle_days=cycle, last_visit=last_visit, lead_on=lead_on)
    qs = qs.filter(Q(cycle_days__lt=NO_CYCLE) | Q(pk__in=sets[VisitReason.LEAD]))
    # Never visited: due today (date + cycle of NULL is NULL). A lead-only household's cycle is
    # NO_CYCLE, so its periodic date lies centuries ahead and the lead's date wins.
    periodic_due = Coalesce(AddDays(F("last_visit"), F("cycle_days")), Value(today),
                            output_field=DateField())
    qs = qs.annotate(due_on=Least(periodic_due, Coalesce(F("lead_on"), Value(FAR_FUTURE)),
                                  output_field=DateField()))
    if f.overdue_only:
        qs = qs.filter(due_on__lt=today)
    if f.reason in sets:
        qs = qs.filter(pk__in=sets[f.reason])
    return qs.select_related("village").order_by("due_on", "pk")


def list_counts(area: Area) -> dict[str, int]:
    """Households on the area's list and how many are overdue, in one query."""
    with without_jit():
        return due_households(area).aggregate(
            total=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=area.today)))


def overdue_count(user: Any, today: date) -> int:
    return list_counts(Area(user, today))["overdue"]


@dataclass(frozen=True)
class VillageSummary:
    village: Region
    households: int
    overdue: int


def village_summary(user: Any, today: date, township: str = "") -> list[VillageSummary]:
    """Each village under the user's region (or one township of it) with its list's counts."""
    rows = (due_households(Area(user, today)).order_by().values("village_id")
            .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today))))
    with without_jit():
        counts = {r["village_id"]: (r["n"], r["overdue"]) for r in rows}
    villages = scope_villages(user).select_related("parent").order_by("code")
    if township:
        villages = villages.filter(parent_id=township)
    return [VillageSummary(v, *counts.get(v.code, (0, 0))) for v in villages
            if v.valid_to is None or v.code in counts]


@dataclass(frozen=True)
class VisitRow:
    household: Household
    head: Person | None
    reasons: list[VisitReason]
    cycle_days: int | None
    last_visit: date | None
    lead_on: date | None
    due_on: date
    today: date

    @property
    def overdue(self) -> bool:
        return self.due_on < self.today

    @property
    def days_overdue(self) -> int:
        return max(0, (self.today - self.due_on).days)


def visit_rows(area: Area, households: list[Household]) -> list[VisitRow]:
    """The page's households with their head and reasons (two queries for the whole page)."""
    ids = [h.pk for h in households]
    sets = reason_sets(area)
    flags = Household.objects.filter(pk__in=ids).annotate(**{
        reason: Exists(subquery.filter(household_id=OuterRef("pk")))
        for reason, subquery in sets.items()}).values("pk", *sets)
    reasons = {row["pk"]: [VisitReason(r) for r in sets if row[r]] for row in flags}
    heads = applicants_for(households)
    return [VisitRow(household=h, head=heads.get(h.pk), reasons=reasons.get(h.pk, []),
                     cycle_days=None if h.cycle_days >= NO_CYCLE else h.cycle_days,  # type: ignore[attr-defined]
                     last_visit=h.last_visit, lead_on=h.lead_on,  # type: ignore[attr-defined]
                     due_on=h.due_on, today=area.today)  # type: ignore[attr-defined]
            for h in households]


def village_page(area: Area, f: ListFilter, number: Any, per_page: int) -> tuple[Page[Any],
                                                                                list[VisitRow]]:
    """One page of a village's list, with its rows."""
    with without_jit():
        page = Paginator(due_households(area, f), per_page).get_page(number)
        return page, visit_rows(area, list(page.object_list))


def household_due(user: Any, household: Household, today: date) -> VisitRow | None:
    """The household's place on its village's list, or None if it need not be visited."""
    area = Area(user, today, household.village_id)
    with without_jit():
        found = list(due_households(area).filter(pk=household.pk))
        return visit_rows(area, found)[0] if found else None


# -- visits --------------------------------------------------------------------------------------

def household_get(user: Any, household_id: int) -> Household:
    return scoped_get_or_404(user, Household.objects.select_related("village__parent"),
                             pk=household_id)


def household_visits(household: Household) -> QuerySet[Visit]:
    return (household.visits.select_related("worker")
            .annotate(photo_count=Count("photos", distinct=True))
            .prefetch_related("wishes").order_by("-visited_on", "-id"))


def visit_get(user: Any, visit_id: int) -> Visit:
    return scoped_get_or_404(
        user, Visit.objects.select_related("household__village__parent", "worker")
        .prefetch_related("photos", "wishes"), pk=visit_id)
