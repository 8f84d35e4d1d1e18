from typing import Any

import pytest
from django.test import Client

from accounts.services import token_issue
from registry.models import Household

pytestmark = pytest.mark.django_db


def _api(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_issue(actor=None, user=user)}"})


def test_list_is_scoped_and_masked(clerk_a: Any, household_a: Household, household_b: Household) -> None:
    data = _api(clerk_a).get("/api/v1/households").json()
    assert data["count"] == 1
    item = data["items"][0]
    assert item["id"] == household_a.pk and item["region_code"] == "620802100201"
    assert "********" in item["members"][0]["id_number_masked"]


def test_detail_out_of_scope_is_404(clerk_b: Any, household_a: Household) -> None:
    response = _api(clerk_b).get(f"/api/v1/households/{household_a.pk}")
    assert response.status_code == 404
    missing = _api(clerk_b).get("/api/v1/households/999999")
    assert missing.status_code == 404 and missing.json() == response.json()


def test_create_household_and_person(clerk_a: Any) -> None:
    api = _api(clerk_a)
    response = api.post("/api/v1/households", {
        "village_code": "620802100201", "address": "大寨村1组1号",
        "members": [{"name": "陈一", "id_number": "620802195803070411", "relation": "applicant"}],
    }, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["region_code"] == "620802100201" and body["members"][0]["name"] == "陈一"
    person = api.post("/api/v1/persons", {
        "household_id": body["id"], "name": "陈二", "id_number": "610502201209150283",
        "relation": "child",
    }, content_type="application/json")
    assert person.status_code == 201 and person.json()["region_code"] == "620802100201"
    got = api.get(f"/api/v1/persons/{person.json()['id']}")
    assert got.json()["name"] == "陈二"
    listed = api.get("/api/v1/persons", {"q": "陈"}).json()
    assert listed["count"] == 2


def test_bad_input_is_400_with_chinese_message_and_field(clerk_a: Any) -> None:
    response = _api(clerk_a).post("/api/v1/households", {
        "village_code": "620802100201", "address": "x",
        "members": [{"name": "陈一", "id_number": "620802195803070412", "relation": "applicant"}],
    }, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "members[0].id_number"
    assert "校验位" in response.json()["detail"]
    malformed = _api(clerk_a).post("/api/v1/households", {"address": 1},
                                   content_type="application/json")
    assert malformed.status_code == 400 and "village_code" in malformed.json()["detail"]
    assert Household.objects.count() == 0


def test_duplicate_is_409(clerk_a: Any, household_a: Household) -> None:
    response = _api(clerk_a).post("/api/v1/persons", {
        "household_id": household_a.pk, "name": "重复",
        "id_number": household_a.members.get().id_number, "relation": "child",
    }, content_type="application/json")
    assert response.status_code == 409


def test_regions_api(county: None) -> None:
    top = Client().get("/api/v1/regions").json()
    assert top == [{"code": "620000000000", "name": "甘肃省", "level": 1}]
    villages = Client().get("/api/v1/regions", {"parent": "620802101000"}).json()
    assert {"code": "620802101201", "name": "白水村", "level": 5} in villages
    assert all(v["code"].startswith("620802101") for v in villages)


def test_openapi_docs_are_public(client: Client) -> None:
    assert client.get("/api/v1/docs").status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/idcard/{number}" in schema["paths"]
