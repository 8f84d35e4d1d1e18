"""`{% household_card_section household %}`: the care-card box on the household page, so the
registry's view need not know about cards."""

from __future__ import annotations

from typing import Any

from django import template

from registry.models import Household

from .. import selectors
from ..views import may

register = template.Library()


@register.inclusion_tag("cards/_household_section.html", takes_context=True)
def household_card_section(context: dict[str, Any], household: Household) -> dict[str, Any]:
    user = context["user"]
    return {
        "household": household,
        "card": selectors.live_card(household),
        "can_read": may(user, "cards:card_detail"),
        "can_issue": may(user, "cards:card_issue") and selectors.has_benefits(household),
        "csrf_token": context.get("csrf_token"),
    }
