"""Case verification reports: per-item outcomes, versions, feeds, consent and scoping."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from cases.choices import CaseState
from cases.models import Case
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.cases import accepted_case, household_of, staff, surveyed
from jiuzhu.testing.fixtures import client_for
from policies.models import Department
from registry.models import AssetRecord, IncomeRecord, Person
from verification import reports
from verification.models import (
    DataSource,
    Rule,
    Snapshot,
    SnapshotStatus,
    SourceFact,
    SourceItem,
    VerificationReport,
    VerificationRun,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
PDFTOTEXT = shutil.which("pdftotext")


def source(code: str, items: list[tuple[str, str, str, str]], as_of: date | None = TODAY,
           ) -> Snapshot | None:
    """A department source with items (code, label, kind, feeds) and, unless as_of is None,
    an active snapshot of that date."""
    dept, _ = Department.objects.get_or_create(name="区大数据中心")
    src, _ = DataSource.objects.get_or_create(code=code, defaults={"name": f"{code}数据",
                                                                   "department": dept})
    for item, label, kind, feeds in items:
        SourceItem.objects.get_or_create(source=src, code=item, defaults={
            "label": label, "column": label, "kind": kind, "feeds": feeds})
    if as_of is None:
        return None
    return Snapshot.objects.create(source=src, as_of=as_of, status=SnapshotStatus.ACTIVE)


def fact(snapshot: Snapshot, person: Person, item: str, value: str | None = None,
         when: date | None = None) -> None:
    SourceFact.objects.create(snapshot=snapshot, source=snapshot.source,
                              id_number=person.id_number, item=item,
                              value_num=Decimal(value) if value else None, value_date=when)


@pytest.fixture
def only_test_sources(county: None) -> None:
    # Seeded department sources (if any) would add rows to every report; these tests set their own.
    DataSource.objects.update(active=False)


def _verifying() -> Case:
    case = surveyed(accepted_case(household_of()))
    assert case.state == CaseState.VERIFYING
    return case


def _members(case: Case) -> list[Person]:
    return list(case.household.members.order_by("id"))


def _setup(case: Case) -> tuple[Snapshot, Snapshot]:
    """vehicles: fresh; pensions: stale (400 days); deaths: no snapshot at all."""
    applicant, second, _third = _members(case)
    vehicles = source("vehicles", [("vehicle_value", "车辆价值", "amount", "asset:vehicle")])
    pensions = source("pensions", [("pension", "养老金月领取额", "amount", "income:pension")],
                      as_of=TODAY - timedelta(days=400))
    source("death", [("died_on", "死亡日期", "date", "")], as_of=None)
    assert vehicles is not None and pensions is not None
    fact(vehicles, applicant, "vehicle_value", "85000")
    fact(pensions, second, "pension", "1200")
    return vehicles, pensions


def _outcome(report: VerificationReport, person: Person, src: str, item: str) -> dict:
    [entry] = [e for e in report.items
               if e["person"] == person.pk and e["source"] == src and e["item"] == item]
    return entry


def test_outcomes_hit_no_record_and_cannot_determine(only_test_sources: None) -> None:
    case = _verifying()
    _setup(case)
    applicant, second, third = _members(case)
    report = reports.case_verify(actor=staff("county_admin"), case_id=case.pk)

    hit = _outcome(report, applicant, "vehicles", "vehicle_value")
    assert hit["outcome"] == "hit"
    assert hit["values"] == [{"value": "85000.00", "as_of": TODAY.isoformat(), "consequence": ""}]
    # The vehicle register is fresh: nothing there for the others is a real "no record".
    assert _outcome(report, second, "vehicles", "vehicle_value")["outcome"] == "no_record"
    # The pension extract is stale: it still shows what it has, but cannot vouch for "none".
    assert _outcome(report, second, "pensions", "pension")["outcome"] == "hit"
    assert _outcome(report, third, "pensions", "pension")["outcome"] == "cannot_determine"
    # No death register at all: cannot determine for everyone, never "no record".
    assert {_outcome(report, p, "death", "died_on")["outcome"] for p in _members(case)} == {
        "cannot_determine"}
    assert report.summary | {"suggested": ""} == {
        "members": 3, "hit": 2, "no_record": 2, "cannot_determine": 5, "review": 0,
        "ineligible": 0, "suspend": 0, "suggested": ""}
    assert report.sources["pensions"]["status"] == "stale"
    assert report.sources["pensions"]["as_of"] == (TODAY - timedelta(days=400)).isoformat()
    assert report.sources["death"] == {"name": "death数据", "as_of": "", "status": "missing"}
    # The county confirms on the 出具核对结果 page: the case has not moved on by itself.
    case.refresh_from_db()
    assert case.state == CaseState.VERIFYING
    assert case.verifications.get().result == ""
    assert AuditEvent.objects.filter(action="verification.report_issue",
                                     object_id=str(report.pk)).count() == 1


def test_rules_suggest_the_result_and_prefill_the_confirmation(only_test_sources: None) -> None:
    case = _verifying()
    _setup(case)
    admin = staff("county_admin")
    Rule.objects.create(source_id="vehicles", item="vehicle_value", operator="gt",
                        threshold=Decimal("50000"), consequence="ineligible", note="超过家庭财产限额")
    report = reports.case_verify(actor=admin, case_id=case.pk)
    assert report.summary["suggested"] == "fail"
    assert [(r["item"], r["consequence"], r["value"]) for r in report.rules] == [
        ("vehicle_value", "ineligible", "85000.00")]
    page = client_for(admin).get(f"/cases/{case.pk}/verification/").content.decode()
    assert 'id="latest-report"' in page and "无法确定 5 项" in page
    assert '<option value="fail" selected>' in page
    assert "车辆价值 85000.00" in page and "不能视为无收入、无财产" in page
    # Confirming is still the county's own step, through the existing service.
    response = client_for(admin).post(f"/cases/{case.pk}/verification/",
                                      {"result": "fail", "summary": "名下有车辆"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == CaseState.TOWNSHIP_OPINION


def test_review_suggests_explain_and_clean_suggests_pass(only_test_sources: None) -> None:
    case = _verifying()
    snapshot = source("business", [("registered", "工商登记", "flag", "")])
    assert snapshot is not None
    first = reports.case_verify(actor=staff("county_admin"), case_id=case.pk)
    assert first.summary["suggested"] == "pass" and first.summary["no_record"] == 3
    fact(snapshot, _members(case)[0], "registered")
    Rule.objects.create(source_id="business", item="registered", operator="present",
                        consequence="review")
    second = reports.case_verify(actor=staff("county_admin"), case_id=case.pk)
    assert second.summary["suggested"] == "explain" and second.summary["review"] == 1


def test_versions_increment_and_an_issued_report_cannot_change(only_test_sources: None) -> None:
    case = _verifying()
    vehicles, _pensions = _setup(case)
    admin = staff("county_admin")
    first = reports.case_verify(actor=admin, case_id=case.pk)
    fact(vehicles, _members(case)[1], "vehicle_value", "30000")
    second = reports.case_verify(actor=admin, case_id=case.pk)
    assert (first.version, second.version) == (1, 2)
    assert first.run_id != second.run_id
    assert (first.summary["hit"], second.summary["hit"]) == (2, 3)
    first.summary = {"hit": 0}
    with pytest.raises(TypeError):
        first.save()
    with pytest.raises(TypeError):
        VerificationReport.objects.filter(pk=first.pk).update(summary={})
    with pytest.raises(TypeError):
        first.delete()
    assert VerificationReport.objects.get(pk=first.pk).summary["hit"] == 2


def test_hits_feed_the_registry_once(only_test_sources: None) -> None:
    case = _verifying()
    _setup(case)
    applicant, second, _third = _members(case)
    admin = staff("county_admin")
    first = reports.case_verify(actor=admin, case_id=case.pk)
    asset = AssetRecord.objects.get(source="verification")
    assert (asset.owner_id, asset.asset_type, asset.value) == (applicant.pk, "vehicle",
                                                               Decimal("85000.00"))
    income = IncomeRecord.objects.get(source="verification")
    assert (income.person_id, income.income_type, income.monthly_amount) == (
        second.pk, "pension", Decimal("1200.00"))
    assert _outcome(first, applicant, "vehicles", "vehicle_value")["fed"] == [
        {"kind": "asset", "record": asset.pk, "new": True}]
    again = reports.case_verify(actor=admin, case_id=case.pk)
    assert AssetRecord.objects.filter(source="verification").count() == 1
    assert IncomeRecord.objects.filter(source="verification").count() == 1
    assert _outcome(again, second, "pensions", "pension")["fed"] == [
        {"kind": "income", "record": income.pk, "new": False}]


def test_no_consent_no_verification_and_nothing_created(only_test_sources: None) -> None:
    case = _verifying()
    _setup(case)
    Case.objects.filter(pk=case.pk).update(consent_signed_on=None)
    with pytest.raises(ApplicationError) as err:
        reports.case_verify(actor=staff("county_admin"), case_id=case.pk)
    assert err.value.field == "consent_signed_on"
    assert not VerificationRun.objects.exists()
    assert not VerificationReport.objects.exists()
    assert not AssetRecord.objects.filter(source="verification").exists()
    assert not IncomeRecord.objects.filter(source="verification").exists()


def test_only_the_county_admin_starts_a_case_verification(only_test_sources: None) -> None:
    case = _verifying()
    for who in ("clerk_a", "reviewer_a"):
        with pytest.raises(ApplicationError) as err:
            reports.case_verify(actor=staff(who), case_id=case.pk)
        assert err.value.code == "forbidden"
    assert client_for(staff("clerk_a")).post(f"/verification/cases/{case.pk}/verify/").status_code \
        == 403
    assert not VerificationRun.objects.exists()
    # And only while the case is in 经济状况核对.
    early = accepted_case(household_of())
    with pytest.raises(ApplicationError) as err:
        reports.case_verify(actor=staff("county_admin"), case_id=early.pk)
    assert err.value.code == "transition"


def test_case_page_button_verify_and_report_list(only_test_sources: None) -> None:
    case = _verifying()
    _setup(case)
    admin = client_for(staff("county_admin"))
    page = admin.get(f"/cases/{case.pk}/").content.decode()
    assert f'href="/verification/cases/{case.pk}/verify/"' in page
    assert "发起核对（部门数据比对）" in page and 'id="case-reports"' not in page
    assert "发起核对" not in client_for(staff("clerk_a")).get(f"/cases/{case.pk}/").content.decode()
    confirm = admin.get(f"/verification/cases/{case.pk}/verify/").content.decode()
    assert "pensions数据" in confirm and "已过期" in confirm
    response = admin.post(f"/verification/cases/{case.pk}/verify/")
    report = VerificationReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/verification/reports/{report.pk}/"
    page = admin.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="case-reports"' in page and f"/verification/reports/{report.pk}/" in page


def test_report_page_is_scoped_and_masks_for_grid_workers(only_test_sources: None) -> None:
    case = _verifying()
    _setup(case)
    report = reports.case_verify(actor=staff("county_admin"), case_id=case.pk)
    applicant = _members(case)[0]
    for url in (f"/verification/reports/{report.pk}/", f"/verification/reports/{report.pk}/pdf/"):
        assert client_for(staff("clerk_b")).get(url).status_code == 404
    page = client_for(staff("clerk_a")).get(f"/verification/reports/{report.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert applicant.id_number in text and "命中" in text and "无记录" in text
    assert "无法确定" in text and (TODAY - timedelta(days=400)).isoformat() in text
    masked = client_for(staff("grid_a")).get(f"/verification/reports/{report.pk}/").content.decode()
    assert applicant.id_number not in masked
    assert applicant.id_number[:6] + "********" + applicant.id_number[-4:] in masked


def test_report_pdf_has_the_outcomes(only_test_sources: None) -> None:
    case = _verifying()
    _setup(case)
    report = reports.case_verify(actor=staff("county_admin"), case_id=case.pk)
    response = client_for(staff("county_admin")).get(f"/verification/reports/{report.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if PDFTOTEXT is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed")
    text = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", "-", "-"],  # noqa: S603
                          input=response.content, capture_output=True,
                          check=True).stdout.decode().replace(" ", "")
    assert "家庭经济状况核对报告" in text and case.number in text
    assert "85000.00" in text and "无法确定" in text and "无记录" in text
