"""API routes of the outreach app (mounted in jiuzhu.api)."""

from ninja import Router

router = Router(tags=["outreach"])
