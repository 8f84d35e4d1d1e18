"""The permission map is complete, and township B cannot reach township A's objects."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.services import token_issue
from jiuzhu.access import PUBLIC, ROUTE_PERMISSIONS, permission_for
from jiuzhu.testing.fixtures import client_for


def _walk(patterns: list[Any], namespace: str = "", prefix: str = "") -> Iterator[tuple[str, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(x for x in (namespace, p.namespace or "") if x)
            yield from _walk(p.url_patterns, ns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace else (p.name or "")
            yield name, prefix + str(p.pattern)


ROUTES = sorted(set(_walk(get_resolver().url_patterns)))


def test_every_route_has_a_permission_entry() -> None:
    missing = [name for name, _path in ROUTES if permission_for(name) is None]
    assert missing == []


def test_permission_map_has_no_stale_entries() -> None:
    names = {name for name, _path in ROUTES}
    assert sorted(set(ROUTE_PERMISSIONS) - names) == []


# Object parameters in routes and how to fill them with township A's objects.
def _object_routes() -> list[tuple[str, str]]:
    return [(n, p) for n, p in ROUTES if "<" in p and not n.startswith("admin:")
            and permission_for(n) != PUBLIC]


def _fill(path: str, ids: dict[str, Any]) -> str:
    import re

    def sub(match: re.Match[str]) -> str:
        key = match.group(1).split(":")[-1]
        return str(ids[key])

    return "/" + re.sub(r"<([^>]+)>", sub, path)


@pytest.fixture
def a_ids(household_a: Any, clerk_a: Any) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from benefits.models import Enrollment, RecheckKind, RecheckTask
    from cases.services.intake import document_attach
    from demo.reference import TOWNSHIP_A
    from jiuzhu.testing.cases import accepted_case, household_of
    from registry.importing import import_validate

    person = household_a.members.get()
    csv = (
        "户编号,村（社区）代码,居住地址,家庭电话,城乡类别,姓名,身份证号码,与申请人关系,个人电话\n"
        "1,620802100202,太统村1组1号,,农村,王五,620802195803070411,申请人/户主,\n"
    ).encode()
    job = import_validate(actor=clerk_a, file_name="a.csv", content=csv)
    case = accepted_case(household_of())
    document = document_attach(actor=clerk_a, case=case, kind="id_card",
                               upload=SimpleUploadedFile("id.pdf", b"%PDF-1.4 x"))
    # Township A's enrollment and re-check task under the same `pk`, so the enrollment pages
    # are walked against real objects. No payroll run has that id: runs are county-wide, and a
    # township sees its county's run header by design (totals only).
    enrollment = Enrollment.objects.create(
        pk=case.pk, programme_id="dibao_rural", household=case.household, case=case,
        village_id=case.village_id, monthly_amount=Decimal("500.00"),
        start_month=date(2026, 1, 1))
    RecheckTask.objects.create(pk=case.pk, enrollment=enrollment, kind=RecheckKind.SCHEDULED,
                               due_on=date(2026, 12, 1))
    return {"household_id": household_a.pk, "person_id": person.pk, "job_id": job.pk,
            "pk": case.pk, "case_id": case.pk, "action": "accept", "token": document.token, "kind": "receipt",
            "township_code": TOWNSHIP_A, "run_id": case.pk, **_outreach_ids(household_a, clerk_a),
            **_supervision_ids(household_a, clerk_a)}


def _outreach_ids(household: Any, clerk: Any) -> dict[str, Any]:
    """Township A's card, batch, visit, wish, event and ticket (route parameters by name)."""
    from django.utils import timezone

    from cards.models import Card, CardBatch
    from demo.reference import TOWNSHIP_A
    from outreach.models import OutreachEvent, Visit, Wish, WishSource
    from tickets.models import Channel, Ticket, Topic, Urgency

    now = timezone.now()
    batch = CardBatch.objects.create(village_id=household.village_id, created_by=clerk)
    card = Card.objects.create(household=household, token="a" * 32, batch=batch)
    visit = Visit.objects.create(household=household, worker=clerk, visited_on=date(2026, 11, 2))
    wish = Wish.objects.create(number="XY-A-1", village_id=household.village_id,
                               household=household, person_name="甲", source=WishSource.VISIT,
                               visit=visit, content="轮椅", created_by=clerk)
    event = OutreachEvent.objects.create(title="赶大集", region_id=TOWNSHIP_A, place="集市",
                                         held_on=date(2026, 11, 2), created_by=clerk)
    ticket = Ticket.objects.create(
        number="RX-A-1", channel=Channel.COUNTY, topic=Topic.HELP, urgency=Urgency.GENERAL,
        subject="求助", content="求助", region_id=TOWNSHIP_A, received_at=now, received_by=clerk,
        due_at=now)
    return {"card_id": card.pk, "batch_id": batch.pk, "visit_id": visit.pk, "wish_id": wish.pk,
            "event_id": event.pk, "ticket_id": ticket.pk}


