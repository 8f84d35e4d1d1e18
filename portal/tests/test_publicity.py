"""公示 pages show what 57号§24 allows and nothing else; objections pause the case."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cases.choices import CaseState
from cases.models import Case, Objection, Publicity
from cases.services import decision, intake, publicity
from jiuzhu.testing.cases import (
    VILLAGE_A,
    accepted_case,
    household_of,
    in_publicity,
    publicity_over,
    staff,
)
from registry.masking import mask_id

pytestmark = pytest.mark.django_db


def _posted(name: str = "王大明") -> Case:
    household = household_of(name=name, phone="13911112222")
    household.address = "大寨村三组88号"
    household.phone = "13922223333"
    household.save()
    return in_publicity(accepted_case(household))


def _token(body: str) -> str:
    match = re.search(r"/portal/gongshi/yiyi/([^/]+)/", body)
    assert match, "the village page links to the objection form"
    return match[1]


def test_village_page_shows_masked_name_and_amount_but_no_personal_data(
        county: None, client: Client) -> None:
    case = _posted()
    applicant = case.applicant
    body = client.get(f"/portal/gongshi/{VILLAGE_A}/").content.decode()
    assert "王**" in body and "900.00 元/月" in body and "公示中" in body
    assert "0933-8211001" in body  # the programme department's complaint phone
    for secret in ("王大明", applicant.id_number, mask_id(applicant.id_number), "大寨村三组88号",
                   "13911112222", "13922223333"):
        assert secret not in body
    index = client.get("/portal/gongshi/").content.decode()
    assert "崆峒镇" in index and f"/portal/gongshi/{VILLAGE_A}/" in index and "王大明" not in index


def test_notice_whose_period_ended_is_not_listed(county: None, client: Client) -> None:
    publicity_over(accepted_case(household_of(name="赵老汉")))
    assert Case.objects.get().state == CaseState.COUNTY_REVIEW
    # Ended yesterday, and the nightly close has not run yet: still not listed.
    waiting = in_publicity(accepted_case(household_of(name="钱老汉")))
    waiting.publicities.update(starts_on=timezone.localdate() - timedelta(days=7),
                               ends_on=timezone.localdate() - timedelta(days=1))
    # Posted for next week: not yet.
    early = in_publicity(accepted_case(household_of(name="孙老汉")))
    early.publicities.update(starts_on=timezone.localdate() + timedelta(days=1),
                             ends_on=timezone.localdate() + timedelta(days=7))
    assert set(Publicity.objects.values_list("status", flat=True)) == {"ended", "active"}
    index = client.get("/portal/gongshi/").content.decode()
    assert f"/portal/gongshi/{VILLAGE_A}/" not in index and "今天没有正在公示的内容" in index
    village = client.get(f"/portal/gongshi/{VILLAGE_A}/").content.decode()
    assert "赵**" not in village and "钱**" not in village and "孙**" not in village
    assert "本村（社区）今天没有正在公示的内容" in village


def test_unknown_village_and_unknown_or_ended_token_are_neutral_404(
        county: None, client: Client) -> None:
    assert client.get("/portal/gongshi/620802999999/").status_code == 404
    unknown = client.get("/portal/gongshi/yiyi/no-such-token/")
    ended_case = publicity_over(accepted_case(household_of()))
    ended = client.get(f"/portal/gongshi/yiyi/{ended_case.publicities.get().public_token}/")
    assert unknown.status_code == ended.status_code == 404
    assert unknown.content == ended.content
    posted = client.post(f"/portal/gongshi/yiyi/{ended_case.publicities.get().public_token}/",
                         {"content": "不符合"})
    assert posted.status_code == 404 and not Objection.objects.exists()


def test_objection_pauses_case_and_contact_details_never_appear_in_public(
        county: None, client: Client) -> None:
    case = _posted()
    token = _token(client.get(f"/portal/gongshi/{VILLAGE_A}/").content.decode())
    empty = client.post(f"/portal/gongshi/yiyi/{token}/", {"content": " "})
    assert empty.status_code == 200 and not Objection.objects.exists()
    response = client.post(f"/portal/gongshi/yiyi/{token}/", {
        "content": "该户家中有两辆货车，经营运输", "contact_name": "举报人甲",
        "contact_phone": "13700001111"})
    assert response.status_code == 302
    assert response["Location"] == f"/portal/gongshi/{VILLAGE_A}/"
    case.refresh_from_db()
    assert case.state == CaseState.OBJECTION
    objection = Objection.objects.get()
    assert objection.contact_phone == "13700001111"  # kept for staff ...

    village = client.get(response["Location"]).content.decode()
    assert "感谢您的监督" in village and "有异议，正在复查" in village
    # ... the finding is published with the village's notices, the objector never is.
    publicity.case_reinvestigate(actor=staff("clerk_a"), case_id=case.pk)
    publicity.objection_resolve(actor=staff("reviewer_a"), case_id=case.pk, outcome="dismissed",
                                outcome_text="经复查，货车为亲属所有，异议不成立")
    pages = [client.get(url).content.decode() for url in (
        f"/portal/gongshi/{VILLAGE_A}/", "/portal/gongshi/", f"/portal/gongshi/yiyi/{token}/",
        "/portal/")]
    assert "异议不成立" in pages[0] and "经复查，货车为亲属所有" in pages[0]
    for page in pages:
        assert "13700001111" not in page and "举报人甲" not in page
        assert "两辆货车" not in page


def test_objection_form_needs_csrf(county: None) -> None:
    case = _posted()
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"/portal/gongshi/yiyi/{case.publicities.get().public_token}/",
                           {"content": "x"})
    assert response.status_code == 403 and not Objection.objects.exists()


def test_village_page_query_count_does_not_grow_with_notices(
        county: None, client: Client, django_assert_max_num_queries: Any) -> None:
    for i in range(3):
        _posted(name=f"王{i}明")
    with django_assert_max_num_queries(8):
        body = client.get(f"/portal/gongshi/{VILLAGE_A}/").content.decode()
    assert body.count("提出异议") == 3


def test_notice_of_a_terminated_case_is_taken_down(county: None, client: Client) -> None:
    case = _posted()
    token = case.publicities.get().public_token
    assert client.get(f"/portal/gongshi/yiyi/{token}/").status_code == 200
    intake.case_terminate(actor=staff("county_admin"), case_id=case.pk, reason="申请人已死亡")
    assert "王**" not in client.get(f"/portal/gongshi/{VILLAGE_A}/").content.decode()
    assert client.get(f"/portal/gongshi/yiyi/{token}/").status_code == 404


def test_case_posted_again_after_an_objection_shows_its_new_round_only(
        county: None, client: Client) -> None:
    case = _posted()
    client.post(f"/portal/gongshi/yiyi/{case.publicities.get().public_token}/",
                {"content": "有车辆"})
    publicity.case_reinvestigate(actor=staff("clerk_a"), case_id=case.pk)
    publicity.objection_resolve(actor=staff("reviewer_a"), case_id=case.pk, outcome="dismissed",
                                outcome_text="车辆已报废，异议不成立")
    decision.case_township_opinion(actor=staff("reviewer_a"), case_id=case.pk, eligible=True,
                                   opinion_text="复查后仍符合条件")
    assert case.publicities.count() == 2
    body = client.get(f"/portal/gongshi/{VILLAGE_A}/").content.decode()
    assert body.count("提出异议") == 1 and "有异议，正在复查" not in body
    assert "车辆已报废，异议不成立" in body
