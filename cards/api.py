"""API routes of the cards app (mounted in jiuzhu.api)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from registry.selectors import household_get

from . import services
from .views import public_url

router = Router(tags=["cards"])


class CardOut(Schema):
    token: str
    public_url: str


@router.get("/households/{household_id}/card", response=CardOut, url_name="household_card")
def household_card(request: HttpRequest, household_id: int) -> CardOut:
    """The household's live care card; one is issued (and audited) if it has none. A household
    outside the caller's region is the same 404 as a missing one."""
    household = household_get(request.user, household_id)
    card = services.card_ensure(actor=request.user, household=household)
    return CardOut(token=card.token, public_url=public_url(request, card.token))
