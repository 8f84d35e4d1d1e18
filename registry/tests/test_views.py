from typing import Any

import pytest

from audit.models import RecordAccess
from jiuzhu.testing.factories import household_with_applicant
from jiuzhu.testing.fixtures import client_for
from registry.models import Household

pytestmark = pytest.mark.django_db


def test_list_shows_only_own_township_masked(clerk_a: Any, household_a: Household,
                                             household_b: Household) -> None:
    body = client_for(clerk_a).get("/households/").content.decode()
    applicant = household_a.members.get()
    assert "张三" in body and "李四" not in body
    assert applicant.id_number not in body
    assert applicant.id_number[:6] + "********" + applicant.id_number[-4:] in body
    assert "13909330000" not in body and "139****0000" in body


def test_list_pages_filters_and_searches(clerk_a: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(30):
        household_with_applicant("620802100201" if i % 2 else "620802100202", name=f"王{i:02d}")
    target = household_with_applicant("620802100203", name="欧阳修")
    web = client_for(clerk_a)
    with django_assert_max_num_queries(12):
        first = web.get("/households/")
    assert first.context["page_obj"].paginator.count == 31
    assert len(first.context["rows"]) == 25
    assert len(web.get("/households/", {"page": 2}).context["rows"]) == 6
    assert web.get("/households/", {"village": "620802100202"}).context["page_obj"].paginator.count == 15
    by_name = web.get("/households/", {"q": "欧阳"}).context["rows"]
    assert [h.pk for h, _a, _n in by_name] == [target.pk]
    id_number = target.members.get().id_number
    by_id = web.get("/households/", {"q": id_number.lower()}).context["rows"]
    assert [h.pk for h, _a, _n in by_id] == [target.pk]


def test_htmx_request_gets_only_the_table(clerk_a: Any, household_a: Household) -> None:
    response = client_for(clerk_a).get("/households/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<table>" in body and "<html" not in body


def test_detail_shows_full_id_to_clerk_and_logs_the_view(clerk_a: Any, household_a: Household) -> None:
    applicant = household_a.members.get()
    body = client_for(clerk_a).get(f"/households/{household_a.pk}/").content.decode()
    assert applicant.id_number in body and "13909330000" in body
    assert RecordAccess.objects.filter(user=clerk_a, object_id=str(household_a.pk)).count() == 1


def test_grid_worker_sees_masked_detail_and_no_log(grid_a: Any, household_a: Household) -> None:
    applicant = household_a.members.get()
    body = client_for(grid_a).get(f"/households/{household_a.pk}/").content.decode()
    assert applicant.id_number not in body and "13909330000" not in body
    assert RecordAccess.objects.count() == 0


def test_create_form_keeps_input_on_error(clerk_a: Any) -> None:
    response = client_for(clerk_a).post("/households/new/", {
        "village": "620802100201", "address": "大寨村1组9号", "phone": "",
        "urban_rural": "", "applicant_name": "周七", "applicant_id_number": "620802195803070412",
    })
    assert response.status_code == 200
    body = response.content.decode()
    assert "校验位" in body and 'value="620802195803070412"' in body and 'value="周七"' in body
    assert Household.objects.count() == 0


def test_create_then_edit_then_history(clerk_a: Any) -> None:
    web = client_for(clerk_a)
    response = web.post("/households/new/", {
        "village": "620802100201", "address": "大寨村1组9号", "phone": "13900001111",
        "urban_rural": "", "applicant_name": "周七", "applicant_id_number": "620802195803070411",
    })
    household = Household.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/households/{household.pk}/"
    web.post(f"/households/{household.pk}/edit/", {
        "village": "620802100202", "address": "太统村2组1号", "phone": "13900001111",
        "urban_rural": "rural",
    })
    household.refresh_from_db()
    assert household.village_id == "620802100202"
    history = web.get(f"/households/{household.pk}/history/").content.decode()
    assert "大寨村1组9号 → 太统村2组1号" in history and "clerk_a" in history


def test_member_income_disability_asset_forms(clerk_a: Any, household_a: Household) -> None:
    web = client_for(clerk_a)
    bad = web.post(f"/households/{household_a.pk}/members/",
                   {"name": "张小", "id_number": "123", "relation": "child"})
    assert bad.status_code == 400 and "18位" in bad.content.decode()
    ok = web.post(f"/households/{household_a.pk}/members/",
                  {"name": "张小", "id_number": "610502201209150283", "relation": "child"})
    assert ok.status_code == 302
    child = household_a.members.get(name="张小")
    assert web.post(f"/households/persons/{child.pk}/incomes/", {
        "income_type": "scholarship", "monthly_amount": "-5", "start_month": "2026-01-01",
    }).status_code == 400
    assert web.post(f"/households/persons/{child.pk}/incomes/", {
        "income_type": "scholarship", "monthly_amount": "100", "start_month": "2026-01-01",
    }).status_code == 302
    assert child.incomes.get().excluded
    assert web.post(f"/households/persons/{child.pk}/disabilities/", {
        "category": "intellectual", "grade": "2",
    }).status_code == 302
    assert web.post(f"/households/{household_a.pk}/assets/", {
        "asset_type": "house", "value": "80000", "as_of": "2026-01-01",
    }).status_code == 302
    assert household_a.assets.count() == 1


def test_dashboard_counts_only_own_region(clerk_a: Any, county_admin: Any, household_a: Household,
                                          household_b: Household) -> None:
    assert client_for(clerk_a).get("/").context["counts"]["households"] == 1
    admin_view = client_for(county_admin).get("/")
    assert admin_view.context["counts"]["households"] == 2
    assert {r["region"].name for r in admin_view.context["townships"]} == {"崆峒镇", "白水镇"}


def test_page_count_is_cached_until_a_household_is_added(
    clerk_a: Any, household_a: Household, django_assert_num_queries: Any
) -> None:
    from jiuzhu.paging import CachedCountPaginator
    from registry.selectors import HouseholdFilter
    from registry.selectors import household_list as select

    def count() -> int:
        return CachedCountPaginator(select(clerk_a, HouseholdFilter()), 25).count

    assert count() == 1
    with django_assert_num_queries(1):  # only the newest-id probe; the COUNT comes from cache
        assert count() == 1
    household_with_applicant("620802100202", name="新户")
    assert count() == 2
