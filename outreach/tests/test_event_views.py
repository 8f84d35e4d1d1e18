"""救助赶大集 pages: list, planning form, the event page's tallies, the stall's quick entry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases.choices import Channel
from cases.services.intake import IntakeInput, case_create
from demo.reference import TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.testing.cases import household_of
from jiuzhu.testing.fixtures import client_for
from outreach.models import EntryKind, EventEntry, OutreachEvent, Visit, Wish
from outreach.services.events import EventInput, entry_record, event_create

HTMX = {"HX-Request": "true"}


def plan(actor: Any, *, region: str = TOWNSHIP_A, days: int = 0, title: str = "救助赶大集",
         place: str = "寨子街村农贸市场") -> OutreachEvent:
    return event_create(actor=actor, data=EventInput(
        title=title, region_code=region, place=place,
        held_on=timezone.localdate() + timedelta(days=days), staff_ids=[]))


def test_the_list_shows_the_area_s_events_with_their_tallies(
        clerk_a, clerk_b, django_assert_max_num_queries):
    a = plan(clerk_a, title="崆峒镇赶大集")
    plan(clerk_b, region=TOWNSHIP_B, title="白水镇赶大集")
    entry_record(actor=clerk_a, event=a, kind=EntryKind.CONSULTATION, count=58)

    web = client_for(clerk_a)
    with django_assert_max_num_queries(12):
        page = web.get("/events/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "崆峒镇赶大集" in html and "白水镇赶大集" not in html and ">58<" in html


def test_the_list_filters_by_township_and_date(county_admin):
    plan(county_admin, title="甲镇上周", days=-7)
    plan(county_admin, region=TOWNSHIP_B, title="乙镇今天")
    web = client_for(county_admin)

    html = web.get("/events/", {"township": TOWNSHIP_B}).content.decode()
    assert "乙镇今天" in html and "甲镇上周" not in html
    since = (timezone.localdate() - timedelta(days=1)).isoformat()
    html = web.get("/events/", {"date_from": since}, headers=HTMX).content.decode()
    assert "乙镇今天" in html and "甲镇上周" not in html and "<h1>" not in html


def test_planning_form_keeps_input_and_shows_the_error_beside_the_field(clerk_a):
    web = client_for(clerk_a)
    assert web.get("/events/new/").status_code == 200
    page = web.post("/events/new/", {
        "title": "寨子街村赶大集", "region": TOWNSHIP_B, "place": "农贸市场",
        "held_on": timezone.localdate().isoformat()})
    html = page.content.decode()
    assert page.status_code == 200 and "寨子街村赶大集" in html
    assert "has-error" in html and not OutreachEvent.objects.exists()

    page = web.post("/events/new/", {
        "title": "寨子街村赶大集", "region": "620802100201", "place": "农贸市场",
        "held_on": timezone.localdate().isoformat(), "staff_note": "区民政局2人"})
    event = OutreachEvent.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/events/{event.pk}/"
    assert event.region_id == "620802100201"


def test_a_held_event_is_no_longer_editable(clerk_a):
    held = plan(clerk_a)
    planned = plan(clerk_a, days=3)
    web = client_for(clerk_a)

    assert web.get(f"/events/{held.pk}/edit/").status_code == 302
    page = web.post(f"/events/{planned.pk}/edit/", {
        "title": "改期", "region": TOWNSHIP_A, "place": "镇政府门前",
        "held_on": (timezone.localdate() + timedelta(days=4)).isoformat()})
    assert page.status_code == 302
    planned.refresh_from_db()
    assert (planned.title, planned.place) == ("改期", "镇政府门前")


def test_a_grid_worker_may_not_plan_events(grid_a):
    assert client_for(grid_a).get("/events/new/").status_code == 403


def test_quick_buttons_add_one_and_swap_the_tallies(clerk_a):
    event = plan(clerk_a)
    web = client_for(clerk_a)
    page = web.get(f"/events/{event.pk}/record/")
    assert page.status_code == 200 and "+1" in page.content.decode()

    for _ in range(3):
        answer = web.post(f"/events/{event.pk}/record/", {"quick": "consultation"}, headers=HTMX)
    html = answer.content.decode()
    assert answer.status_code == 200 and 'id="tallies"' in html and "<h1>" not in html
    assert '<div class="n">3</div>' in html
    assert EventEntry.objects.filter(kind="consultation").count() == 3

    plain = web.post(f"/events/{event.pk}/record/", {"quick": "materials"})
    assert plain.status_code == 302
    assert EventEntry.objects.filter(kind="materials").count() == 1


def test_quick_buttons_before_the_day_say_why_and_record_nothing(clerk_a):
    event = plan(clerk_a, days=2)
    answer = client_for(clerk_a).post(f"/events/{event.pk}/record/", {"quick": "consultation"},
                                      headers=HTMX)
    assert "活动尚未举办" in answer.content.decode()
    assert not EventEntry.objects.exists()


def test_household_search_offers_the_case_intake_link(clerk_a, grid_a, household_a):
    event = plan(clerk_a)
    event.staff.add(grid_a)
    html = client_for(grid_a).get(f"/events/{event.pk}/record/", {"q": "张三"},
                                  headers=HTMX).content.decode()
    assert "张三" in html and f'value="{household_a.pk}"' in html
    assert f"/cases/new/{household_a.pk}/" in html
    # Masked: the stall page is read over the shoulder.
    assert household_a.members.get().id_number not in html


def test_entry_form_records_an_application_and_a_lead_with_a_wish(clerk_a, grid_a, household_a):
    event = plan(clerk_a)
    case = case_create(actor=grid_a, household=household_of(1), data=IntakeInput(
        programme="dibao_rural", channel=Channel.PROXY, mandate_note="现场委托帮办"))
    web = client_for(clerk_a)

    page = web.post(f"/events/{event.pk}/record/", {"kind": "application", "count": "1",
                                                     "case": case.number})
    assert page.status_code == 302
    page = web.post(f"/events/{event.pk}/record/", {
        "kind": "lead", "count": "1", "household": household_a.pk, "note": "独居老人",
        "wish_content": "想要一台轮椅", "wish_person_name": "张三", "wish_category": "care"})
    assert page.status_code == 302
    assert EventEntry.objects.get(kind="lead").household == household_a
    assert Wish.objects.get().event == event


def test_entry_form_keeps_input_and_shows_the_error(clerk_a):
    event = plan(clerk_a)
    page = client_for(clerk_a).post(f"/events/{event.pk}/record/", {
        "kind": "application", "count": "1", "case": "DB2099000001", "note": "现场填表"})
    html = page.content.decode()
    assert page.status_code == 200 and "DB2099000001" in html and "现场填表" in html
    assert "没有编号为DB2099000001的申请" in html and not EventEntry.objects.exists()


def test_event_page_shows_tallies_applications_leads_and_wishes(clerk_a, grid_a, household_a):
    event = plan(clerk_a)
    case = case_create(actor=grid_a, household=household_of(1, name="王五"), data=IntakeInput(
        programme="dibao_rural", channel=Channel.PROXY, mandate_note="现场委托帮办"))
    entry_record(actor=clerk_a, event=event, kind=EntryKind.CONSULTATION, count=500)
    entry_record(actor=clerk_a, event=event, kind=EntryKind.OPINION, count=131)
    entry_record(actor=clerk_a, event=event, kind=EntryKind.APPLICATION, count=1,
                 case=case.number)
    entry_record(actor=clerk_a, event=event, kind=EntryKind.LEAD, count=1, household=household_a)
    web = client_for(clerk_a)

    html = web.get(f"/events/{event.pk}/").content.decode()
    assert '<div class="n">500</div>' in html and '<div class="n">131</div>' in html
    assert f'href="/cases/{case.pk}/">{case.number}</a>' in html
    assert case.get_state_display() in html
    assert "待走访" in html and "张三" in html

    Visit.objects.create(household=household_a, worker=grid_a, visited_on=timezone.localdate())
    html = web.get(f"/events/{event.pk}/").content.decode()
    assert "已走访" in html and "待走访" not in html


@pytest.mark.parametrize("path", ["/events/{pk}/", "/events/{pk}/edit/", "/events/{pk}/record/"])
def test_township_b_gets_404(clerk_a, clerk_b, path):
    event = plan(clerk_a, days=1)
    web = client_for(clerk_b)
    assert web.get(path.format(pk=event.pk)).status_code == 404
    assert web.post(path.format(pk=event.pk), {"quick": "consultation"}).status_code in (404, 405)
    assert not EventEntry.objects.exists()


def test_summary_table(county_admin, clerk_a):
    event = plan(clerk_a)
    entry_record(actor=clerk_a, event=event, kind=EntryKind.CONSULTATION, count=500)
    entry_record(actor=clerk_a, event=event, kind=EntryKind.MATERIALS, count=264)

    html = client_for(county_admin).get("/events/summary/").content.decode()
    assert "崆峒镇" in html and "白水镇" in html and '<td class="num">500</td>' in html
    assert '<th class="num">264</th>' in html  # the total row
    html = client_for(clerk_a).get("/events/summary/").content.decode()
    assert "崆峒镇" in html and "白水镇" not in html
