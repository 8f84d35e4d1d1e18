"""The page a care card's QR code opens (/k/<token>/), PUBLIC.

Anyone holding the card sees only what domain.md §7 allows: the programmes on the card explained
in plain words, how to apply online, the hotlines and the progress query; no name, ID number,
address, phone or amount. A logged-in worker whose region holds the household sees the card's
full details on the same page (logged as a view of the record). A revoked and an unknown token
get one neutral page, and an address that keeps trying unknown tokens is refused for a while.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.roles import REGISTRY_READERS
from audit.services import record_access_log
from portal.forms import ProgressForm
from portal.selectors import portal_county, site_context
from regions.scoping import region_in_scope

from . import selectors, services
from .models import Card
from .views import public_url


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only (as portal.views): X-Forwarded-For is written by the client.
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a value, not a bind


def _page(request: HttpRequest, template: str, context: dict[str, Any],
          status: int = 200) -> HttpResponse:
    return render(request, template, {**site_context(), **context}, status=status)


def _invalid(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """One page for a revoked card, an unknown token and a throttled address alike."""
    county = portal_county()
    lines = selectors.hotlines(county.code, timezone.localdate()) if county else []
    return _page(request, "cards/public/invalid.html", {"hotlines": lines, "message": message},
                 status=status)


def _sees_household(user: Any, card: Card) -> bool:
    return bool(getattr(user, "is_authenticated", False)
                and user.has_role(REGISTRY_READERS)
                and region_in_scope(user, card.household.village_id))


def _staff_context(request: HttpRequest, card: Card) -> dict[str, Any]:
    record_access_log(user=request.user, obj=card.household, channel="card_qr")
    [content] = selectors.card_contents([card], lambda token: public_url(request, token))
    return {"staff": {"content": content, "card": card,
                      "members": selectors.household_members(card.household)}}


@require_GET
def card_public(request: HttpRequest, token: str) -> HttpResponse:
    ip = _client_ip(request)
    card = selectors.card_by_token(token)
    # Only guessing is throttled: a live card always opens, because many phones share one
    # address (carrier NAT, a proxy) and one guesser must not lock out every card holder. A
    # 192-bit token is not learned by telling it apart from a throttled guess.
    if card is None or not card.live:
        if selectors.token_throttled(ip):
            return _invalid(request, 429, _("访问过于频繁，请15分钟后再试。"))
        if card is None:
            services.token_attempt_record(ip=ip)  # a revoked card's holder is not guessing
        return _invalid(request, 404, _("这张联系卡无效或已作废。"))
    services.card_scan(card=card)
    context: dict[str, Any] = {
        "programmes": selectors.public_programmes(card),
        "hotlines": selectors.hotlines(card.household.village_id, timezone.localdate()),
        "progress_form": ProgressForm(),
    }
    if _sees_household(request.user, card):
        context |= _staff_context(request, card)
        response = _page(request, "cards/public/card.html", context)
        response["Cache-Control"] = "private, no-store"
        return response
    return _page(request, "cards/public/card.html", context)
