"""Department data reads: who sees which source and snapshot (one choke point), list rows.

The county administrator and the auditor see every source; a department liaison
(`Role.LIAISON`) sees only the sources of the department named in `user.department`. Missing and
"not yours" are the same 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Max, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.roles import Role

from .models import DataSource, Snapshot, SnapshotStatus, SourceItem

COUNTY_READERS = frozenset({Role.COUNTY_ADMIN, Role.AUDITOR})


def sources_for(user: Any) -> QuerySet[DataSource]:
    qs = DataSource.objects.select_related("department")
    if user.is_superuser or user.role in COUNTY_READERS:
        return qs
    if user.role == Role.LIAISON and user.department:
        return qs.filter(department__name=user.department)
    return qs.none()


def can_upload(user: Any, source: DataSource) -> bool:
    """Upload, activate and cancel: the county administrator, or the providing department's
    own liaison."""
    if user.is_superuser or user.role == Role.COUNTY_ADMIN:
        return True
    return (user.role == Role.LIAISON and bool(user.department)
            and source.department.name == user.department)


def source_get(user: Any, code: str) -> DataSource:
    source = sources_for(user).filter(pk=code).first()
    if source is None:
        raise Http404
    return source


def snapshot_get(user: Any, snapshot_id: int) -> Snapshot:
    snapshot = (Snapshot.objects.select_related("source__department", "uploaded_by")
                .filter(pk=snapshot_id, source__in=sources_for(user).values("pk")).first())
    if snapshot is None:
        raise Http404
    return snapshot


def snapshot_history(source: DataSource) -> QuerySet[Snapshot]:
    return (Snapshot.objects.filter(source=source).defer("errors")
            .select_related("uploaded_by").order_by("-id"))


def active_as_of(source: DataSource) -> date | None:
    newest: date | None = Snapshot.objects.filter(
        source=source, status=SnapshotStatus.ACTIVE).aggregate(m=Max("as_of"))["m"]
    return newest


def freshness(as_of: date | None, max_age_days: int, on: date) -> str:
    """ok | stale | missing: the rule of `engine.source_status` (a snapshot older than the
    source's max_age_days cannot vouch for "no record")."""
    if as_of is None:
        return "missing"
    return "ok" if as_of >= on - timedelta(days=max_age_days) else "stale"


@dataclass(frozen=True)
class SourceRow:
    source: DataSource
    items: list[SourceItem]
    active_as_of: date | None  # the newest active snapshot (append mode may keep several)
    active_dates: list[tuple[int, date]]
    age_days: int | None
    status: str
    last_upload: datetime | None


def source_rows(user: Any, on: date) -> list[SourceRow]:
    """The sources a user sees with their active data's date and age; three queries."""
    active = Q(snapshots__status=SnapshotStatus.ACTIVE)
    qs = (sources_for(user)
          .annotate(active_as_of=Max("snapshots__as_of", filter=active),
                    last_upload=Max("snapshots__created_at"))
          .prefetch_related(
              "items",
              Prefetch("snapshots", to_attr="active_snapshots",
                       queryset=Snapshot.objects.filter(status=SnapshotStatus.ACTIVE)
                       .only("id", "as_of", "source_id").order_by("-as_of", "-id")))
          .order_by("sort_order", "code"))
    rows = []
    for source in qs:
        annotated: Any = source  # active_as_of, last_upload, active_snapshots come from the query
        as_of = annotated.active_as_of
        rows.append(SourceRow(
            source=source, items=list(source.items.all()), active_as_of=as_of,
            active_dates=[(s.pk, s.as_of) for s in annotated.active_snapshots],
            age_days=(on - as_of).days if as_of else None,
            status=freshness(as_of, source.max_age_days, on),
            last_upload=annotated.last_upload))
    return rows
