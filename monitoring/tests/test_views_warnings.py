"""The queue's pages: list with filters, paging and overdue marks; one warning with the steps
valid now; the forms keep input on errors; township B gets 404; the county overview."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.conf import settings

from audit.models import AuditEvent
from cases.choices import CaseState
from jiuzhu.testing.fixtures import client_for
from monitoring.models import RuleCode, Warning, WarningState

from .warning_data import case_for, clock_for, raise_warning

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    return clock_for(monkeypatch)
S = WarningState


def detail_url(w: Warning) -> str:
    return f"/monitoring/{w.pk}/"


def action_url(w: Warning, action: str) -> str:
    return f"/monitoring/{w.pk}/{action}/"


# -- the queue ------------------------------------------------------------------------------------

def test_queue_marks_overdue_rows_with_working_days_late(
        household_a: Any, household_b: Any, clerk_a: Any,
        clock: Callable[[date], None]) -> None:
    clock(date(2026, 10, 12))
    late = raise_warning(household_a, raised_on=date(2026, 9, 23), due_on=date(2026, 9, 30),
                         evidence="12个月医疗自付 35,000 元")
    raise_warning(household_a, raised_on=date(2026, 10, 9), due_on=date(2026, 10, 16))
    raise_warning(household_b, evidence="白水镇的预警")
    response = client_for(clerk_a).get("/monitoring/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "12个月医疗自付 35,000 元" in page and "白水镇的预警" not in page
    assert page.count('class="overdue"') == 1
    assert "逾期4个工作日" in page  # National Day holiday in between (see test_warning_queue)
    only = client_for(clerk_a).get("/monitoring/?overdue=1")
    assert [r["w"].pk for r in only.context["rows"]] == [late.pk]


def test_queue_filters_and_htmx_fragment(household_a: Any, clerk_a: Any) -> None:
    medical = raise_warning(household_a, rule=RuleCode.MEDICAL_EXPENSE)
    raise_warning(household_a, rule=RuleCode.JOB_LOSS, state=S.CONTACTED)
    web = client_for(clerk_a)
    rows = web.get("/monitoring/?rule=medical_expense&state=open").context["rows"]
    assert [r["w"].pk for r in rows] == [medical.pk]
    fragment = web.get("/monitoring/?state=contacted", HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<h1>" not in body and "已联系" in body and "warning-queue" in body


def test_queue_pages(household_a: Any, clerk_a: Any,
                     django_assert_max_num_queries: Any) -> None:
    for i in range(settings.PAGE_SIZE + 3):
        raise_warning(household_a, raised_on=date(2026, 3, 1 + i % 28))
    web = client_for(clerk_a)
    with django_assert_max_num_queries(20):
        first = web.get("/monitoring/")
    assert len(first.context["rows"]) == settings.PAGE_SIZE
    assert len(web.get("/monitoring/?page=2").context["rows"]) == 3


def test_township_b_and_the_liaison(household_a: Any, clerk_b: Any, liaison: Any) -> None:
    warning = raise_warning(household_a)
    b = client_for(clerk_b)
    assert b.get(detail_url(warning)).status_code == 404
    assert b.post(action_url(warning, "contact"), {"contact-contact_note": "x"}).status_code == 404
    assert client_for(liaison).get("/monitoring/").status_code == 403
    warning.refresh_from_db()
    assert warning.state == S.OPEN


# -- one warning ----------------------------------------------------------------------------------

def offered(user: Any, warning: Warning) -> list[str]:
    response = client_for(user).get(detail_url(warning))
    assert response.status_code == 200
    return [a["name"] for a in response.context["actions"]]


def test_detail_shows_evidence_household_and_only_valid_steps(
        household_a: Any, clerk_a: Any, reviewer_a: Any, grid_a: Any, auditor: Any) -> None:
    warning = raise_warning(household_a, evidence="人社部门失业登记 2026-02-27")
    response = client_for(clerk_a).get(detail_url(warning))
    page = response.content.decode()
    assert "人社部门失业登记 2026-02-27" in page
    assert f"/households/{household_a.pk}/" in page
    person = household_a.members.get()
    assert person.id_number not in page and person.id_number[-4:] in page  # masked
    assert "系统预警" in page  # the timeline starts with the raising
    assert 'id="start-case"' in page  # the clerk may start the application (帮办)
    assert offered(clerk_a, warning) == ["contact", "no_action"]
    assert offered(grid_a, warning) == ["contact"]
    assert offered(auditor, warning) == []
    assert 'id="start-case"' not in client_for(reviewer_a).get(detail_url(warning)).content.decode()
    Warning.objects.filter(pk=warning.pk).update(state=S.CONTACTED)
    assert offered(clerk_a, warning) == ["open_case", "no_action"]
    assert offered(grid_a, warning) == []


def test_contact_then_link_the_case_from_the_page(household_a: Any, grid_a: Any,
                                                  clerk_a: Any) -> None:
    warning = raise_warning(household_a)
    case = case_for(household_a, state=CaseState.APPROVED)
    response = client_for(grid_a).post(action_url(warning, "contact"),
                                       {"contact-contact_note": "电话联系，户主同意申请低保"})
    assert response.status_code == 302 and response["Location"] == detail_url(warning)
    response = client_for(clerk_a).post(action_url(warning, "open_case"),
                                        {"open_case-case_number": case.number})
    assert response.status_code == 302
    warning.refresh_from_db()
    assert warning.state == S.CASE_OPENED and warning.case == case
    page = client_for(clerk_a).get(detail_url(warning)).content.decode()
    assert f"/cases/{case.pk}/" in page and "电话联系，户主同意申请低保" in page
    assert "转入救助申请" in page and case.number in page  # in the timeline
    assert offered(clerk_a, warning) == ["close"]


def test_bad_input_keeps_what_was_typed_beside_the_field(household_a: Any,
                                                         clerk_a: Any) -> None:
    warning = raise_warning(household_a, state=S.CONTACTED)
    response = client_for(clerk_a).post(action_url(warning, "open_case"),
                                        {"open_case-case_number": "DB2026000777"})
    assert response.status_code == 400
    form = next(a["form"] for a in response.context["actions"] if a["name"] == "open_case")
    assert form["case_number"].value() == "DB2026000777"
    assert "未找到该救助申请" in str(form.errors["case_number"])
    response = client_for(clerk_a).post(action_url(warning, "no_action"),
                                        {"no_action-no_action_reason": ""})
    assert response.status_code == 400
    form = next(a["form"] for a in response.context["actions"] if a["name"] == "no_action")
    assert "no_action_reason" in form.errors
    warning.refresh_from_db()
    assert warning.state == S.CONTACTED and warning.case is None
    assert not AuditEvent.objects.filter(object_type="monitoring.warning").exists()


def test_a_step_no_longer_open_says_why(household_a: Any, clerk_a: Any) -> None:
    warning = raise_warning(household_a, state=S.CLOSED)
    response = client_for(clerk_a).post(action_url(warning, "contact"),
                                        {"contact-contact_note": "再次联系"})
    assert response.status_code == 409
    assert "不能" in response.content.decode() and response.context["actions"] == []
    assert client_for(clerk_a).post(action_url(warning, "nonsense"), {}).status_code == 404
    assert client_for(clerk_a).get(action_url(warning, "contact")).status_code == 405


# -- the county overview --------------------------------------------------------------------------

def test_overview_per_township(household_a: Any, household_b: Any, county_admin: Any,
                               clerk_a: Any, grid_a: Any,
                               clock: Callable[[date], None]) -> None:
    clock(date(2026, 3, 20))
    raise_warning(household_a, due_on=date(2026, 3, 9))
    raise_warning(household_b, due_on=date(2026, 3, 27))
    response = client_for(county_admin).get(
        "/monitoring/overview/?start=2026-03-01&end=2026-03-31")
    assert response.status_code == 200
    page = response.content.decode()
    assert "崆峒镇" in page and "白水镇" in page
    assert [(r.open, r.overdue) for r in response.context["townships"]] == [(1, 1), (1, 0),
                                                                            (2, 1)]
    assert [r.raised for r in response.context["conversion"]] == [1, 1, 2]
    mine = client_for(clerk_a).get("/monitoring/overview/").context["townships"]
    assert len(mine) == 2 and mine[0].township.code == "620802100000"
    assert client_for(grid_a).get("/monitoring/overview/").status_code == 403
