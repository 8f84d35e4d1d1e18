"""Writes of the care cards: issue, batch issue, deliver, revoke, re-issue, and the public page's
scan counter and bad-token record.

A card is live until revoked; revoking keeps the row (delivery and scans stay on record) and
frees the household for a new card with a new token. The database allows one live card per
household (`card_one_live_per_household`); the services check it first to give a clear message.

    live ──revoke──▶ revoked
    live ──reissue─▶ revoked, and a new live card for the same household

A batch with no new card is refused: a village's sheet of its live cards can be printed again at
any time (views.sheet_pdf) without writing anything, so a batch always records real issuing.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import audit_record
from jiuzhu.errors import ApplicationError
from regions.models import Level, Region
from regions.scoping import region_in_scope
from registry.models import Household

from .models import Card, CardBatch, TokenAttempt
from .selectors import TOKEN_ATTEMPT_WINDOW, has_benefits, households_due_a_card

LIVE, REVOKED = "live", "revoked"
# action → the card states it may start from (card_deliver below has its own older checks)
TRANSITIONS: dict[str, frozenset[str]] = {
    "revoke": frozenset({LIVE}),
    "reissue": frozenset({LIVE}),
}
REASON_MAX = 200  # Card.revoke_reason


def new_token() -> str:
    # 24 random bytes = 32 URL-safe characters; the QR code carries nothing else.
    return secrets.token_urlsafe(24)


def _state(card: Card) -> str:
    return LIVE if card.revoked_at is None else REVOKED


def _check(card: Card, action: str) -> None:
    if _state(card) not in TRANSITIONS[action]:
        raise ApplicationError(_("该联系卡已作废，不能再作废或补发"), code="transition")


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("请填写原因"), field="reason")
    if len(reason) > REASON_MAX:
        raise ApplicationError(_("原因不能超过%(n)s个字") % {"n": REASON_MAX}, field="reason")
    return reason


def _locked(card: Card) -> Card:
    return (Card.objects.select_for_update(of=("self",)).select_related("household")
            .get(pk=card.pk))


def _insert(cards: list[Card]) -> list[Card]:
    """The database has the last word on one live card per household (a concurrent issue that
    slipped past the checks above); the caller's transaction then rolls back whole."""
    try:
        with transaction.atomic():
            return Card.objects.bulk_create(cards)
    except IntegrityError as exc:
        raise ApplicationError(_("该家庭刚刚已由他人发卡，请刷新后重试"), code="conflict") from exc


def _issue_one(*, actor: Any, household: Household, replaces: Card | None = None) -> Card:
    [card] = _insert([Card(household=household, token=new_token(), issued_by=actor)])
    audit_record(actor=actor, action="cards.card_issue", obj=card,
                 region_code=household.village_id,
                 after={"household": household.pk,
                        "replaces": replaces.pk if replaces is not None else None})
    return card


# Who may issue, re-issue and revoke cards: the county and the township office. Grid workers
# hand cards over (card_deliver) but do not issue them — the same rule as the pages.
CARD_ISSUERS = frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER})


def _require_issuer(actor: Any) -> None:
    if not (getattr(actor, "is_superuser", False) or getattr(actor, "role", None) in CARD_ISSUERS):
        raise ApplicationError(_("您的角色不能制发联系卡"), code="forbidden")


def _require_benefits(household: Household) -> None:
    if not has_benefits(household):
        raise ApplicationError(_("该家庭目前没有正在享受的救助政策，不能发放联系卡"),
                               field="household", code="conflict")


def _locked_household(household: Household) -> Household:
    # Issuing locks the household row, so two issues for one household (a page and the API, or a
    # batch) wait for each other instead of racing to the unique constraint.
    return Household.objects.select_for_update().get(pk=household.pk)


@transaction.atomic
def card_issue(*, actor: Any, household: Household) -> Card:
    """A card for one household that receives a standing benefit and has no live card."""
    _require_issuer(actor)
    household = _locked_household(household)
    if Card.objects.filter(household=household, revoked_at__isnull=True).exists():
        raise ApplicationError(_("该家庭已有有效的联系卡；需要换卡请作废后补发"),
                               field="household", code="duplicate")
    _require_benefits(household)
    return _issue_one(actor=actor, household=household)


