"""The tickets API: scoped list, intake by the county, detail with the caller's privacy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import token_issue
from audit.models import RecordAccess
from demo.reference import TOWNSHIP_A, TOWNSHIP_B
from tickets.models import Ticket
from tickets.tests.support import MASKED_PHONE, PHONE, call, dispatched, make_overdue

pytestmark = pytest.mark.django_db


def api(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_issue(actor=None, user=user)}"}


NEW = {"channel": "county", "topic": "complaint", "urgency": "general", "subject": "低保金未到账",
       "content": "本月低保金未到账。", "caller_name": "钱多", "caller_phone": PHONE}


def test_the_list_is_scoped_filtered_and_masked(client: Client, county_admin: Any,
                                                clerk_a: Any) -> None:
    in_a = make_overdue(dispatched())
    dispatched(township=TOWNSHIP_B)
    call()
    body = client.get("/api/v1/tickets", headers=api(clerk_a)).json()
    assert body["count"] == 1 and [i["number"] for i in body["items"]] == [in_a.number]
    item = body["items"][0]
    assert item["region_code"] == TOWNSHIP_A and item["overdue"] and item["breached"]
    # Lists mask every caller, the handling side's too: the full phone is on the detail.
    assert item["caller_phone"] == MASKED_PHONE and item["caller_full"] is False
    everything = client.get("/api/v1/tickets", headers=api(county_admin)).json()
    assert everything["count"] == 3
    overdue = client.get("/api/v1/tickets?sla=overdue", headers=api(county_admin)).json()
    assert [i["id"] for i in overdue["items"]] == [in_a.pk]
    assert client.get(f"/api/v1/tickets?township={TOWNSHIP_B}",
                      headers=api(county_admin)).json()["count"] == 1


def test_the_county_creates_a_ticket(client: Client, county_admin: Any) -> None:
    due = (timezone.localtime() + timedelta(days=1)).replace(microsecond=0)
    response = client.post("/api/v1/tickets", {
        **NEW, "channel": "12345", "external_number": "PL-1",
        "external_due": due.replace(tzinfo=None).isoformat(), "township_code": TOWNSHIP_A},
        content_type="application/json", headers=api(county_admin))
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["number"] == ticket.number and body["state"] == "dispatched"
    assert ticket.due_at == due  # a naive time is the centre's local time
    assert [s["kind"] for s in body["steps"]] == ["receive", "dispatch"]
    assert body["caller_phone"] == PHONE


def test_bad_input_is_400_beside_its_field_and_creates_nothing(client: Client,
                                                               county_admin: Any) -> None:
    response = client.post("/api/v1/tickets", {**NEW, "caller_phone": "abc"},
                           content_type="application/json", headers=api(county_admin))
    assert response.status_code == 400 and response.json()["field"] == "caller_phone"
    response = client.post("/api/v1/tickets", {"channel": "county"},
                           content_type="application/json", headers=api(county_admin))
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_only_the_county_creates(client: Client, clerk_a: Any, auditor: Any) -> None:
    for user in (clerk_a, auditor):
        response = client.post("/api/v1/tickets", NEW, content_type="application/json",
                               headers=api(user))
        assert response.status_code == 403
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(("username", "status", "full"), [
    ("county_admin", 200, True), ("clerk_a", 200, True), ("reviewer_a", 200, True),
    ("auditor", 200, False), ("clerk_b", 404, None),
])
def test_the_detail_shows_the_caller_to_the_handling_side_only(
        client: Client, county: None, username: str, status: int, full: bool | None) -> None:
    from jiuzhu.testing.cases import staff

    ticket = dispatched()
    user = staff(username)
    response = client.get(f"/api/v1/tickets/{ticket.pk}", headers=api(user))
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["caller_full"] is full
        assert body["caller_phone"] == (PHONE if full else MASKED_PHONE)
        assert body["caller_name"] == ("王秀兰" if full else "王**")
        assert [s["kind"] for s in body["steps"]] == ["receive", "dispatch"]
    logged = RecordAccess.objects.filter(user=user, channel="api", object_id=str(ticket.pk))
    assert logged.count() == (1 if full else 0)


def test_a_ticket_still_with_the_county_is_404_for_a_township(client: Client,
                                                              clerk_a: Any) -> None:
    assert client.get(f"/api/v1/tickets/{call().pk}", headers=api(clerk_a)).status_code == 404
