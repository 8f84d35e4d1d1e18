"""Integrity matching: recipients vs officials' relatives and deaths; listed, never acted on."""

from __future__ import annotations

from datetime import date

import pytest

from audit.models import AuditEvent
from benefits.models import Enrollment
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.cases import household_of, staff
from jiuzhu.testing.fixtures import client_for
from verification import integrity
from verification.models import IntegrityHit, StaffRelative
from verification.tests.test_engine import _recipients
from verification.tests.test_reports import fact, source

pytestmark = pytest.mark.django_db


def _relative(id_number: str, official: str = "王主任") -> StaffRelative:
    return integrity.staff_relative_add(actor=staff("county_admin"), data=integrity.RelativeInput(
        official_name=official, official_post="社会救助股股长", organisation="崆峒区民政局",
        relative_name="亲属", relative_id_number=id_number, relation="sibling",
        region_code="620802000000"))


def test_relative_and_death_hits_never_change_enrollments(county: None) -> None:
    relative, dead, clean, former = _recipients(4)
    outsider = household_of().members.get(relation="applicant")  # applied, never enrolled
    Enrollment.objects.filter(household_id=former.household_id).update(status="ended")
    _relative(relative.id_number)
    _relative(outsider.id_number, official="李书记")
    _relative(former.id_number, official="赵主任")
    deaths = source("death", [("died_on", "死亡日期", "date", "")])
    assert deaths is not None
    fact(deaths, dead, "died_on", when=date(2026, 2, 3))
    fact(deaths, former, "died_on", when=date(2026, 1, 9))  # no longer enrolled: not a hit
    before = list(Enrollment.objects.order_by("id").values_list("id", "status"))

    result = integrity.integrity_check(actor=staff("county_admin"))
    assert (result.staff_relative, result.death) == (1, 1)
    hits = {(h.person_id, h.kind): h for h in IntegrityHit.objects.all()}
    assert set(hits) == {(relative.pk, "staff_relative"), (dead.pk, "death")}
    assert "王主任" in hits[(relative.pk, "staff_relative")].detail
    assert hits[(dead.pk, "death")].detail.startswith("2026-02-03")
    assert hits[(dead.pk, "death")].village_code == "620802100201"
    assert clean.pk not in {h.person_id for h in hits.values()}
    # Nothing is acted on: every enrollment is exactly as it was.
    assert list(Enrollment.objects.order_by("id").values_list("id", "status")) == before

    # Running again adds nothing; a dismissed hit is not raised again on the same basis.
    assert integrity.integrity_check(actor=staff("county_admin")) == integrity.CheckResult(0, 0)
    integrity.integrity_hit_review(actor=staff("county_admin"),
                                   hit_id=hits[(relative.pk, "staff_relative")].pk,
                                   status="dismissed", note="备案时已说明，经公示无异议")
    assert integrity.integrity_check(actor=staff("county_admin")) == integrity.CheckResult(0, 0)
    assert IntegrityHit.objects.count() == 2
    assert list(Enrollment.objects.order_by("id").values_list("id", "status")) == before


def test_review_needs_a_reason_and_the_county(county: None) -> None:
    person = _recipients(1)[0]
    _relative(person.id_number)
    integrity.integrity_check(actor=staff("county_admin"))
    hit = IntegrityHit.objects.get()
    with pytest.raises(ApplicationError) as err:
        integrity.integrity_hit_review(actor=staff("county_admin"), hit_id=hit.pk,
                                       status="confirmed", note=" ")
    assert err.value.field == "review_note"
    with pytest.raises(ApplicationError) as err:
        integrity.integrity_hit_review(actor=staff("clerk_a"), hit_id=hit.pk,
                                       status="confirmed", note="属实")
    assert err.value.code == "forbidden"
    response = client_for(staff("county_admin")).post(
        f"/verification/integrity/{hit.pk}/", {"status": "confirmed", "review_note": "属实，已转案件复查"})
    assert response.status_code == 302
    hit.refresh_from_db()
    assert (hit.status, hit.reviewed_by_id) == ("confirmed", staff("county_admin").pk)
    assert AuditEvent.objects.filter(action="verification.integrity_review").count() == 1
    assert Enrollment.objects.get().status == "active"


def test_only_the_county_checks_and_relative_ids_are_validated(county: None) -> None:
    with pytest.raises(ApplicationError) as err:
        integrity.integrity_check(actor=staff("clerk_a"))
    assert err.value.code == "forbidden"
    with pytest.raises(ApplicationError) as err:
        _relative("620802195803070412")  # check digit wrong
    assert err.value.field == "relative_id_number"
    assert not StaffRelative.objects.exists()


def test_clerk_cannot_see_integrity_pages(county: None) -> None:
    person = _recipients(1)[0]
    _relative(person.id_number)
    integrity.integrity_check(actor=staff("county_admin"))
    hit = IntegrityHit.objects.get()
    urls = ["/verification/integrity/", f"/verification/integrity/{hit.pk}/",
            "/verification/integrity/relatives/"]
    for user in ("clerk_a", "reviewer_a", "auditor"):
        web = client_for(staff(user))
        assert [web.get(u).status_code for u in urls] == [403, 403, 403], user
    assert web.post("/verification/integrity/").status_code == 403
    admin = client_for(staff("county_admin"))
    assert [admin.get(u).status_code for u in urls] == [200, 200, 200]
    assert person.name in admin.get("/verification/integrity/").content.decode()


def test_relatives_csv_import_all_or_nothing(county: None) -> None:
    a, b = _recipients(2)
    header = "干部姓名,职务,工作单位,亲属姓名,亲属身份证号码,关系,区划代码\n"
    good = (f"王主任,股长,崆峒区民政局,{a.name},{a.id_number},配偶,620802000000\n"
            f"李书记,村支书,大寨村委会,{b.name},{b.id_number},child,620802100000\n")
    bad = good + "赵某,主任,白水镇政府,某人,620802195803070412,配偶,620802101000\n"
    admin = staff("county_admin")
    with pytest.raises(ApplicationError) as err:
        integrity.staff_relatives_import(actor=admin, content=(header + bad).encode())
    assert "第4行" in err.value.message
    assert not StaffRelative.objects.exists()
    assert integrity.staff_relatives_import(actor=admin, content=(header + good).encode()) == (2, 0)
    assert set(StaffRelative.objects.values_list("relation", flat=True)) == {"spouse", "child"}
    assert integrity.staff_relatives_import(actor=admin,
                                            content=(header + good).encode("gb18030")) == (0, 2)
    assert AuditEvent.objects.filter(action="verification.staff_relative_import").count() == 2
