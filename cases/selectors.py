"""Case reads, always through the scoping function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr

from regions.models import Level, Region
from regions.scoping import code_range, scope, scoped_get_or_404

from .choices import CaseState
from .deadlines import overdue_q
from .models import Case


@dataclass
class CaseFilter:
    state: str = ""
    programme: str = ""
    village: str = ""
    q: str = ""
    overdue: bool = False
    township: str = ""


def case_list(user: Any, filters: CaseFilter, today: date) -> QuerySet[Case]:
    qs = scope(user, Case.objects.all())
    if filters.state in CaseState.values:
        qs = qs.filter(state=filters.state)
    if filters.programme:
        qs = qs.filter(programme_id=filters.programme)
    if len(filters.township) == 12 and filters.township.isdigit():
        qs = qs.filter(village__code__scope_range=code_range(filters.township[:9]))
    if filters.village:
        qs = qs.filter(village_id=filters.village)
    q = filters.q.strip()
    if q:
        # A case number is letters then digits; anything else is a name prefix.
        qs = qs.filter(number=q.upper()) if q[:2].isalpha() and q[2:].isdigit() and len(q) > 6 \
            else qs.filter(applicant__name__startswith=q)
    if filters.overdue:
        qs = qs.filter(overdue_q(today))
    return qs.select_related("programme", "applicant", "village__parent").order_by("-id")


def case_get(user: Any, pk: int) -> Case:
    return scoped_get_or_404(
        user, Case.objects.select_related("programme__department", "household", "applicant",
                                          "village__parent", "helper", "decided_by"),
        pk=pk,
    )


def overdue_by_township(user: Any, today: date) -> list[tuple[Region, int]]:
    """Overdue open cases per township in the user's scope, most first."""
    rows = (scope(user, Case.objects.filter(overdue_q(today)))
            .annotate(township=Substr("village_id", 1, 9))
            .values("township").annotate(n=Count("id")).order_by("-n", "township"))
    codes = {r["township"] + "000": r["n"] for r in rows}
    townships = Region.objects.filter(code__in=codes, level=Level.TOWNSHIP).in_bulk()
    return [(townships[c], n) for c, n in codes.items() if c in townships]


def state_counts(user: Any) -> dict[str, int]:
    rows = scope(user, Case.objects.all()).values("state").annotate(n=Count("id"))
    return {r["state"]: r["n"] for r in rows}
