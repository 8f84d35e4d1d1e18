"""GET /api/v1/households/{id}/card: the contract, issuing once, scope and roles."""

from __future__ import annotations

from typing import Any

from django.test import Client

from accounts.services import token_issue
from audit.models import AuditEvent
from cards import services
from cards.models import Card
from registry.models import Household


def _get(client: Client, user: Any, household: Household) -> Any:
    token = token_issue(actor=None, user=user)
    return client.get(f"/api/v1/households/{household.pk}/card",
                      HTTP_AUTHORIZATION=f"Bearer {token}")


def test_issues_once_and_returns_exactly_token_and_url(recipient: Household, clerk_a: Any,
                                                       client: Client) -> None:
    first = _get(client, clerk_a, recipient)
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"token", "public_url"}
    card = Card.objects.get(household=recipient)
    assert body == {"token": card.token, "public_url": f"http://testserver/k/{card.token}/"}
    event = AuditEvent.objects.get(action="cards.card_issue", object_id=str(card.pk))
    assert event.actor == clerk_a
    assert _get(client, clerk_a, recipient).json() == body
    assert Card.objects.filter(household=recipient).count() == 1
    assert AuditEvent.objects.filter(action="cards.card_issue").count() == 1
    # The URL opens the public page.
    assert client.get(f"/k/{card.token}/").status_code == 200


def test_returns_the_existing_live_card(recipient: Household, clerk_a: Any,
                                        client: Client) -> None:
    card = services.card_issue(actor=clerk_a, household=recipient)
    new = services.card_reissue(actor=clerk_a, card=card, reason="遗失")
    assert _get(client, clerk_a, recipient).json()["token"] == new.token


def test_township_b_gets_the_same_404_as_a_missing_household(
        recipient: Household, clerk_b: Any, client: Client) -> None:
    response = _get(client, clerk_b, recipient)
    assert response.status_code == 404
    missing = client.get("/api/v1/households/999999/card",
                         HTTP_AUTHORIZATION=f"Bearer {token_issue(actor=None, user=clerk_b)}")
    assert missing.status_code == 404 and missing.json() == response.json()
    assert not Card.objects.exists()


def test_auditor_may_not_issue_and_anonymous_is_401(recipient: Household, auditor: Any,
                                                    client: Client) -> None:
    assert _get(client, auditor, recipient).status_code == 403
    assert client.get(f"/api/v1/households/{recipient.pk}/card").status_code == 401
    assert not Card.objects.exists()


def test_household_without_benefits_is_refused(household_a: Household, clerk_a: Any,
                                               client: Client) -> None:
    response = _get(client, clerk_a, household_a)
    assert response.status_code == 409 and response.json()["field"] == "household"
    assert not Card.objects.exists()


def test_a_grid_worker_reads_a_card_but_does_not_issue_one(recipient: Household, grid_a: Any,
                                                           clerk_a: Any, client: Client) -> None:
    assert _get(client, grid_a, recipient).status_code == 403
    assert not Card.objects.exists()
    card = services.card_issue(actor=clerk_a, household=recipient)
    assert _get(client, grid_a, recipient).json()["token"] == card.token
