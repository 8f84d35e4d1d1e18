"""Writes of the care cards: issue, batch issue, deliver, revoke, re-issue."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from jiuzhu.errors import ApplicationError

from .models import Card


@transaction.atomic
def card_deliver(*, actor: Any, card: Card, visit: Any = None) -> Card:
    """The grid worker handed the card over (with the household's signature on the visit)."""
    card = Card.objects.select_for_update().get(pk=card.pk)
    if card.revoked_at is not None:
        raise ApplicationError(_("该联系卡已作废，不能登记送达"), field="card_delivered",
                               code="revoked")
    if card.delivered_at is not None:
        raise ApplicationError(_("该联系卡已登记送达"), field="card_delivered",
                               code="already_delivered")
    card.delivered_at, card.delivered_by, card.delivery_visit = timezone.now(), actor, visit
    card.save(update_fields=["delivered_at", "delivered_by", "delivery_visit"])
    audit_record(actor=actor, action="cards.card_deliver", obj=card,
                 region_code=card.household.village_id,
                 after={"visit": getattr(visit, "pk", None)})
    return card
