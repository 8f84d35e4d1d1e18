"""The risk register (风险台账): create, revise, open → mitigating → closed with a note, who may,
the scoped list and its filters, and bad input changing nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from audit.models import AuditEvent
from demo.reference import COUNTY, TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.fixtures import client_for
from supervision.models import Risk, RiskLevel, RiskState
from supervision.services.risks import RiskInput, risk_close, risk_create, risk_start, risk_update

from .test_ledger_lifecycle import set_today

pytestmark = pytest.mark.django_db
S = RiskState
BASE = "/supervision/ledgers/risks/"


@pytest.fixture(autouse=True)
def _march(monkeypatch: pytest.MonkeyPatch) -> None:
    set_today(monkeypatch, date(2026, 3, 10))


def data(**override: Any) -> RiskInput:
    valid: dict[str, Any] = {"title": "临时救助备用金长期滞留", "level": RiskLevel.HIGH, "owner": "李娟",
             "description": "备用金半年未使用", "mitigations": "每月通报使用进度",
             "review_on": date(2026, 4, 10)}
    return RiskInput(**(valid | override))


def new(actor: Any, region: str = TOWNSHIP_A, **override: Any) -> Risk:
    return risk_create(actor=actor, region_code=region, data=data(**override))


def snapshot(risk: Risk) -> tuple[Any, ...]:
    risk.refresh_from_db()
    return (risk.title, risk.level, risk.owner, risk.mitigations, risk.review_on, risk.state,
            risk.close_note, risk.closed_at,
            AuditEvent.objects.filter(object_type="supervision.risk",
                                      object_id=str(risk.pk)).count())


def test_a_risk_from_registration_to_closed(clerk_a: Any, reviewer_a: Any) -> None:
    risk = new(clerk_a)
    assert (risk.state, risk.level, risk.region_id) == (S.OPEN, RiskLevel.HIGH, TOWNSHIP_A)
    risk = risk_update(actor=clerk_a, risk_id=risk.pk,
                       data=data(level=RiskLevel.MEDIUM, mitigations="已制定使用计划"))
    assert (risk.level, risk.mitigations) == (RiskLevel.MEDIUM, "已制定使用计划")
    risk = risk_start(actor=clerk_a, risk_id=risk.pk)
    assert risk.state == S.MITIGATING
    risk = risk_close(actor=reviewer_a, risk_id=risk.pk, note="备用金已按计划使用完毕")
    assert (risk.state, risk.close_note) == (S.CLOSED, "备用金已按计划使用完毕")
    assert risk.closed_at is not None
    trail = list(AuditEvent.objects.filter(object_type="supervision.risk", object_id=str(risk.pk))
                 .order_by("id").values_list("action", flat=True))
    assert trail == ["supervision.risk_create", "supervision.risk_update",
                     "supervision.risk_start", "supervision.risk_close"]
    update = AuditEvent.objects.get(object_id=str(risk.pk), action="supervision.risk_update")
    assert (update.before or {}).get("level") == RiskLevel.HIGH
    assert (update.after or {}).get("level") == RiskLevel.MEDIUM


def test_a_risk_may_close_straight_from_open(county_admin: Any) -> None:
    risk = new(county_admin, COUNTY[0])
    risk = risk_close(actor=county_admin, risk_id=risk.pk, note="经研判不构成风险")
    assert risk.state == S.CLOSED


def test_closing_needs_a_note(clerk_a: Any, reviewer_a: Any) -> None:
    risk = new(clerk_a)
    before = snapshot(risk)
    with pytest.raises(ApplicationError) as exc:
        risk_close(actor=reviewer_a, risk_id=risk.pk, note=" ")
    assert exc.value.field == "close_note"
    assert snapshot(risk) == before


def test_a_closed_risk_is_not_moved_nor_edited(clerk_a: Any, reviewer_a: Any) -> None:
    risk = new(clerk_a)
    risk_close(actor=reviewer_a, risk_id=risk.pk, note="已消除")
    before = snapshot(risk)
    for call in (lambda: risk_start(actor=clerk_a, risk_id=risk.pk),
                 lambda: risk_close(actor=reviewer_a, risk_id=risk.pk, note="再次"),
                 lambda: risk_update(actor=clerk_a, risk_id=risk.pk, data=data())):
        with pytest.raises(ApplicationError) as exc:
            call()
        assert exc.value.code == "transition"
    assert snapshot(risk) == before


def test_roles_and_scope(clerk_a: Any, clerk_b: Any, auditor: Any, grid_a: Any) -> None:
    for user in (auditor, grid_a):
        with pytest.raises(ApplicationError) as exc:
            new(user)
        assert exc.value.code == "forbidden"
    with pytest.raises(ApplicationError) as exc:
        new(clerk_a, TOWNSHIP_B)
    assert exc.value.field == "region"
    risk = new(clerk_a)
    before = snapshot(risk)
    # The clerk who works the mitigations does not declare the risk removed.
    with pytest.raises(ApplicationError) as exc:
        risk_close(actor=clerk_a, risk_id=risk.pk, note="已消除")
    assert exc.value.code == "forbidden"
    for call in (lambda: risk_start(actor=clerk_b, risk_id=risk.pk),
                 lambda: risk_update(actor=clerk_b, risk_id=risk.pk, data=data(owner="赵丽"))):
        with pytest.raises(ApplicationError) as exc:
            call()
        assert exc.value.code == "forbidden"
    assert snapshot(risk) == before


@pytest.mark.parametrize(("override", "field"), [
    ({"title": ""}, "title"), ({"level": "extreme"}, "level"), ({"owner": " "}, "owner"),
    ({"owner": "张" * 51}, "owner"), ({"review_on": date(2026, 3, 9)}, "review_on"),
])
def test_bad_input_changes_nothing(clerk_a: Any, override: dict[str, Any], field: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        new(clerk_a, **override)
    assert exc.value.field == field and Risk.objects.count() == 0
    risk = new(clerk_a)
    before = snapshot(risk)
    with pytest.raises(ApplicationError) as exc:
        risk_update(actor=clerk_a, risk_id=risk.pk, data=data(**override))
    assert exc.value.field == field
    assert snapshot(risk) == before


def test_an_unchanged_past_review_date_does_not_block_an_edit(
        clerk_a: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    risk = new(clerk_a, review_on=date(2026, 3, 12))
    set_today(monkeypatch, date(2026, 3, 20))
    risk = risk_update(actor=clerk_a, risk_id=risk.pk,
                       data=data(review_on=date(2026, 3, 12), mitigations="已约谈"))
    assert risk.mitigations == "已约谈"


def test_the_list_is_scoped_and_filtered(clerk_a: Any, clerk_b: Any, county_admin: Any,
                                         reviewer_a: Any) -> None:
    high = new(clerk_a, title="甲镇资金滞留")
    low = new(clerk_a, title="甲镇档案管理", level=RiskLevel.LOW, review_on=date(2026, 3, 10))
    closed = new(clerk_a, title="甲镇已消除")
    risk_close(actor=reviewer_a, risk_id=closed.pk, note="已消除")
    theirs = new(clerk_b, TOWNSHIP_B, title="乙镇错保")
    web = client_for(clerk_a)
    html = web.get(BASE).content.decode()
    assert "甲镇资金滞留" in html and "乙镇错保" not in html
    html = web.get(BASE, {"level": RiskLevel.LOW}).content.decode()
    assert "甲镇档案管理" in html and "甲镇资金滞留" not in html
    html = web.get(BASE, {"review_due": "1"}).content.decode()
    assert "甲镇档案管理" in html and "甲镇资金滞留" not in html and "待研判" in html
    html = web.get(BASE, {"state": S.CLOSED}).content.decode()
    assert "甲镇已消除" in html and "甲镇资金滞留" not in html
    county = client_for(county_admin).get(BASE, {"township": TOWNSHIP_B}).content.decode()
    assert "乙镇错保" in county and "甲镇资金滞留" not in county
    assert client_for(clerk_b).get(f"{BASE}{high.pk}/").status_code == 404
    assert client_for(clerk_b).post(f"{BASE}{high.pk}/close/", {}).status_code == 404
    assert client_for(clerk_b).get(f"{BASE}{high.pk}/edit/").status_code == 404
    assert low.pk and theirs.pk


def test_the_pages_create_edit_and_close(clerk_a: Any, reviewer_a: Any, auditor: Any) -> None:
    web = client_for(clerk_a)
    form = {"region": TOWNSHIP_A, "title": "低保错保风险", "level": RiskLevel.HIGH,
            "owner": "李娟", "description": "", "mitigations": "入户核查", "review_on": ""}
    bad = web.post(f"{BASE}new/", form | {"review_on": "2026-03-01"})
    assert bad.status_code == 200 and "下次研判日期不能早于今天" in bad.content.decode()
    assert Risk.objects.count() == 0
    assert web.post(f"{BASE}new/", form).status_code == 302
    risk = Risk.objects.get()
    edited = web.post(f"{BASE}{risk.pk}/edit/", form | {"level": RiskLevel.LOW})
    assert edited.status_code == 302
    risk.refresh_from_db()
    assert risk.level == RiskLevel.LOW
    page = web.get(f"{BASE}{risk.pk}/").content.decode()
    assert 'id="risk-action-start"' in page and 'id="risk-action-close"' not in page
    checker = client_for(reviewer_a)
    missing = checker.post(f"{BASE}{risk.pk}/close/", {"close-close_note": ""})
    assert missing.status_code == 400
    assert checker.post(f"{BASE}{risk.pk}/close/",
                        {"close-close_note": "已核查清退"}).status_code == 302
    risk.refresh_from_db()
    assert (risk.state, risk.close_note) == (S.CLOSED, "已核查清退")
    reader = client_for(auditor)
    assert reader.get(f"{BASE}{risk.pk}/").status_code == 200
    assert reader.post(f"{BASE}{risk.pk}/edit/", form).status_code == 403
