"""The ticket pages: intake, list, detail and its forms, the caller's privacy, the 微心愿 from a
call, and the dashboard tile."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import RecordAccess
from demo.reference import TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.fixtures import client_for
from outreach.models import Wish, WishSource
from policies.models import Department
from tickets import services
from tickets.models import Ticket, TicketState
from tickets.tests.support import (
    MASKED_PHONE,
    PHONE,
    call,
    dispatched,
    handling,
    make_overdue,
    replied,
    snapshot,
)

pytestmark = pytest.mark.django_db
VILLAGE_A = "620802100201"
VILLAGE_B = "620802101201"


def detail(ticket: Ticket) -> str:
    return f"/tickets/{ticket.pk}/"


def move(ticket: Ticket, action: str) -> str:
    return f"/tickets/{ticket.pk}/move/{action}/"


# -- intake ---------------------------------------------------------------------------------------

INTAKE = {"channel": "county", "topic": "help", "urgency": "urgent", "subject": "突发火灾求助",
          "content": "家中失火，需要临时安置。", "caller_name": "赵大", "caller_phone": PHONE,
          "township": TOWNSHIP_A, "department": ""}


def test_the_county_takes_a_call_and_dispatches_it_at_once(county_admin: Any) -> None:
    web = client_for(county_admin)
    assert web.get("/tickets/new/").status_code == 200
    response = web.post("/tickets/new/", INTAKE)
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(ticket)
    assert ticket.state == TicketState.DISPATCHED and ticket.region_id == TOWNSHIP_A
    assert ticket.urgency == "urgent" and ticket.received_by == county_admin
    assert ticket.due_at - ticket.received_at == timedelta(hours=24)


def test_a_12345_referral_keeps_the_centres_due_time(county_admin: Any) -> None:
    due = (timezone.localtime() + timedelta(days=2)).replace(second=0, microsecond=0)
    client_for(county_admin).post("/tickets/new/", {
        **INTAKE, "channel": "12345", "urgency": "general", "external_number": "PL2026-0815",
        "external_due": due.strftime("%Y-%m-%dT%H:%M")})
    ticket = Ticket.objects.get()
    assert ticket.external_number == "PL2026-0815" and ticket.due_at == due
    assert "PL2026-0815" in ticket.steps.get(kind="receive").note


def test_bad_intake_shows_the_error_beside_the_field_and_keeps_the_input(
        county_admin: Any) -> None:
    response = client_for(county_admin).post("/tickets/new/", {**INTAKE, "channel": "12345"})
    assert response.status_code == 200
    html = response.content.decode()
    field = html[html.index('id="id_external_number"'):]
    assert "请填写12345转办单号" in field[:600]
    assert 'value="突发火灾求助"' in html and "家中失火" in html
    assert not Ticket.objects.exists()


def test_only_the_county_takes_calls_on_the_page(clerk_a: Any, auditor: Any) -> None:
    assert client_for(clerk_a).get("/tickets/new/").status_code == 403
    assert client_for(auditor).post("/tickets/new/", INTAKE).status_code == 403
    assert not Ticket.objects.exists()


# -- list: scope, filters, paging -----------------------------------------------------------------

def test_each_township_lists_only_its_own_tickets(county_admin: Any, clerk_a: Any,
                                                  clerk_b: Any) -> None:
    at_county = call(subject="县级咨询")
    in_a = dispatched(subject="崆峒镇诉求")
    in_b = dispatched(township=TOWNSHIP_B, subject="白水镇诉求")
    pages = {u.username: client_for(u).get("/tickets/").content.decode()
             for u in (county_admin, clerk_a, clerk_b)}
    assert all(t.number in pages["county_admin"] for t in (at_county, in_a, in_b))
    assert in_a.number in pages["clerk_a"]
    assert in_b.number not in pages["clerk_a"] and at_county.number not in pages["clerk_a"]
    assert in_b.number in pages["clerk_b"] and in_a.number not in pages["clerk_b"]


def test_list_filters(county_admin: Any) -> None:
    consult = call(topic="consultation", channel="12349")
    late = make_overdue(dispatched(urgency="urgent"))
    in_b = dispatched(township=TOWNSHIP_B)
    old = call()
    Ticket.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=40))
    web = client_for(county_admin)

    def numbers(query: str) -> set[str]:
        html = web.get(f"/tickets/?{query}").content.decode()
        return {t.number for t in (consult, late, in_b, old) if t.number in html}

    assert numbers("topic=consultation") == {consult.number}
    assert numbers("channel=12349") == {consult.number}
    assert numbers("urgency=urgent") == {late.number}
    assert numbers("sla=overdue") == {late.number}
    assert numbers(f"township={TOWNSHIP_B}") == {in_b.number}
    assert numbers("state=dispatched") == {late.number, in_b.number}
    today = timezone.localdate()
    assert numbers(f"received_from={today - timedelta(days=1):%Y-%m-%d}") == {
        consult.number, in_b.number}  # `late` was moved two days back, `old` forty
    assert numbers(f"received_to={today - timedelta(days=30):%Y-%m-%d}") == {old.number}
    assert numbers("received_from=2026-02-30") == {t.number for t in (consult, late, in_b, old)}


def test_the_list_pages_with_a_bounded_number_of_queries(
        county_admin: Any, django_assert_max_num_queries: Any) -> None:
    for _i in range(27):
        dispatched()
    web = client_for(county_admin)
    with django_assert_max_num_queries(12):
        first = web.get("/tickets/")
    assert len(re.findall(r'href="/tickets/\d+/"', first.content.decode())) == 25
    second = web.get("/tickets/?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert second.count("<tr>") - 1 == 2  # header row + 2 tickets
    assert "第 2 / 2 页，共 27 条" in second


# -- detail: scope and the caller's privacy -------------------------------------------------------

def test_township_b_gets_404_on_township_as_ticket_and_changes_nothing(clerk_b: Any) -> None:
    ticket = dispatched()
    before = snapshot(ticket)
    web = client_for(clerk_b)
    assert web.get(detail(ticket)).status_code == 404
    assert web.post(move(ticket, "accept"), {}).status_code == 404
    assert web.post(f"/tickets/{ticket.pk}/wish/", {"village": VILLAGE_B, "person_name": "x",
                                                    "content": "y"}).status_code == 404
    assert snapshot(ticket) == before and not Wish.objects.exists()


def test_a_township_does_not_see_a_ticket_the_county_kept(clerk_a: Any) -> None:
    assert client_for(clerk_a).get(detail(call())).status_code == 404


@pytest.mark.parametrize(("username", "full"), [
    ("county_admin", True), ("clerk_a", True), ("reviewer_a", True),
    ("auditor", False), ("liaison_hrss", False),
])
def test_the_caller_is_shown_in_full_only_to_the_handling_side(county: None, username: str,
                                                               full: bool) -> None:
    from jiuzhu.testing.cases import staff

    hrss = Department.objects.get(name="区人力资源和社会保障局")
    ticket = dispatched(department_id=hrss.pk)
    user = staff(username)
    html = client_for(user).get(detail(ticket)).content.decode()
    phone = html[html.index('id="caller-phone"'):][:200]
    name = html[html.index('id="caller-name"'):][:100]
    assert (PHONE in phone) is full and (MASKED_PHONE in phone) is not full
    assert ("王秀兰" in name) is full and ("王**" in name) is not full
    if not full:
        assert PHONE not in html
    logged = RecordAccess.objects.filter(user=user, object_type="tickets.ticket",
                                         object_id=str(ticket.pk)).count()
    assert logged == (1 if full else 0)


def test_a_liaison_reads_only_its_departments_tickets(liaison: Any) -> None:
    hrss = Department.objects.get(name="区人力资源和社会保障局")
    mine = dispatched(department_id=hrss.pk)
    other = dispatched(department_id=Department.objects.get(name="区医疗保障局").pk)
    plain = dispatched()
    web = client_for(liaison)
    html = web.get("/tickets/").content.decode()
    assert mine.number in html and other.number not in html and plain.number not in html
    assert web.get(detail(other)).status_code == 404
    assert web.post(move(mine, "accept"), {}).status_code == 403


def test_the_grid_worker_has_no_ticket_pages(grid_a: Any) -> None:
    ticket = dispatched()
    assert client_for(grid_a).get("/tickets/").status_code == 403
    assert client_for(grid_a).get(detail(ticket)).status_code == 403


# -- detail: the forms of the moves open now ------------------------------------------------------

def forms_on(html: str) -> set[str]:
    return {a for a in ("dispatch", "accept", "reply", "supervise", "close", "revisit", "rate")
            if f'id="move-{a}"' in html}


def test_only_the_moves_valid_now_are_offered(county_admin: Any, clerk_a: Any,
                                              auditor: Any) -> None:
    fresh = call()
    assert forms_on(client_for(county_admin).get(detail(fresh)).content.decode()) == {
        "dispatch", "accept", "reply"}
    ticket = make_overdue(dispatched())
    assert forms_on(client_for(county_admin).get(detail(ticket)).content.decode()) == {
        "dispatch", "supervise"}
    assert forms_on(client_for(clerk_a).get(detail(ticket)).content.decode()) == {"accept"}
    assert forms_on(client_for(auditor).get(detail(ticket)).content.decode()) == set()


def test_moves_through_the_page(county_admin: Any, clerk_a: Any) -> None:
    ticket = dispatched()
    web = client_for(clerk_a)
    response = web.post(move(ticket, "accept"), {"note": "已签收"})
    assert response.status_code == 302 and response["Location"] == detail(ticket)
    # An empty reply: the error beside the field, nothing saved.
    response = web.post(move(ticket, "reply"), {"reply": "  "})
    html = response.content.decode()
    assert response.status_code == 200
    assert "请填写答复内容" in html[html.index('id="id_reply_reply"'):][:400]
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.HANDLING
    web.post(move(ticket, "reply"), {"reply": "已安排村干部上门"})
    ticket.refresh_from_db()
    assert ticket.state == TicketState.REPLIED and ticket.reply == "已安排村干部上门"
    # The township may not close: refused with the reason, nothing changed.
    before = snapshot(ticket)
    response = web.post(move(ticket, "close"), {"note": ""})
    assert "您的角色不能“办结”" in response.content.decode()
    assert snapshot(ticket) == before
    county = client_for(county_admin)
    county.post(move(ticket, "close"), {"note": ""})
    county.post(move(ticket, "revisit"), {"note": "来电人满意"})
    # A missing rating keeps the form with its input.
    response = county.post(move(ticket, "rate"), {"note": "态度很好"})
    assert response.status_code == 200 and "态度很好" in response.content.decode()
    county.post(move(ticket, "rate"), {"rating": "satisfied", "note": "态度很好"})
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.RATED


def test_an_unknown_move_is_404_and_the_auditor_may_not_post(county_admin: Any,
                                                             auditor: Any) -> None:
    ticket = call()
    assert client_for(county_admin).post(move(ticket, "delete"), {}).status_code == 404
    assert client_for(auditor).post(move(ticket, "close"), {}).status_code == 403
    assert client_for(county_admin).get(move(ticket, "accept")).status_code == 405


def test_dispatch_through_the_page_with_a_department(county_admin: Any) -> None:
    ticket = call()
    health = Department.objects.get(name="区医疗保障局")
    client_for(county_admin).post(move(ticket, "dispatch"), {
        "township": TOWNSHIP_B, "department": str(health.pk), "note": "请核实医疗费用"})
    ticket.refresh_from_db()
    assert ticket.region_id == TOWNSHIP_B and ticket.department == health


# -- a 微心愿 from the call ------------------------------------------------------------------------

def test_the_township_records_a_wish_from_the_call(clerk_a: Any, household_a: Any) -> None:
    ticket = handling(household_id=household_a.pk)
    web = client_for(clerk_a)
    page = web.get(detail(ticket)).content.decode()
    assert 'id="wish-form"' in page
    response = web.post(f"/tickets/{ticket.pk}/wish/", {
        "village": VILLAGE_A, "household": household_a.pk, "person_name": "王秀兰",
        "content": "需要一台轮椅", "category": "care"})
    assert response.status_code == 302
    wish = Wish.objects.get()
    assert wish.ticket == ticket and wish.source == WishSource.HOTLINE
    assert wish.village_id == VILLAGE_A and wish.household == household_a
    assert wish.category == "care" and wish.created_by == clerk_a
    assert wish.number in client_for(clerk_a).get(detail(ticket)).content.decode()


def test_a_wish_outside_the_users_region_is_refused(clerk_a: Any, household_b: Any,
                                                    auditor: Any) -> None:
    ticket = handling()
    response = client_for(clerk_a).post(f"/tickets/{ticket.pk}/wish/", {
        "village": VILLAGE_B, "person_name": "王秀兰", "content": "轮椅"})
    assert response.status_code == 200 and 'id="wish-form"' in response.content.decode()
    with pytest.raises(ApplicationError) as err:
        services.ticket_wish_create(actor=clerk_a, ticket_id=ticket.pk, village_code=VILLAGE_B,
                                    person_name="王秀兰", content="轮椅")
    assert err.value.field == "village"
    with pytest.raises(ApplicationError) as err:
        services.ticket_wish_create(actor=clerk_a, ticket_id=ticket.pk, village_code=VILLAGE_A,
                                    person_name="王秀兰", content="轮椅",
                                    household_id=household_b.pk)
    assert err.value.field == "household"
    with pytest.raises(ApplicationError) as err:
        services.ticket_wish_create(actor=auditor, ticket_id=ticket.pk, village_code=VILLAGE_A,
                                    person_name="王秀兰", content="轮椅")
    assert err.value.code == "forbidden"
    assert not Wish.objects.exists()


# -- dashboard tile -------------------------------------------------------------------------------

def tile(user: Any) -> str | None:
    html = client_for(user).get("/").content.decode()
    if 'id="tickets-breach-stat"' not in html:
        return None
    start = html.rindex("<div", 0, html.index('id="tickets-breach-stat"'))
    return html[start:html.index("</div></div>", start)]


def test_the_dashboard_counts_breaches_in_scope(county_admin: Any, clerk_a: Any, clerk_b: Any,
                                                auditor: Any, grid_a: Any, liaison: Any) -> None:
    assert tile(county_admin) is not None and "warn" not in (tile(county_admin) or "")
    make_overdue(dispatched())
    late = make_overdue(handling())
    services.ticket_reply(actor=clerk_a, ticket_id=late.pk, reply="迟复")
    replied()  # on time
    make_overdue(call())  # still with the county
    for user, n in ((county_admin, 3), (auditor, 3), (clerk_a, 2), (clerk_b, 0)):
        html = tile(user)
        assert html is not None and f">{n}<" in html, user.username
        assert ("warn" in html) is (n > 0)
        assert "/tickets/?sla=month" in html
    assert tile(grid_a) is None and tile(liaison) is None


def test_the_tile_link_lists_the_counted_tickets(county_admin: Any) -> None:
    overdue = make_overdue(dispatched())
    running = dispatched()
    html = client_for(county_admin).get("/tickets/?sla=month").content.decode()
    assert overdue.number in html and running.number not in html
