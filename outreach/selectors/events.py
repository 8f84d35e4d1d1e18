"""Reads of 救助赶大集 events: every read goes through regions.scope(), so a township sees its
own events and, on an event page, only the cases, households and wishes of its own area."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Substr
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case
from jiuzhu.errors import ApplicationError
from regions.models import PREFIX_LENGTH, Level, Region
from regions.scoping import code_range, scope, user_prefix
from regions.selectors import regions_for_user, townships_for_user
from registry.masking import mask_id
from registry.models import Household, Person
from registry.selectors import HouseholdFilter, applicants_for, household_list

from ..models import EntryKind, EventEntry, OutreachEvent, Visit, Wish

TOWNSHIP_DIGITS = PREFIX_LENGTH[Level.TOWNSHIP]
# The household picker at the stall shows a handful of matches; the worker narrows the query.
HOUSEHOLD_MATCHES = 10


@dataclass(frozen=True)
class EventFilter:
    township: str = ""
    date_from: date | None = None
    date_to: date | None = None


def visible_events(user: Any, qs: QuerySet[OutreachEvent]) -> QuerySet[OutreachEvent]:
    """Events of the user's area, and the events the user staffs: a village's grid worker at
    the township's market records there too. Cases, households and wishes on an event's page
    stay scoped to the reader's own area."""
    staffed = OutreachEvent.staff.through.objects.filter(user_id=user.pk).values("outreachevent_id")
    return scope(user, qs) | qs.filter(pk__in=staffed)


