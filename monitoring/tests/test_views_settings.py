"""Settings pages: rules (county), monitored households (township and county), runs and the
"run now" button."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from types import ModuleType
from typing import Any

import pytest

from audit.models import AuditEvent
from demo.reference import COUNTY, TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.fixtures import client_for
from monitoring.models import LowIncomeKind, MonitoredHousehold, MonitoringRun, WarningRule

from .warning_data import clock_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    return clock_for(monkeypatch)
ENGINE = "monitoring.services.runs"


# -- rules ----------------------------------------------------------------------------------------

def rule_post(**fields: Any) -> dict[str, Any]:
    return {"code": "medical_expense", "region": "", "enabled": "on", "threshold": "20000",
            "lookback_days": "365", "note": ""} | fields


def test_rule_pages_are_the_county_admins(county_admin: Any, clerk_a: Any,
                                          auditor: Any) -> None:
    web = client_for(county_admin)
    assert web.post("/monitoring/rules/edit/", rule_post()).status_code == 302
    assert web.post("/monitoring/rules/edit/", rule_post(region=TOWNSHIP_A, enabled="",
                                                         threshold="")).status_code == 302
    page = web.get("/monitoring/rules/").content.decode()
    assert "20000.00" in page and "崆峒镇" in page and "删除乡镇设置" in page
    assert "预警线（元）" in page  # what the medical rule's threshold means
    override = WarningRule.objects.get(region_id=TOWNSHIP_A)
    assert not override.enabled and override.threshold is None
    # The edit page shows the row's current values.
    form = web.get(f"/monitoring/rules/edit/?code=medical_expense&region={TOWNSHIP_A}"
                   ).context["form"]
    assert form.initial["enabled"] is False and form.initial["lookback_days"] == 365
    assert web.post("/monitoring/rules/clear/", {"code": "medical_expense",
                                                 "region": TOWNSHIP_A}).status_code == 302
    assert not WarningRule.objects.filter(region_id=TOWNSHIP_A).exists()
    # The auditor reads; a township clerk has no business here.
    read = client_for(auditor).get("/monitoring/rules/")
    assert read.status_code == 200 and "删除乡镇设置" not in read.content.decode()
    assert client_for(auditor).post("/monitoring/rules/edit/", rule_post()).status_code == 403
    assert client_for(clerk_a).get("/monitoring/rules/").status_code == 403


def test_bad_rule_input_is_kept_beside_its_field(county_admin: Any) -> None:
    response = client_for(county_admin).post("/monitoring/rules/edit/",
                                              rule_post(lookback_days="731", threshold="-5"))
    assert response.status_code == 400
    form = response.context["form"]
    assert "threshold" in form.errors  # the first broken rule is reported
    assert form["lookback_days"].value() == "731" and form["threshold"].value() == "-5"
    response = client_for(county_admin).post("/monitoring/rules/edit/",
                                              rule_post(lookback_days="0"))
    assert "lookback_days" in response.context["form"].errors
    assert not WarningRule.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="monitoring.rule").exists()


# -- monitored households -------------------------------------------------------------------------

def test_register_list_and_end_a_household(household_a: Any, household_b: Any, clerk_a: Any,
                                           clerk_b: Any, grid_a: Any,
                                           clock: Callable[[date], None]) -> None:
    clock(date(2026, 6, 30))
    web = client_for(clerk_a)
    form_page = web.get(f"/monitoring/households/new/?household={household_a.pk}")
    assert form_page.context["form"].initial["household"] == str(household_a.pk)
    response = web.post("/monitoring/households/new/", {
        "household": household_a.pk, "kind": LowIncomeKind.RETURN_RISK, "since": "2026-06-01",
        "reason": "防返贫监测对象名单（2026年二季度）"})
    assert response.status_code == 302
    page = web.get("/monitoring/households/").content.decode()
    assert "防止返贫监测对象" in page and f"/monitoring/households/{household_a.pk}/end/" in page
    # The grid worker reads the village's list but does not register or end.
    assert client_for(grid_a).get("/monitoring/households/").status_code == 200
    assert client_for(grid_a).get("/monitoring/households/new/").status_code == 403
    # Township B neither sees nor ends it.
    assert "防返贫监测对象名单" not in client_for(clerk_b).get(
        "/monitoring/households/").content.decode()
    end_url = f"/monitoring/households/{household_a.pk}/end/"
    assert client_for(clerk_b).get(end_url).status_code == 404
    assert client_for(clerk_b).post(end_url, {"until": "2026-06-30",
                                              "reason": "x"}).status_code == 404
    response = web.post(end_url, {"until": "2026-06-30", "reason": "家庭收入已稳定"})
    assert response.status_code == 302
    assert MonitoredHousehold.objects.get().until == date(2026, 6, 30)
    assert web.get(end_url).status_code == 404  # nothing open to end any more
    ended = web.get("/monitoring/households/?status=ended").context["rows"]
    assert [row.household_id for row, _applicant in ended] == [household_a.pk]
    assert web.get("/monitoring/households/").context["rows"] == []


def test_bad_registration_keeps_input(household_a: Any, household_b: Any, clerk_a: Any) -> None:
    response = client_for(clerk_a).post("/monitoring/households/new/", {
        "household": household_b.pk, "kind": LowIncomeKind.EDGE, "since": "2026-03-01",
        "reason": "低保边缘"})
    assert response.status_code == 400
    form = response.context["form"]
    assert "未找到该家庭" in str(form.errors["household"])
    assert form["reason"].value() == "低保边缘"
    response = client_for(clerk_a).post("/monitoring/households/new/", {
        "household": household_a.pk, "kind": LowIncomeKind.EDGE, "since": "2026-03-01",
        "reason": ""})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    assert not MonitoredHousehold.objects.exists()


# -- runs -----------------------------------------------------------------------------------------

def make_run(region: str) -> MonitoringRun:
    return MonitoringRun.objects.create(region_code=region, on_date=date(2026, 3, 2),
                                        raised={"job_loss": 3, "medical_expense": 1})


def test_runs_are_read_by_their_region_and_below(clerk_a: Any, clerk_b: Any,
                                                 county_admin: Any) -> None:
    county_run, run_a, run_b = make_run(COUNTY[0]), make_run(TOWNSHIP_A), make_run(TOWNSHIP_B)
    listed = {r.pk for r in client_for(clerk_a).get("/monitoring/runs/").context["page_obj"]}
    assert listed == {county_run.pk, run_a.pk}
    assert client_for(clerk_b).get(f"/monitoring/runs/{run_a.pk}/").status_code == 404
    detail = client_for(clerk_a).get(f"/monitoring/runs/{run_a.pk}/")
    assert detail.status_code == 200
    assert detail.context["counts"] == [("medical_expense", "大额医疗支出", 1),
                                         ("job_loss", "失业", 3)]
    every = {r.pk for r in client_for(county_admin).get("/monitoring/runs/").context["page_obj"]}
    assert every == {county_run.pk, run_a.pk, run_b.pk}


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """A stand-in for monitoring.services.runs (built by another area): records its calls."""
    calls: list[dict[str, Any]] = []

    def monitoring_run(*, actor: Any, region_code: str, on_date: date) -> MonitoringRun:
        calls.append({"actor": actor, "region_code": region_code, "on_date": on_date})
        if MonitoringRun.objects.filter(region_code=region_code, on_date=on_date).exists():
            raise ApplicationError("今天已运行过")
        return MonitoringRun.objects.create(region_code=region_code, on_date=on_date,
                                            started_by=actor)

    module = ModuleType(ENGINE)
    module.monitoring_run = monitoring_run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, ENGINE, module)
    return calls


def test_run_now(engine: list[dict[str, Any]], county_admin: Any, clerk_a: Any,
                 reviewer_a: Any, clock: Callable[[date], None]) -> None:
    clock(date(2026, 3, 2))
    response = client_for(county_admin).post("/monitoring/runs/", {"region": COUNTY[0]})
    run = MonitoringRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/monitoring/runs/{run.pk}/"
    assert engine == [{"actor": county_admin, "region_code": COUNTY[0],
                       "on_date": date(2026, 3, 2)}]
    # A township clerk runs their own township only; the reviewer reads.
    assert client_for(clerk_a).post("/monitoring/runs/",
                                    {"region": TOWNSHIP_A}).status_code == 302
    refused = client_for(clerk_a).post("/monitoring/runs/", {"region": COUNTY[0]})
    assert refused.status_code == 400 and "region" in refused.context["form"].errors
    assert client_for(clerk_a).post("/monitoring/runs/",
                                    {"region": TOWNSHIP_B}).status_code == 400
    assert client_for(reviewer_a).post("/monitoring/runs/",
                                       {"region": TOWNSHIP_A}).status_code == 403
    assert [c["region_code"] for c in engine] == [COUNTY[0], TOWNSHIP_A]
    # The engine's own refusal is shown on the page.
    again = client_for(county_admin).post("/monitoring/runs/", {"region": COUNTY[0]})
    assert again.status_code == 400 and "今天已运行过" in again.content.decode()
    page = client_for(reviewer_a).get("/monitoring/runs/").content.decode()
    assert 'id="run-now"' not in page


def test_run_now_before_the_engine_is_there(monkeypatch: pytest.MonkeyPatch,
                                            county_admin: Any) -> None:
    monkeypatch.setitem(sys.modules, ENGINE, None)  # makes the import fail
    response = client_for(county_admin).post("/monitoring/runs/", {"region": COUNTY[0]})
    assert response.status_code == 400 and "监测引擎尚未部署" in response.content.decode()
    assert not MonitoringRun.objects.exists()


def test_a_failed_run_is_reported_not_an_error_page(monkeypatch: pytest.MonkeyPatch,
                                                    county_admin: Any) -> None:
    def monitoring_run(*, actor: Any, region_code: str, on_date: date) -> MonitoringRun:
        MonitoringRun.objects.create(region_code=region_code, on_date=on_date,
                                     status="failed", error="缺少参数 warning.action_days")
        raise RuntimeError("缺少参数 warning.action_days")

    module = ModuleType(ENGINE)
    module.monitoring_run = monitoring_run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, ENGINE, module)
    web = client_for(county_admin)
    response = web.post("/monitoring/runs/", {"region": COUNTY[0]})
    assert response.status_code == 302 and response["Location"] == "/monitoring/runs/"
    page = web.get("/monitoring/runs/").content.decode()
    assert "监测运行失败" in page and "缺少参数 warning.action_days" in page
