"""Outreach figures on the dashboard: each area adds one stat tile for the roles it concerns.

A tile is a dict {"id", "n", "label", "url", "warn"}: `warn` marks a figure that needs action
(overdue, SLA breached). Each area owns its marked section below.
"""

from __future__ import annotations

from typing import Any


def outreach_tiles(user: Any) -> list[dict[str, Any]]:
    tiles: list[dict[str, Any]] = []
    # visits tiles
    # -- end visits tiles
    # wishes tiles
    # -- end wishes tiles
    # tickets tiles
    # -- end tickets tiles
    return tiles
