"""The page the QR code opens: public content only, staff extras in scope, neutral invalid
page, and the throttle on unknown tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import RecordAccess
from cards import services
from cards.models import Card, TokenAttempt
from cards.selectors import TOKEN_ATTEMPT_LIMIT
from jiuzhu.testing.fixtures import client_for
from registry.models import Household

from .conftest import private_values

HOTLINES = ["0933-8211001", "0933-8212349", "0931-12349", "12345"]


@pytest.fixture
def card(recipient: Household, clerk_a: Any) -> Card:
    return services.card_issue(actor=clerk_a, household=recipient)


def _url(token: str) -> str:
    return f"/k/{token}/"


def test_public_page_explains_the_programmes_and_hides_everything_private(
        card: Card, recipient: Household, client: Client) -> None:
    response = client.get(_url(card.token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "农村最低生活保障" in html and "医疗救助" in html
    assert "共同生活的家庭成员人均收入低于当地农村低保标准" in html  # Programme.description
    assert "低保对象、特困人员、低保边缘家庭成员等" in html  # Programme.conditions
    assert "崆峒区（演示）" in html
    for number in HOTLINES:
        assert number in html
    assert 'action="/portal/progress/"' in html and 'href="/portal/apply/"' in html
    leaked = [v for v in private_values(recipient) if v in html]
    assert leaked == []
    assert "元/月" not in html and "月金额" not in html


def test_every_scan_is_counted(card: Card, client: Client) -> None:
    client.get(_url(card.token))
    client.get(_url(card.token))
    card.refresh_from_db()
    assert card.scans == 2


@pytest.mark.parametrize("which", ["revoked", "unknown"])
def test_revoked_and_unknown_tokens_get_one_neutral_page(
        which: str, card: Card, recipient: Household, clerk_a: Any, client: Client) -> None:
    if which == "revoked":
        services.card_revoke(actor=clerk_a, card=card, reason="遗失")
        token = card.token
    else:
        token = "Z" * 32
    response = client.get(_url(token))
    assert response.status_code == 404
    assert response.templates[0].name == "cards/public/invalid.html"
    html = response.content.decode()
    assert "这张联系卡无效或已作废" in html and "0933-8211001" in html and "12345" in html
    assert "农村最低生活保障" not in html
    assert [v for v in private_values(recipient) if v in html] == []
    card.refresh_from_db()
    assert card.scans == 0


def test_only_unknown_tokens_count_towards_the_throttle(card: Card, clerk_a: Any,
                                                        client: Client) -> None:
    services.card_revoke(actor=clerk_a, card=card, reason="遗失")
    client.get(_url(card.token))
    assert not TokenAttempt.objects.exists()
    client.get(_url("nope"))
    assert list(TokenAttempt.objects.values_list("ip", flat=True)) == ["127.0.0.1"]


def test_an_address_guessing_tokens_is_refused_but_a_live_card_still_opens(
        card: Card, client: Client) -> None:
    for i in range(TOKEN_ATTEMPT_LIMIT):
        assert client.get(_url(f"guess{i}")).status_code == 404
    throttled = client.get(_url("guess-more"))
    assert throttled.status_code == 429
    assert "农村最低生活保障" not in throttled.content.decode()
    assert "0933-8211001" in throttled.content.decode()
    # Many card holders may share the guesser's address (carrier NAT): a live card opens.
    assert client.get(_url(card.token)).status_code == 200
    # Another address is not affected; X-Forwarded-For does not move the throttled one.
    assert client.get(_url("guess-x"), REMOTE_ADDR="10.0.0.9").status_code == 404
    assert client.get(_url("guess-y"), HTTP_X_FORWARDED_FOR="10.0.0.8").status_code == 429


def test_old_attempts_expire_and_are_pruned(card: Card, client: Client) -> None:
    old = timezone.now() - timedelta(minutes=16)
    TokenAttempt.objects.bulk_create([TokenAttempt(ip="127.0.0.1", at=old)
                                      for _ in range(TOKEN_ATTEMPT_LIMIT)])
    assert client.get(_url(card.token)).status_code == 200
    client.get(_url("guess"))
    assert TokenAttempt.objects.count() == 1 and TokenAttempt.objects.get().at > old


def test_staff_in_scope_see_the_full_card_and_the_view_is_logged(
        card: Card, recipient: Household, clerk_a: Any, grid_a: Any) -> None:
    for user in (clerk_a, grid_a):
        html = client_for(user).get(_url(card.token)).content.decode()
        assert "王秀英" in html and "王小明" in html
        # Amounts stay on the staff card page, never on the QR address (issue 7).
        assert "987.65" not in html and "123.40" not in html
        assert f"/households/{recipient.pk}/" in html and "未送达" in html
    logged = RecordAccess.objects.filter(object_type="registry.household",
                                         object_id=str(recipient.pk), channel="card_qr")
    assert sorted(logged.values_list("user__username", flat=True)) == ["clerk_a", "grid_a"]


def test_staff_of_another_township_see_only_the_public_page(
        card: Card, recipient: Household, clerk_b: Any, liaison: Any) -> None:
    for user in (clerk_b, liaison):
        response = client_for(user).get(_url(card.token))
        assert response.status_code == 200
        html = response.content.decode()
        assert "农村最低生活保障" in html
        assert [v for v in private_values(recipient) if v in html] == []
        assert f"/households/{recipient.pk}/" not in html
    assert not RecordAccess.objects.filter(channel="card_qr").exists()
