"""API routes of the tickets app (mounted in jiuzhu.api)."""

from ninja import Router

router = Router(tags=["tickets"])
