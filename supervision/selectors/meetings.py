"""Reads of the 联席会议 records, always through regions.scoping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from cases.models import JointMeeting
from regions.scoping import code_range, scope, scoped_get_or_404

from ..models import ItemState, LedgerItem, Meeting, MeetingItem


@dataclass(frozen=True)
class MeetingFilter:
    township: str = ""
    held_from: date | None = None
    held_to: date | None = None
    q: str = ""


def meeting_list(user: Any, f: MeetingFilter) -> QuerySet[Meeting]:
    """Meetings in the user's scope, newest first, with how many items and open tasks each
    has."""
    qs = scope(user, Meeting.objects.all())
    if len(f.township) == 12 and f.township.isdigit():
        qs = qs.filter(region__code__scope_range=code_range(f.township[:9]))
    if f.held_from:
        qs = qs.filter(held_on__gte=f.held_from)
    if f.held_to:
        qs = qs.filter(held_on__lte=f.held_to)
    if f.q.strip():
        qs = qs.filter(title__contains=f.q.strip())
    return (qs.annotate(n_items=Count("items", distinct=True),
                        n_open_tasks=Count("tasks", filter=~Q(tasks__state=ItemState.CLOSED),
                                           distinct=True))
            .select_related("region").order_by("-held_on", "-id"))


def meeting_get(user: Any, meeting_id: int) -> Meeting:
    """One meeting in the user's scope, with its items (each case's own 一事一议 records) and its
    tasks; missing and not-yours are the same 404."""
    items = MeetingItem.objects.select_related("case__applicant", "case__programme").prefetch_related(
        Prefetch("case__meetings", queryset=JointMeeting.objects.order_by("held_on", "id"),
                 to_attr="joint_meetings"))
    tasks = LedgerItem.objects.select_related("region").order_by("id")
    return scoped_get_or_404(
        user, Meeting.objects.select_related("region", "created_by").prefetch_related(
            Prefetch("items", queryset=items), Prefetch("tasks", queryset=tasks)),
        pk=meeting_id)
