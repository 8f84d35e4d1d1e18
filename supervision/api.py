"""API routes of the supervision app (mounted in jiuzhu.api)."""

from ninja import Router

router = Router(tags=["supervision"])
