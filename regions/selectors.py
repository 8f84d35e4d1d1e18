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


def villages_for_user(user: Any) -> QuerySet[Region]:
    """Villages a user may file households under; the village pickers offer only these."""
    qs = Region.objects.filter(level=Level.VILLAGE, valid_to__isnull=True).select_related("parent")
    prefix = user_prefix(user)
    if prefix is None:
        return qs.none()
    if prefix:
        qs = qs.filter(code__range=code_range(prefix))
    return qs.order_by("code")
