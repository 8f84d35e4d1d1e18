from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Level, Region
from .scoping import code_range, user_prefix


def region_children(parent_code: str | None) -> QuerySet[Region]:
    qs = Region.objects.filter(valid_to__isnull=True)
    if parent_code:
        return qs.filter(parent_id=parent_code).order_by("code")
    return qs.filter(parent__isnull=True).order_by("code")


def regions_for_user(user: Any, *levels: int) -> QuerySet[Region]:
    """Regions in force of the given levels at or under the user's region (the pickers)."""
    qs = Region.objects.filter(level__in=levels, valid_to__isnull=True)
    prefix = user_prefix(user)
    if prefix is None:
        return qs.none()
    if prefix:
        qs = qs.filter(code__range=code_range(prefix))
    return qs.order_by("code")


def villages_for_user(user: Any) -> QuerySet[Region]:
    """Villages a user may file households under; the village pickers offer only these."""
    return regions_for_user(user, Level.VILLAGE).select_related("parent")


def townships_for_user(user: Any) -> QuerySet[Region]:
    """A township user gets only their own township, a county user every township."""
    return regions_for_user(user, Level.TOWNSHIP)