def _supervision_ids(household: Any, clerk: Any) -> dict[str, Any]:
    """Township A's warning, monitoring run, ledger item, risk, sampling check, evaluation and
    meeting (route parameters by name)."""
    from demo.reference import TOWNSHIP_A
    from monitoring.models import MonitoringRun, RuleCode, Warning
    from supervision.models import (
        Evaluation,
        EvaluationScheme,
        ItemSource,
        LedgerItem,
        ListKind,
        Meeting,
        Risk,
        RiskLevel,
        SampleCheck,
        SamplingRound,
    )

    person = household.members.get()
    run = MonitoringRun.objects.create(region_code=TOWNSHIP_A, on_date=date(2026, 11, 2))
    warning = Warning.objects.create(
        rule=RuleCode.JOB_LOSS, run=run, person=person, household=household,
        village_code=household.village_id, evidence="失业登记", event_key="x",
        raised_on=date(2026, 11, 2), due_on=date(2026, 11, 9))
    item = LedgerItem.objects.create(
        number="WT-A-1", list_kind=ListKind.PROBLEM, source=ItemSource.SELF_CHECK,
        region_id=TOWNSHIP_A, title="台账不全", created_by=clerk)
    risk = Risk.objects.create(region_id=TOWNSHIP_A, title="资金滞留", level=RiskLevel.HIGH,
                               owner="张三", created_by=clerk)
    sampling = SamplingRound.objects.create(region_code=TOWNSHIP_A, period="2026Q4",
                                            rate="0.05", seed="s", created_by=clerk)
    check = SampleCheck.objects.create(round=sampling, household=household,
                                       village_code=household.village_id)
    scheme = EvaluationScheme.objects.create(name="考评", year=2026, grades=[[60, "合格"]])
    evaluation = Evaluation.objects.create(scheme=scheme, region_id=TOWNSHIP_A,
                                           period_start=date(2026, 1, 1),
                                           period_end=date(2026, 12, 31))
    meeting = Meeting.objects.create(region_id=TOWNSHIP_A, held_on=date(2026, 11, 2),
                                     title="联席会议", chair="李四", attendees="民政所",
                                     created_by=clerk)
    return {"warning_id": warning.pk, "mrun_id": run.pk, "item_id": item.pk, "risk_id": risk.pk,
            "round_id": sampling.pk, "check_id": check.pk, "scheme_id": scheme.pk,
            "evaluation_id": evaluation.pk, "meeting_id": meeting.pk}


@pytest.mark.django_db
def test_township_b_gets_404_on_every_township_a_object(
    a_ids: dict[str, Any], clerk_b: Any
) -> None:
    routes = _object_routes()
    assert len(routes) >= 10  # the walk really covers the registry pages and the API
    web = client_for(clerk_b)
    token = token_issue(actor=None, user=clerk_b)
    failures = []
    for name, path in routes:
        url = _fill(path, a_ids)
        for method in ("get", "post"):
            if url.startswith("/api/"):
                # A well-formed body, so the object check (not body validation) answers.
                body = {"action": "accept", "reason": "x"} if method == "post" else None
                response = getattr(web, method)(
                    url, body, HTTP_AUTHORIZATION=f"Bearer {token}",
                    content_type="application/json",
                )
            else:
                response = getattr(web, method)(url)
            # 405 means the route does not take this method at all; 403 a whole area the
            # role may not use. Anything else than 404 would leak township A's object.
            if response.status_code not in (404, 405, 403):
                failures.append((name, method, url, response.status_code))
    assert failures == []


@pytest.mark.django_db
def test_clerk_a_reaches_the_same_routes(a_ids: dict[str, Any], clerk_a: Any) -> None:
    """The walk above is meaningful: the owner gets 200 on the same detail pages."""
    web = client_for(clerk_a)
    for name in ("registry:household_detail", "registry:person_detail", "registry:import_detail",
                 "cases:case_detail", "cases:document_download", "cases:survey",
                 "enrollment:enrollment_detail", "enrollment:recheck_decide"):
        path = dict(ROUTES)[name]
        assert web.get(_fill(path, a_ids)).status_code == 200, name


@pytest.mark.django_db
def test_anonymous_pages_redirect_to_login_and_api_answers_401(household_a: Any, client: Any) -> None:
    page = client.get(f"/households/{household_a.pk}/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/households").status_code == 401
    bad = client.get("/api/v1/households", HTTP_AUTHORIZATION="Bearer nope")
    assert bad.status_code == 401 and "令牌" in bad.json()["detail"]


@pytest.mark.django_db
def test_roles_limit_whole_areas(household_a: Any, auditor: Any, grid_a: Any, liaison: Any) -> None:
    # The auditor reads but never writes.
    web = client_for(auditor)
    assert web.get(f"/households/{household_a.pk}/").status_code == 200
    assert web.post(f"/households/{household_a.pk}/edit/", {}).status_code == 403
    token = token_issue(actor=None, user=auditor)
    response = client_for(auditor).post(
        "/api/v1/households", {}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 403
    # A department liaison has no business in the household registry.
    assert client_for(liaison).get("/households/").status_code == 403
    # A grid worker may look but not register households.
    assert client_for(grid_a).get("/households/new/").status_code == 403


@pytest.mark.django_db
def test_revoked_token_is_refused(clerk_a: Any, client: Any) -> None:
    from django.utils import timezone

    from accounts.models import ApiToken

    raw = token_issue(actor=None, user=clerk_a)
    assert client.get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    ApiToken.objects.update(revoked_at=timezone.now())
    assert client.get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
