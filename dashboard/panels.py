"""Outreach figures on the dashboard: each area adds one stat tile for the roles it concerns.

A tile is a dict {"id", "n", "label", "url", "warn"}: `warn` marks a figure that needs action
(overdue, SLA breached). Each area owns its marked section below.
"""

from __future__ import annotations

from typing import Any


def outreach_tiles(user: Any) -> list[dict[str, Any]]:
    tiles: list[dict[str, Any]] = []
    # visits tiles
    # Imported here so this shared module loads no area's code until that area's tile is built.
    from django.core.cache import cache
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from accounts.roles import Role
    from outreach.selectors.visits import overdue_count
    from regions.scoping import user_prefix

    if getattr(user, "role", None) in {Role.GRID_WORKER, Role.CLERK, Role.REVIEWER,
                                       Role.COUNTY_ADMIN}:
        today = timezone.localdate()
        # A county's count reads every recipient household (0.3-0.5 s at 50k): above a village
        # the dashboard reuses it for a minute, like the lists' cached totals (jiuzhu.paging). A
        # grid worker's own village is cheap and must drop as soon as a visit is recorded.
        prefix = user_prefix(user) or ""
        key = f"visits-overdue:{prefix}:{today}" if len(prefix) < 12 else None
        overdue = cache.get(key) if key else None
        if overdue is None:
            overdue = overdue_count(user, today)
            if key:
                cache.set(key, overdue, 60)
        tiles.append({"id": "visits-overdue-stat", "n": overdue, "label": _("逾期未走访（户）"),
                      "url": reverse("visits:visit_list") + "?overdue=1", "warn": overdue > 0})
    # -- end visits tiles
    # wishes tiles
    from outreach.selectors.wishes import overdue_tile

    tiles += overdue_tile(user)
    # -- end wishes tiles
    # tickets tiles
    from tickets.selectors import dashboard_tiles as ticket_tiles

    tiles += ticket_tiles(user)
    # -- end tickets tiles
    # monitoring tiles
    from monitoring.selectors import overdue_tile as warning_tile

    tiles += warning_tile(user)
    # -- end monitoring tiles
    # ledgers tiles
    from supervision.selectors.ledgers import dashboard_tiles as ledger_tiles

    tiles += ledger_tiles(user)
    # -- end ledgers tiles
    return tiles
