"""The 微心愿 pages: the scoped ledger with its filters, the record form, the detail page with
the steps open now, and the dashboard tile."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from demo.reference import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from jiuzhu.testing.fixtures import client_for
from outreach.models import Wish, WishSource, WishState
from outreach.services.wishes import wishes_escalate

from .test_wish_lifecycle import in_state, record, set_today, snapshot

pytestmark = pytest.mark.django_db
S = WishState
VILLAGE_B = TOWNSHIP_B[:9] + "201"  # 白水村
LIST = "/wishes/"


def numbers(response: Any) -> set[str]:
    return {w.number for w in response.context["page_obj"]}


# -- the ledger ------------------------------------------------------------------------------------

def test_each_user_sees_only_their_region(clerk_a: Any, clerk_b: Any, grid_a: Any,
                                          county_admin: Any, auditor: Any) -> None:
    a = record(clerk_a, person_name="甲")
    a_other_village = record(clerk_a, village=TOWNSHIP_A[:9] + "202", person_name="丙")
    b = record(clerk_b, village=VILLAGE_B, person_name="乙")
    assert numbers(client_for(clerk_a).get(LIST)) == {a.number, a_other_village.number}
    assert numbers(client_for(clerk_b).get(LIST)) == {b.number}
    assert numbers(client_for(grid_a).get(LIST)) == {a.number}
    assert numbers(client_for(county_admin).get(LIST)) == {a.number, a_other_village.number,
                                                           b.number}
    assert numbers(client_for(auditor).get(LIST)) == {a.number, a_other_village.number, b.number}


def test_filters(clerk_a: Any, county_admin: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    set_today(monkeypatch, date(2026, 3, 2))
    old = record(clerk_a, person_name="王大山", category="medical")
    set_today(monkeypatch, date(2026, 3, 20))
    late = in_state(clerk_a, S.IN_PROGRESS, due_on=date(2026, 3, 19))
    Wish.objects.filter(pk=late.pk).update(source=WishSource.HOTLINE, category="housing")
    b = record(county_admin, village=VILLAGE_B, person_name="王小河")
    web = client_for(county_admin)

    def hits(**query: str) -> set[str]:
        return numbers(web.get(LIST, query))

    assert hits(township=TOWNSHIP_A) == {old.number, late.number}
    assert hits(village=VILLAGE_B) == {b.number}
    assert hits(state=S.IN_PROGRESS) == {late.number}
    assert hits(category="medical") == {old.number}
    assert hits(source=WishSource.HOTLINE) == {late.number}
    assert hits(overdue="1") == {late.number}
    assert hits(q="王") == {old.number, b.number}
    assert hits(q="王小") == {b.number}
    assert hits(q=late.number.lower()) == {late.number}
    assert hits(registered_from="2026-03-01", registered_to="2026-03-02") == {old.number}
    assert hits(registered_from="2026-03-03") == {late.number, b.number}
    # Filters that do not parse are ignored, not an error page.
    assert hits(registered_from="yesterday", state="nonsense") == {old.number, late.number,
                                                                   b.number}


def test_a_township_filter_cannot_reach_outside_the_scope(clerk_a: Any, clerk_b: Any) -> None:
    record(clerk_b, village=VILLAGE_B)
    assert numbers(client_for(clerk_a).get(LIST, {"township": TOWNSHIP_B})) == set()


def test_overdue_and_escalated_wishes_are_flagged(clerk_a: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    late = in_state(clerk_a, S.ASSIGNED, due_on=date(2026, 3, 5))
    on_time = in_state(clerk_a, S.ASSIGNED, due_on=date(2026, 3, 30))
    set_today(monkeypatch, date(2026, 3, 9))
    wishes_escalate(date(2026, 3, 9))
    page = client_for(clerk_a).get(LIST).content.decode()
    late_row = page.split(late.number)[1].split("</tr>")[0]
    on_time_row = page.split(on_time.number)[1].split("</tr>")[0]
    assert "逾期" in late_row and "督办1次" in late_row
    assert "逾期" not in on_time_row and "督办" not in on_time_row


def test_paging_and_htmx_fragment(clerk_a: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(30):
        record(clerk_a, person_name=f"人{i}")
    web = client_for(clerk_a)
    with django_assert_max_num_queries(12):
        first = web.get(LIST)
    assert len(first.context["page_obj"]) == 25 and first.context["page_obj"].has_next()
    second = web.get(LIST, {"page": 2}, HTTP_HX_REQUEST="true")
    assert len(second.context["page_obj"]) == 5
    assert b"<h1>" not in second.content  # only the table is swapped


# -- recording -------------------------------------------------------------------------------------

def test_staff_record_a_wish(clerk_a: Any, household_a: Any) -> None:
    response = client_for(clerk_a).post("/wishes/new/", {
        "village": VILLAGE_A, "household": household_a.pk, "person_name": "张三",
        "content": "家里屋顶漏雨", "source": WishSource.HOTLINE, "category": "housing"})
    wish = Wish.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/wishes/{wish.pk}/"
    assert (wish.village_id, wish.household, wish.source, wish.state, wish.created_by) == (
        VILLAGE_A, household_a, WishSource.HOTLINE, S.CLASSIFIED, clerk_a)


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"content": ""}, "content", "必填"),
    ({"village": "620802101201"}, "village", ""),  # township B's village: not a choice
    ({"source": WishSource.VISIT}, "source", ""),  # visits record their wishes themselves
    ({"household": 0}, "household", ""),
])
def test_bad_record_input_keeps_what_was_typed(clerk_a: Any, change: dict[str, Any],
                                               field: str, message: str) -> None:
    data = {"village": VILLAGE_A, "person_name": "张三", "content": "家里屋顶漏雨",
            "source": WishSource.OTHER, "category": ""} | change
    response = client_for(clerk_a).post("/wishes/new/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors and message in str(form.errors[field])
    assert "张三" in response.content.decode()  # the input is kept
    assert not Wish.objects.exists()


def test_a_household_outside_the_scope_or_village_is_refused(clerk_a: Any, household_a: Any,
                                                             household_b: Any) -> None:
    web = client_for(clerk_a)
    data = {"village": VILLAGE_A, "person_name": "李四", "content": "求助",
            "source": WishSource.OTHER}
    response = web.post("/wishes/new/", data | {"household": household_b.pk})
    assert "不在您的辖区内" in str(response.context["form"].errors["household"])
    # In scope but in another village: the service says so beside the village.
    response = web.post("/wishes/new/", data | {"household": household_a.pk,
                                                "village": TOWNSHIP_A[:9] + "202"})
    assert "家庭不在所选村（社区）" in str(response.context["form"].errors["village"])
    assert not Wish.objects.exists()


def test_a_grid_worker_records_in_their_village_and_leaves_the_category_open(
        grid_a: Any) -> None:
    web = client_for(grid_a)
    form = web.get("/wishes/new/").context["form"]
    assert [code for code, _label in form.fields["village"].choices] == ["", VILLAGE_A]
    assert "category" not in form.fields
    web.post("/wishes/new/", {"village": VILLAGE_A, "person_name": "张三", "content": "求助",
                              "source": WishSource.OTHER, "category": "medical"})
    wish = Wish.objects.get()
    assert (wish.state, wish.category) == (S.COLLECTED, "")


def test_the_auditor_may_not_record(auditor: Any) -> None:
    assert client_for(auditor).get("/wishes/new/").status_code == 403


# -- one wish --------------------------------------------------------------------------------------

def forms_shown(response: Any) -> list[str]:
    return [a["name"] for a in response.context["actions"]]


def test_only_the_steps_open_now_are_offered(clerk_a: Any, grid_a: Any, auditor: Any) -> None:
    wish = record(grid_a)
    url = f"/wishes/{wish.pk}/"
    assert forms_shown(client_for(clerk_a).get(url)) == ["classify", "resolve_on_spot"]
    assert forms_shown(client_for(grid_a).get(url)) == []
    assert forms_shown(client_for(auditor).get(url)) == []
    Wish.objects.filter(pk=wish.pk).update(state=S.RESOLVED)
    assert forms_shown(client_for(clerk_a).get(url)) == []
    assert forms_shown(client_for(grid_a).get(url)) == ["feedback"]
    Wish.objects.filter(pk=wish.pk).update(state=S.CLOSED)
    assert forms_shown(client_for(clerk_a).get(url)) == []


def test_steps_through_the_pages_with_a_timeline(clerk_a: Any, grid_a: Any, household_a: Any,
                                                 county_admin: Any) -> None:
    from policies.models import Department

    wish = record(grid_a)
    clerk, grid = client_for(clerk_a), client_for(grid_a)
    base = f"/wishes/{wish.pk}/"
    department = Department.objects.order_by("name").first()
    assert department is not None
    steps = [
        (clerk, "classify", {"classify-category": "care"}),
        (clerk, "assign", {"assign-department": department.pk,
                           "assign-responsible_person": "刘干事",
                           "assign-responsible_phone": "13800001111"}),
        (clerk, "start", {}),
        (clerk, "resolve", {"resolve-result": "已安排护工上门"}),
        (grid, "feedback", {"feedback-feedback": "入户告知"}),
        (grid, "revisit", {"revisit-satisfaction": "satisfied", "revisit-revisit_note": ""}),
        (clerk, "close", {}),
    ]
    for web, action, data in steps:
        response = web.post(f"{base}{action}/", data)
        assert response.status_code == 302, (action, response.content.decode()[:2000])
        assert response["Location"] == base
    wish.refresh_from_db()
    assert wish.state == S.CLOSED and wish.responsible_person == "刘干事"
    page = client_for(county_admin).get(base)
    labels = [str(s.label) for s in page.context["timeline"]]
    assert labels == ["登记心愿", "分类", "交办", "开始办理", "登记办理结果", "向群众反馈",
                      "回访", "销号办结"]
    html = page.content.decode()
    assert "责任人：刘干事" in html and "满意度：满意" in html and "马小军" in html


def test_bad_step_input_is_shown_beside_the_field_and_changes_nothing(clerk_a: Any) -> None:
    wish = in_state(clerk_a, S.CLASSIFIED)
    before = snapshot(wish)
    response = client_for(clerk_a).post(f"/wishes/{wish.pk}/assign/", {
        "assign-responsible_person": "刘干事", "assign-responsible_phone": "打电话"})
    assert response.status_code == 400
    form = next(a["form"] for a in response.context["actions"] if a["name"] == "assign")
    assert "联系电话格式不正确" in str(form.errors["responsible_phone"])
    assert form["responsible_person"].value() == "刘干事"  # input kept
    assert snapshot(wish) == before


def test_a_step_the_role_may_not_take_is_refused(grid_a: Any, auditor: Any) -> None:
    wish = in_state(grid_a, S.COLLECTED)
    before = snapshot(wish)
    response = client_for(grid_a).post(f"/wishes/{wish.pk}/classify/",
                                       {"classify-category": "care"})
    assert response.status_code == 403
    assert "您的角色不能" in response.content.decode()
    assert client_for(auditor).post(f"/wishes/{wish.pk}/classify/",
                                    {"classify-category": "care"}).status_code == 403
    assert snapshot(wish) == before


def test_a_stale_step_says_why(clerk_a: Any) -> None:
    wish = in_state(clerk_a, S.ASSIGNED)
    response = client_for(clerk_a).post(f"/wishes/{wish.pk}/classify/",
                                        {"classify-category": "care"})
    assert response.status_code == 409
    assert "不能“分类”" in response.content.decode()
    assert forms_shown(response) == ["start"]


def test_an_unknown_step_is_404(clerk_a: Any) -> None:
    wish = in_state(clerk_a, S.CLASSIFIED)
    assert client_for(clerk_a).post(f"/wishes/{wish.pk}/fly/").status_code == 404


def test_township_b_gets_404_on_detail_and_every_step(clerk_a: Any, clerk_b: Any) -> None:
    wish = in_state(clerk_a, S.COLLECTED)
    web = client_for(clerk_b)
    before = snapshot(wish)
    assert web.get(f"/wishes/{wish.pk}/").status_code == 404
    for action in ("classify", "resolve_on_spot", "assign", "start", "resolve", "feedback",
                   "revisit", "close"):
        response = web.post(f"/wishes/{wish.pk}/{action}/", {"classify-category": "care"})
        assert response.status_code == 404, action
    assert snapshot(wish) == before
    assert not AuditEvent.objects.filter(actor=clerk_b).exists()


# -- the dashboard tile ----------------------------------------------------------------------------

def test_the_dashboard_shows_overdue_wishes_in_scope(clerk_a: Any, clerk_b: Any,
                                                     liaison: Any) -> None:
    yesterday = timezone.localdate().toordinal() - 1
    in_state(clerk_a, S.IN_PROGRESS, due_on=date.fromordinal(yesterday))
    in_state(clerk_a, S.ASSIGNED, due_on=timezone.localdate())  # due today: not yet overdue
    tile_a = next(t for t in client_for(clerk_a).get("/").context["outreach_tiles"]
                  if t["id"] == "wishes-overdue-stat")
    assert (tile_a["n"], tile_a["warn"], tile_a["url"]) == (1, True, "/wishes/?overdue=1")
    page_b = client_for(clerk_b).get("/")
    tile_b = next(t for t in page_b.context["outreach_tiles"] if t["id"] == "wishes-overdue-stat")
    assert (tile_b["n"], tile_b["warn"]) == (0, False)
    assert 'class="stat" id="wishes-overdue-stat"' in page_b.content.decode()
    assert all(t["id"] != "wishes-overdue-stat"
               for t in client_for(liaison).get("/").context["outreach_tiles"])
