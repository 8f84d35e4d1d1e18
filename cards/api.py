"""API routes of the cards app (mounted in jiuzhu.api)."""

from ninja import Router

router = Router(tags=["cards"])