def event_list(user: Any, filters: EventFilter) -> QuerySet[OutreachEvent]:
    qs = visible_events(user, OutreachEvent.objects.all()).select_related("region",
                                                                          "region__parent")
    if filters.township:
        # A township's own events and those of its villages.
        qs = qs.filter(region__code__range=code_range(filters.township[:TOWNSHIP_DIGITS]))
    if filters.date_from:
        qs = qs.filter(held_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(held_on__lte=filters.date_to)
    return qs.order_by("-held_on", "-id")


def event_get(user: Any, event_id: int) -> OutreachEvent:
    """The event, or 404 alike for a missing one and one the user neither covers nor staffs."""
    event = visible_events(user, OutreachEvent.objects.select_related(
        "region", "region__parent", "created_by")).filter(pk=event_id).first()
    if event is None:
        raise Http404
    return event


def event_staff(event: OutreachEvent) -> list[User]:
    return list(event.staff.select_related("region").order_by("region_id", "pk"))


def kind_totals(event_ids: list[int]) -> dict[int, dict[str, int]]:
    """Sums per kind of each listed event, one GROUP BY for the page."""
    totals: dict[int, dict[str, int]] = {pk: {} for pk in event_ids}
    rows = (EventEntry.objects.filter(event_id__in=event_ids).values("event_id", "kind")
            .annotate(total=Sum("count")).order_by())
    for row in rows:
        totals[row["event_id"]][row["kind"]] = row["total"]
    return totals


@dataclass(frozen=True)
class Tally:
    kind: str
    label: str
    total: int


def event_tallies(event: OutreachEvent) -> list[Tally]:
    """Every kind with its sum, zero included, in the order of the form."""
    sums = kind_totals([event.pk])[event.pk]
    return [Tally(kind, str(label), sums.get(kind, 0)) for kind, label in EntryKind.choices]


@dataclass(frozen=True)
class ApplicationRow:
    entry: EventEntry
    case: Case | None  # None: the case lies outside the reader's area


def event_applications(user: Any, event: OutreachEvent) -> list[ApplicationRow]:
    entries = list(event.entries.filter(kind=EntryKind.APPLICATION)
                   .select_related("recorded_by").order_by("recorded_at", "id"))
    cases = {c.pk: c for c in scope(user, Case.objects.filter(
        pk__in=[e.case_id for e in entries])).select_related("programme")}
    return [ApplicationRow(e, cases.get(e.case_id or 0)) for e in entries]


@dataclass(frozen=True)
class LeadRow:
    entry: EventEntry
    household: Household | None  # None: outside the reader's area
    applicant: Person | None
    # The first visit on or after the event day: the lead has been followed up.
    visited_on: date | None


def event_leads(user: Any, event: OutreachEvent) -> list[LeadRow]:
    first_visit = (Visit.objects.filter(household_id=OuterRef("household_id"),
                                        visited_on__gte=event.held_on)
                   .order_by("visited_on").values("visited_on")[:1])
    entries = list(event.entries.filter(kind=EntryKind.LEAD)
                   .annotate(visited_on=Subquery(first_visit)).order_by("recorded_at", "id"))
    households = {h.pk: h for h in scope(user, Household.objects.filter(
        pk__in=[e.household_id for e in entries])).select_related("village")}
    applicants = applicants_for(list(households.values()))
    rows = []
    for e in entries:
        household = households.get(e.household_id or 0)
        rows.append(LeadRow(e, household, applicants.get(household.pk) if household else None,
                            e.visited_on if household else None))
    return rows


def event_wishes(user: Any, event: OutreachEvent) -> QuerySet[Wish]:
    return scope(user, Wish.objects.filter(event=event)).order_by("created_at", "id")


def event_entries(event: OutreachEvent) -> QuerySet[EventEntry]:
    """The log of the event's entries, newest first (paged on the event page)."""
    return event.entries.select_related("recorded_by").order_by("-id")


# ---- county summary -------------------------------------------------------------------------

SUMMARY_KINDS = [k.value for k in EntryKind]


@dataclass
class SummaryRow:
    township: Region | None  # None: the total row
    events: int = 0
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def cells(self) -> list[int]:
        return [self.totals.get(kind, 0) for kind in SUMMARY_KINDS]


def county_summary(user: Any, date_from: date | None,
                   date_to: date | None) -> tuple[list[SummaryRow], SummaryRow]:
    """Events and entry sums per township of the reader's area (a village's event counts for
    its township), plus the total: the figures seed 003 reports (37 events, 58,000 …)."""
    events = scope(user, OutreachEvent.objects.all())
    entries = scope(user, EventEntry.objects.all())
    if date_from:
        events = events.filter(held_on__gte=date_from)
        entries = entries.filter(event__held_on__gte=date_from)
    if date_to:
        events = events.filter(held_on__lte=date_to)
        entries = entries.filter(event__held_on__lte=date_to)
    rows = {t.code[:TOWNSHIP_DIGITS]: SummaryRow(t) for t in townships_for_user(user)}
    total = SummaryRow(None)
    for row in (events.annotate(t=Substr("region_id", 1, TOWNSHIP_DIGITS)).values("t")
                .annotate(n=Count("id")).order_by()):
        if row["t"] in rows:
            rows[row["t"]].events = row["n"]
            total.events += row["n"]
    for row in (entries.annotate(t=Substr("event__region_id", 1, TOWNSHIP_DIGITS))
                .values("t", "kind").annotate(n=Sum("count")).order_by()):
        if row["t"] in rows:
            rows[row["t"]].totals[row["kind"]] = row["n"]
            total.totals[row["kind"]] = total.totals.get(row["kind"], 0) + row["n"]
    return list(rows.values()), total


# ---- form choices ---------------------------------------------------------------------------

def region_choices(user: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """Townships and their villages in the user's area, grouped by township for <optgroup>."""
    groups: dict[str, list[tuple[str, str]]] = {}
    names: dict[str, str] = {}
    for region in regions_for_user(user, Level.TOWNSHIP, Level.VILLAGE).select_related("parent"):
        key = region.code[:TOWNSHIP_DIGITS]
        if region.level == Level.TOWNSHIP:
            names[key] = region.name
            groups.setdefault(key, []).insert(0, (region.code, f"{region.name}（全乡镇）"))
        else:
            names.setdefault(key, region.parent.name if region.parent else "")
            groups.setdefault(key, []).append((region.code, region.name))
    return [(names[key], choices) for key, choices in groups.items()]


def staff_choices(user: Any) -> list[tuple[str, str]]:
    """Users who may be listed as staff of an event the user organises: everyone working in the
    user's area, and the staff of the regions above it (county staff at a township market)."""
    prefix = user_prefix(user)
    if prefix is None:
        return []
    qs = User.objects.filter(is_active=True).exclude(role="").select_related("region")
    if prefix:
        code = user.region.code
        ancestors = [code[:n].ljust(12, "0") for n in (2, 4, 6, 9) if n < len(prefix)]
        qs = qs.filter(Q(region__code__range=code_range(prefix)) | Q(region_id__in=ancestors))
    return [(str(u.pk), f"{u.display_name}（{u.get_role_display()} · "
                        f"{u.region.name if u.region else ''}）")
            for u in qs.order_by("region_id", "username")]


@dataclass(frozen=True)
class HouseholdMatch:
    household: Household
    name: str
    masked_id: str  # enough to tell two namesakes apart at a market stall


def households_matching(user: Any, q: str) -> list[HouseholdMatch]:
    """Households in the user's area whose member matches a name prefix or a full ID number."""
    if not q.strip():
        return []
    return household_matches(list(household_list(user, HouseholdFilter(q=q))[:HOUSEHOLD_MATCHES]))


def household_matches(households: list[Household]) -> list[HouseholdMatch]:
    applicants = applicants_for(households)
    matches = []
    for h in households:
        applicant = applicants.get(h.pk)
        matches.append(HouseholdMatch(h, applicant.name if applicant else "",
                                      mask_id(applicant.id_number) if applicant else ""))
    return matches


def household_for_entry(user: Any, raw: Any) -> Household | None:
    """The household picked on the entry form, if it is in the user's area."""
    if raw in (None, ""):
        return None
    household = (scope(user, Household.objects.select_related("village", "village__parent"))
                 .filter(pk=raw).first())
    if household is None:
        raise ApplicationError(_("请重新查找并选择家庭"), field="household")
    return household
