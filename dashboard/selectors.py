"""Counts for the user's region, each through the scoping function."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Substr

from regions.models import Level, Region
from regions.scoping import scope
from registry.models import Disability, Household, Person


def region_counts(user: Any) -> dict[str, int]:
    households = scope(user, Household.objects.all())
    persons = scope(user, Person.objects.all())
    totals = households.aggregate(
        total=Count("id"), urban=Count("id", filter=Q(urban_rural="urban"))
    )
    return {
        "households": totals["total"],
        "urban_households": totals["urban"],
        "rural_households": totals["total"] - totals["urban"],
        "persons": persons.count(),
        "disabled": scope(user, Disability.objects.all()).values("person_id").distinct().count(),
    }


def township_breakdown(user: Any) -> list[dict[str, Any]]:
    """Households per township within the user's region, for the drill-down table."""
    counts = dict(
        scope(user, Household.objects.all())
        .annotate(township=Substr("village_id", 1, 9))
        .values("township").annotate(n=Count("id")).values_list("township", "n")
    )
    townships = Region.objects.filter(
        level=Level.TOWNSHIP, code__in=[t.ljust(12, "0") for t in counts]
    ).order_by("code")
    return [{"region": t, "households": counts[t.prefix]} for t in townships]
