"""Issuing, batch issuing, revoking and re-issuing cards, and the moves that must be refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from cards import services
from cards.models import Card, CardBatch
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import VILLAGE_A, VILLAGE_B
from jiuzhu.testing.factories import household_with_applicant
from registry.models import Household


def _state(household: Household) -> list[tuple[str, Any]]:
    return list(Card.objects.filter(household=household)
                .values_list("token", "revoked_at").order_by("id"))


def test_issue_gives_one_live_card_with_an_opaque_token(recipient: Household,
                                                        clerk_a: Any) -> None:
    card = services.card_issue(actor=clerk_a, household=recipient)
    assert card.live and card.issued_by == clerk_a and card.batch is None
    assert len(card.token) == 32 and card.token.replace("-", "").replace("_", "").isalnum()
    id_number = recipient.members.get(relation="applicant").id_number
    assert id_number not in card.token
    event = AuditEvent.objects.get(action="cards.card_issue", object_id=str(card.pk))
    assert event.actor == clerk_a and event.region_code == VILLAGE_A


def test_a_second_live_card_is_refused_and_changes_nothing(recipient: Household,
                                                           clerk_a: Any) -> None:
    services.card_issue(actor=clerk_a, household=recipient)
    before = _state(recipient)
    with pytest.raises(ApplicationError) as exc:
        services.card_issue(actor=clerk_a, household=recipient)
    assert exc.value.code == "duplicate"
    assert _state(recipient) == before


def test_a_household_without_a_standing_benefit_gets_no_card(household_a: Household,
                                                             clerk_a: Any) -> None:
    with pytest.raises(ApplicationError):
        services.card_issue(actor=clerk_a, household=household_a)
    # A one-off grant (临时救助) is no standing benefit either.
    enrolled(household_a, amount="2000.00", programme="temporary", one_off=True)
    with pytest.raises(ApplicationError):
        services.card_issue(actor=clerk_a, household=household_a)
    assert not Card.objects.filter(household=household_a).exists()


def test_database_refuses_two_live_cards(recipient: Household, clerk_a: Any) -> None:
    services.card_issue(actor=clerk_a, household=recipient)
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.create(household=recipient, token="x" * 32)


def test_revoke_needs_a_reason_and_a_live_card(recipient: Household, clerk_a: Any) -> None:
    card = services.card_issue(actor=clerk_a, household=recipient)
    with pytest.raises(ApplicationError) as exc:
        services.card_revoke(actor=clerk_a, card=card, reason="  ")
    assert exc.value.field == "reason"
    with pytest.raises(ApplicationError) as exc:
        services.card_revoke(actor=clerk_a, card=card, reason="长" * 201)
    assert exc.value.field == "reason"
    card.refresh_from_db()
    assert card.live

    services.card_revoke(actor=clerk_a, card=card, reason="家庭已停保")
    card.refresh_from_db()
    assert not card.live and card.revoked_by == clerk_a and card.revoke_reason == "家庭已停保"
    event = AuditEvent.objects.get(action="cards.card_revoke", object_id=str(card.pk))
    assert event.reason == "家庭已停保" and event.after == {"state": "revoked"}

    revoked_at = card.revoked_at
    with pytest.raises(ApplicationError) as exc:
        services.card_revoke(actor=clerk_a, card=card, reason="再次作废")
    assert exc.value.code == "transition"
    card.refresh_from_db()
    assert card.revoked_at == revoked_at and card.revoke_reason == "家庭已停保"


def test_a_revoked_card_frees_the_household_for_a_new_one(recipient: Household,
                                                           clerk_a: Any) -> None:
    old = services.card_issue(actor=clerk_a, household=recipient)
    services.card_revoke(actor=clerk_a, card=old, reason="遗失")
    new = services.card_issue(actor=clerk_a, household=recipient)
    assert new.token != old.token and new.live


def test_reissue_revokes_and_issues_in_one_step(recipient: Household, reviewer_a: Any) -> None:
    old = services.card_issue(actor=reviewer_a, household=recipient)
    new = services.card_reissue(actor=reviewer_a, card=old, reason="卡片损坏")
    old.refresh_from_db()
    assert not old.live and old.revoke_reason == "卡片损坏"
    assert new.live and new.household == recipient and new.token != old.token
    assert Card.objects.filter(household=recipient, revoked_at__isnull=True).get() == new
    event = AuditEvent.objects.get(action="cards.card_reissue", object_id=str(old.pk))
    assert event.after == {"state": "revoked", "new_card": new.pk}
    issued = AuditEvent.objects.get(action="cards.card_issue", object_id=str(new.pk))
    assert issued.after == {"household": recipient.pk, "replaces": old.pk}


def test_reissue_of_a_revoked_card_or_without_reason_changes_nothing(
        recipient: Household, clerk_a: Any) -> None:
    card = services.card_issue(actor=clerk_a, household=recipient)
    with pytest.raises(ApplicationError):
        services.card_reissue(actor=clerk_a, card=card, reason="")
    assert _state(recipient) == [(card.token, None)]
    services.card_revoke(actor=clerk_a, card=card, reason="遗失")
    before = _state(recipient)
    with pytest.raises(ApplicationError) as exc:
        services.card_reissue(actor=clerk_a, card=card, reason="补发")
    assert exc.value.code == "transition"
    assert _state(recipient) == before


def test_deliver_once_and_never_a_revoked_card(recipient: Household, clerk_a: Any,
                                               grid_a: Any) -> None:
    card = services.card_issue(actor=clerk_a, household=recipient)
    services.card_deliver(actor=grid_a, card=card)
    card.refresh_from_db()
    assert card.delivered_by == grid_a and card.delivered_at is not None
    with pytest.raises(ApplicationError) as exc:
        services.card_deliver(actor=grid_a, card=card)
    assert exc.value.code == "already_delivered"
    services.card_revoke(actor=clerk_a, card=card, reason="遗失")
    new = services.card_issue(actor=clerk_a, household=recipient)
    services.card_revoke(actor=clerk_a, card=new, reason="错发")
    with pytest.raises(ApplicationError) as exc:
        services.card_deliver(actor=grid_a, card=new)
    assert exc.value.code == "revoked"


def _recipients(village: str, n: int) -> list[Household]:
    households = [household_with_applicant(village) for _ in range(n)]
    for h in households:
        enrolled(h, account=False)
    return households


def test_batch_issues_for_every_recipient_without_a_live_card(clerk_a: Any) -> None:
    carded, *rest = _recipients(VILLAGE_A, 4)
    services.card_issue(actor=clerk_a, household=carded)
    household_with_applicant(VILLAGE_A)  # no benefit: no card
    _recipients("620802100202", 2)  # another village of township A
    batch = services.card_batch_issue(actor=clerk_a, village_code=VILLAGE_A)
    assert batch.cards_issued == 3 and batch.village_id == VILLAGE_A
    assert sorted(batch.cards.values_list("household_id", flat=True)) == sorted(h.pk for h in rest)
    assert Card.objects.filter(household=carded).count() == 1
    assert all(c.live and c.issued_by == clerk_a for c in batch.cards.all())
    assert len(set(batch.cards.values_list("token", flat=True))) == 3
    event = AuditEvent.objects.get(action="cards.batch_issue")
    assert event.object_id == str(batch.pk) and event.after == {"cards": 3}


def test_a_batch_with_nothing_new_is_refused(clerk_a: Any) -> None:
    _recipients(VILLAGE_A, 2)
    services.card_batch_issue(actor=clerk_a, village_code=VILLAGE_A)
    with pytest.raises(ApplicationError) as exc:
        services.card_batch_issue(actor=clerk_a, village_code=VILLAGE_A)
    assert exc.value.field == "village"
    assert CardBatch.objects.count() == 1 and Card.objects.count() == 2


@pytest.mark.parametrize("village", [VILLAGE_B, "620802100000", "999999999999", "x"])
def test_a_batch_outside_the_clerks_villages_is_refused(clerk_a: Any, village: str) -> None:
    _recipients(VILLAGE_B, 1)
    with pytest.raises(ApplicationError) as exc:
        services.card_batch_issue(actor=clerk_a, village_code=village)
    assert exc.value.field == "village"
    assert not CardBatch.objects.exists() and not Card.objects.exists()


def test_ensure_returns_the_live_card_or_issues_one(recipient: Household, clerk_a: Any,
                                                    grid_a: Any) -> None:
    with pytest.raises(ApplicationError) as refused:
        services.card_ensure(actor=grid_a, household=recipient)  # grid workers do not issue
    assert refused.value.code == "forbidden" and not Card.objects.exists()
    first = services.card_ensure(actor=clerk_a, household=recipient)
    assert services.card_ensure(actor=grid_a, household=recipient) == first
    assert AuditEvent.objects.filter(action="cards.card_issue").count() == 1
