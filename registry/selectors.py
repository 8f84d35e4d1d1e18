"""Registry reads, all through regions.scope()."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from regions.scoping import scope, scoped_get_or_404

from .idcard import check_id_number
from .models import Household, Person


@dataclass(frozen=True)
class HouseholdFilter:
    village: str = ""
    q: str = ""


def name_prefix_range(q: str) -> tuple[str, str]:
    # A closed range instead of LIKE so both databases answer from the name index.
    return q, q + "\U0010ffff"


def matching_persons(qs: QuerySet[Person], q: str) -> QuerySet[Person]:
    """A full ID number (any accepted spelling) matches exactly; anything else is a name prefix."""
    idc = check_id_number(q)
    if idc.valid:
        return qs.filter(id_number=idc.normalized)
    return qs.filter(name__range=name_prefix_range(q))


def household_list(user: Any, filters: HouseholdFilter) -> QuerySet[Household]:
    qs = scope(user, Household.objects.all()).select_related("village", "village__parent")
    if filters.village:
        qs = qs.filter(village_id=filters.village)
    q = filters.q.strip()
    if q:
        # A semi-join (id IN (SELECT household_id ...)), not a join plus DISTINCT: both databases
        # then start from the person index and fetch only the matching households by id, and
        # the page's COUNT needs no DISTINCT over every selected column (bench/registry.py).
        members = matching_persons(Person.objects.all(), q)
        qs = qs.filter(id__in=members.values("household_id"))
    return qs.order_by("-id")


def applicants_for(households: list[Household]) -> dict[int, Person]:
    """The applicant of each listed household, fetched in one query for the page."""
    people = Person.objects.filter(
        household_id__in=[h.pk for h in households], relation="applicant"
    )
    return {p.household_id: p for p in people}


def member_counts(households: list[Household]) -> dict[int, int]:
    rows = (
        Person.objects.filter(household_id__in=[h.pk for h in households])
        .values("household_id").annotate(n=Count("id"))
    )
    return {r["household_id"]: r["n"] for r in rows}


def household_get(user: Any, household_id: int) -> Household:
    return scoped_get_or_404(
        user, Household.objects.select_related("village", "village__parent"), pk=household_id
    )


def household_members(household: Household) -> QuerySet[Person]:
    return household.members.prefetch_related("disabilities", "incomes").order_by("id")


def person_get(user: Any, person_id: int) -> Person:
    return scoped_get_or_404(
        user, Person.objects.select_related("household", "household__village"), pk=person_id
    )


def person_list(user: Any, q: str = "") -> QuerySet[Person]:
    qs = scope(user, Person.objects.select_related("household"))
    q = q.strip()
    if q:
        qs = matching_persons(qs, q)
    return qs.order_by("-id")


@dataclass(frozen=True)
class HistoryEntry:
    at: Any
    user: str
    subject: str
    kind: str
    changes: list[tuple[str, str, str]]


def household_history(household: Household) -> list[HistoryEntry]:
    """Who changed what and when: the household row and each member's, newest first."""
    entries: list[HistoryEntry] = []
    kinds = {"+": "新建", "~": "修改", "-": "删除"}
    series = [(household.history.select_related("history_user").order_by("history_date"), "家庭")]
    for person in household.members.all():
        series.append(
            (person.history.select_related("history_user").order_by("history_date"), person.name)
        )
    for records, subject in series:
        previous = None
        for record in records:
            changes: list[tuple[str, str, str]] = []
            if previous is not None:
                delta = record.diff_against(previous)
                changes = [
                    (str(record.instance._meta.get_field(c.field).verbose_name),
                     str(c.old), str(c.new))
                    for c in delta.changes
                ]
            entries.append(HistoryEntry(
                at=record.history_date,
                user=getattr(record.history_user, "username", "") or "系统",
                subject=subject, kind=kinds.get(record.history_type, record.history_type),
                changes=changes,
            ))
            previous = record
    return sorted(entries, key=lambda e: e.at, reverse=True)