@transaction.atomic
def card_ensure(*, actor: Any, household: Household) -> Card:
    """The household's live card, issued now if it has none (the API's 'get or issue')."""
    household = _locked_household(household)
    card = Card.objects.filter(household=household, revoked_at__isnull=True).first()
    if card is not None:
        return card
    _require_issuer(actor)
    _require_benefits(household)
    return _issue_one(actor=actor, household=household)


@transaction.atomic
def card_batch_issue(*, actor: Any, village_code: str) -> CardBatch:
    """Cards for every household of the village with a standing benefit and no live card."""
    _require_issuer(actor)
    village = Region.objects.filter(code=village_code, level=Level.VILLAGE,
                                    valid_to__isnull=True).first()
    if village is None or not region_in_scope(actor, village.code):
        raise ApplicationError(_("请选择您辖区内的村（社区）"), field="village")
    # Lock the candidates, then read them again: under READ COMMITTED the second statement sees
    # a card another transaction committed while we waited for its household's lock.
    locked = list(households_due_a_card(village.code).select_for_update()
                  .values_list("pk", flat=True))
    household_ids = sorted(households_due_a_card(village.code).filter(pk__in=locked)
                           .values_list("pk", flat=True))
    if not household_ids:
        raise ApplicationError(
            _("该村（社区）所有享受救助的家庭都已有有效联系卡，无需新制卡；可直接打印全村卡片"),
            field="village", code="conflict")
    batch = CardBatch.objects.create(village=village, created_by=actor,
                                     cards_issued=len(household_ids))
    _insert([Card(household_id=pk, token=new_token(), batch=batch, issued_by=actor)
             for pk in household_ids])
    audit_record(actor=actor, action="cards.batch_issue", obj=batch, region_code=village.code,
                 after={"cards": len(household_ids)})
    return batch


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


def _revoke(card: Card, actor: Any, reason: str) -> None:
    card.revoked_at, card.revoked_by, card.revoke_reason = timezone.now(), actor, reason
    card.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])


@transaction.atomic
def card_revoke(*, actor: Any, card: Card, reason: str) -> Card:
    """The card stops opening the public page (lost, damaged, household no longer assisted)."""
    reason = _reason(reason)
    card = _locked(card)
    _check(card, "revoke")
    _revoke(card, actor, reason)
    audit_record(actor=actor, action="cards.card_revoke", obj=card,
                 region_code=card.household.village_id, before={"state": LIVE},
                 after={"state": REVOKED}, reason=reason)
    return card


@transaction.atomic
def card_reissue(*, actor: Any, card: Card, reason: str) -> Card:
    """Revoke a live card and give the household a new one with a new token; returns the new."""
    reason = _reason(reason)
    card = _locked(card)
    _check(card, "reissue")
    household = _locked_household(card.household)
    _revoke(card, actor, reason)
    new = _issue_one(actor=actor, household=household, replaces=card)
    audit_record(actor=actor, action="cards.card_reissue", obj=card,
                 region_code=household.village_id, before={"state": LIVE},
                 after={"state": REVOKED, "new_card": new.pk}, reason=reason)
    return new


# -- the public page (no actor: anyone holding the card) ---------------------------------------

def card_scan(*, card: Card) -> None:
    """Count an opening of the card's page; F() so simultaneous scans are all counted."""
    Card.objects.filter(pk=card.pk).update(scans=F("scans") + 1)


@transaction.atomic
def token_attempt_record(*, ip: str) -> None:
    """Remember one unknown token from this address; rows past the window are pruned here, so
    the table holds at most the last 15 minutes."""
    now = timezone.now()
    TokenAttempt.objects.filter(at__lt=now - TOKEN_ATTEMPT_WINDOW).delete()
    TokenAttempt.objects.create(ip=ip, at=now)
