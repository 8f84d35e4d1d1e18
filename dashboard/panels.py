"""Outreach and supervision figures on the dashboard: each area adds its stat tiles for the roles
it concerns.

A tile is a dict {"id", "n", "label", "url", "warn"}: `warn` marks a figure that needs action
(overdue, SLA breached). Each area builds its own tiles in its selectors; the visits tile is
built here because of its cache.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from monitoring.selectors import overdue_tile as warning_tiles
from outreach.selectors.visits import overdue_count
from outreach.selectors.wishes import overdue_tile as wish_tiles
from regions.scoping import user_prefix
from supervision.selectors.ledgers import dashboard_tiles as ledger_tiles
from tickets.selectors import dashboard_tiles as ticket_tiles

VISIT_ROLES = frozenset({Role.GRID_WORKER, Role.CLERK, Role.REVIEWER, Role.COUNTY_ADMIN})


def _visit_tiles(user: Any) -> list[dict[str, Any]]:
    if getattr(user, "role", None) not in VISIT_ROLES:
        return []
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
    return [{"id": "visits-overdue-stat", "n": overdue, "label": _("逾期未走访（户）"),
             "url": reverse("visits:visit_list") + "?overdue=1", "warn": overdue > 0}]


def outreach_tiles(user: Any) -> list[dict[str, Any]]:
    return [*_visit_tiles(user), *wish_tiles(user), *ticket_tiles(user), *warning_tiles(user),
            *ledger_tiles(user)]
