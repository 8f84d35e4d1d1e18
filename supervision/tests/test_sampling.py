"""Sampling checks (抽查核查): the draw, its reproducibility, one round per quarter, findings
feeding the problem list, and the accuracy rate per township."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from benefits.models import Enrollment, EnrollmentStatus
from demo.reference import COUNTY, TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.factories import household_with_applicant
from jiuzhu.testing.fixtures import client_for
from policies.models import Parameter, ValueType
from supervision.models import (
    Finding,
    ItemSource,
    LedgerItem,
    ListKind,
    SampleCheck,
    SamplingRound,
)
from supervision.selectors.sampling import (
    accuracy_by_township,
    quarter_bounds,
    quarter_of,
    quarters_between,
)
from supervision.services import sampling as services
from supervision.services.sampling import draw, sample_size

pytestmark = pytest.mark.django_db

COUNTY_CODE = COUNTY[0]
TOWNSHIP_C = "620802102000"  # 花所镇
VILLAGE_A, VILLAGE_B, VILLAGE_C = "620802100201", "620802101201", "620802102201"


def period() -> str:
    return quarter_of(timezone.localdate())


def recipients(village: str, n: int, **fields: Any) -> list[Enrollment]:
    return [enrolled(household_with_applicant(village), account=False, **fields)
            for _ in range(n)]


def set_rate(code: str, rate: str) -> None:
    Parameter.objects.create(key="supervision.sample_rate", region_id=code, value=rate,
                             value_type=ValueType.DECIMAL, effective_from=date(2026, 1, 1))


def drawn_ids(round_: SamplingRound, township: str = "") -> set[int]:
    checks = round_.checks.filter(enrollment__isnull=False, village_code__startswith=township[:9])
    return set(checks.values_list("enrollment_id", flat=True))


@pytest.fixture
def population(county_admin: Any) -> dict[str, list[Enrollment]]:
    """41 active recipients in township A (plus some that are not active), 5 in B, 10 in C."""
    a = recipients(VILLAGE_A, 41)
    recipients(VILLAGE_A, 2, status=EnrollmentStatus.SUSPENDED)
    recipients(VILLAGE_A, 1, status=EnrollmentStatus.ENDED)
    recipients(VILLAGE_A, 1, one_off=True)
    return {"a": a, "b": recipients(VILLAGE_B, 5), "c": recipients(VILLAGE_C, 10)}


def county_round(actor: Any, seed: str = "seed-1", **kwargs: Any) -> SamplingRound:
    return services.sampling_round_create(actor=actor, region_code=COUNTY_CODE, period=period(),
                                          seed=seed, **kwargs)


# -- quarters --------------------------------------------------------------------------------------

def test_quarter_labels() -> None:
    assert quarter_bounds("2026Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    assert quarter_bounds("2026Q1") == (date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_bounds("2026Q5") is None and quarter_bounds("26Q1") is None
    assert quarter_of(date(2026, 5, 31)) == "2026Q2"
    assert quarters_between(date(2025, 11, 1), date(2026, 4, 1)) == ["2025Q4", "2026Q1", "2026Q2"]


# -- the draw --------------------------------------------------------------------------------------

def test_sample_size_rounds_up_and_gives_at_least_one() -> None:
    assert sample_size(41, Decimal("0.05")) == 3  # 2.05 → 3
    assert sample_size(40, Decimal("0.05")) == 2
    assert sample_size(5, Decimal("0.05")) == 1  # 0.25 → 1
    assert sample_size(0, Decimal("0.05")) == 0


def test_round_draws_each_townships_share(population: Any, county_admin: Any) -> None:
    set_rate(TOWNSHIP_C, "0.25")  # a township may be sampled more closely: 10 × 0.25 → 3
    round_ = county_round(county_admin)
    assert len(drawn_ids(round_, TOWNSHIP_A)) == 3
    assert len(drawn_ids(round_, TOWNSHIP_B)) == 1
    assert len(drawn_ids(round_, TOWNSHIP_C)) == 3
    assert round_.checks.count() == 7
    assert round_.rate == Decimal("0.05") and round_.seed == "seed-1"
    assert round_.strata[TOWNSHIP_A] == {"active": 41, "rate": "0.05", "drawn": 3}
    assert round_.strata[TOWNSHIP_C] == {"active": 10, "rate": "0.25", "drawn": 3}
    assert round_.strata["620802103000"] == {"active": 0, "rate": "0.05", "drawn": 0}
    assert set(round_.checks.values_list("finding", flat=True)) == {Finding.PENDING}
    check = round_.checks.select_related("enrollment").first()
    assert check is not None and check.enrollment is not None
    assert (check.household_id, check.village_code) == (
        check.enrollment.household_id, check.enrollment.village_id)
    event = AuditEvent.objects.get(action="sampling.round_create")
    assert (event.after or {})["drawn"] == 7 and event.actor == county_admin


def test_only_active_ongoing_enrollments_are_ever_drawn(population: Any,
                                                        county_admin: Any) -> None:
    set_rate(TOWNSHIP_A, "1")  # everything there is to draw
    round_ = services.sampling_round_create(actor=county_admin, region_code=TOWNSHIP_A,
                                            period=period())
    assert drawn_ids(round_) == {e.pk for e in population["a"]}


def test_the_same_seed_draws_the_same_sample(population: Any, county_admin: Any) -> None:
    round_ = county_round(county_admin, seed="公开抽签-2026")
    first = drawn_ids(round_)
    assert draw("公开抽签-2026", TOWNSHIP_A, 3) == draw("公开抽签-2026", TOWNSHIP_A, 3)
    # Re-run the whole round from scratch with the stored seed: the same households.
    SampleCheck.objects.all().delete()
    SamplingRound.objects.all().delete()
    again = county_round(county_admin, seed=round_.seed)
    assert drawn_ids(again) == first
    # Another seed draws another sample.
    other = {e for e, _h, _v in draw("another", TOWNSHIP_A, 3)}
    assert other != drawn_ids(again, TOWNSHIP_A)


def test_the_draw_is_md5_of_seed_and_id_so_anyone_can_recompute_it(population: Any) -> None:
    ids = [e.pk for e in population["a"]]
    expected = sorted(ids, key=lambda pk: (hashlib.md5(f"s:{pk}".encode()).hexdigest(), pk))  # noqa: S324
    assert [e for e, _h, _v in draw("s", TOWNSHIP_A, 5)] == expected[:5]


def test_a_random_seed_is_stored_when_none_is_given(population: Any, county_admin: Any) -> None:
    round_ = county_round(county_admin, seed="")
    assert len(round_.seed) == 16 and drawn_ids(round_)


def test_one_round_per_region_and_quarter(population: Any, county_admin: Any) -> None:
    county_round(county_admin)
    for region in (COUNTY_CODE, TOWNSHIP_A):  # the same region, or one inside it
        with pytest.raises(ApplicationError) as err:
            services.sampling_round_create(actor=county_admin, region_code=region,
                                           period=period())
        assert err.value.code == "duplicate" and err.value.field == "period"
    assert SamplingRound.objects.count() == 1 and SampleCheck.objects.count() == 3 + 1 + 1


def test_a_township_round_blocks_a_county_round_of_the_quarter(population: Any,
                                                               county_admin: Any) -> None:
    services.sampling_round_create(actor=county_admin, region_code=TOWNSHIP_B, period=period())
    with pytest.raises(ApplicationError):
        county_round(county_admin)
    # Another township, or the same one in another quarter, is fine.
    services.sampling_round_create(actor=county_admin, region_code=TOWNSHIP_A, period=period())
    services.sampling_round_create(actor=county_admin, region_code=TOWNSHIP_B, period="2026Q1")
    assert SamplingRound.objects.count() == 3


@pytest.mark.parametrize(("field", "kwargs"), [
    ("period", {"period": "2026Q5"}),
    ("period", {"period": "Q4 2026"}),
    ("period", {"period": "2999Q1"}),  # a quarter that has not begun
    ("region", {"region_code": "620802100201"}),  # a village
    ("region", {"region_code": "620902000000"}),  # another county
    ("seed", {"seed": "x" * 33}),
])
def test_bad_input_draws_nothing(population: Any, county_admin: Any, field: str,
                                 kwargs: dict[str, str]) -> None:
    args = {"region_code": COUNTY_CODE, "period": period(), "seed": ""} | kwargs
    with pytest.raises(ApplicationError) as err:
        services.sampling_round_create(actor=county_admin, **args)
    assert err.value.field == field
    assert not SamplingRound.objects.exists() and not SampleCheck.objects.exists()


def test_a_bad_rate_parameter_draws_nothing(population: Any, county_admin: Any) -> None:
    set_rate(TOWNSHIP_B, "1.5")
    with pytest.raises(ApplicationError) as err:
        county_round(county_admin)
    assert err.value.code == "config"
    assert not SamplingRound.objects.exists() and not SampleCheck.objects.exists()


def test_townships_do_not_sample_themselves(population: Any, clerk_a: Any,
                                            reviewer_a: Any) -> None:
    for user in (clerk_a, reviewer_a):
        with pytest.raises(ApplicationError) as err:
            services.sampling_round_create(actor=user, region_code=TOWNSHIP_A, period=period())
        assert err.value.code == "forbidden"
    assert not SamplingRound.objects.exists()


# -- findings and the problem list -----------------------------------------------------------------

@pytest.fixture
def round_a(population: Any, county_admin: Any) -> SamplingRound:
    set_rate(TOWNSHIP_A, "0.1")  # 41 × 0.1 → 5 checks in township A
    return services.sampling_round_create(actor=county_admin, region_code=TOWNSHIP_A,
                                          period=period(), seed="a")


def checks_of(round_: SamplingRound) -> list[SampleCheck]:
    return list(round_.checks.order_by("id"))


def record(check: SampleCheck, finding: str, note: str = "", actor: Any = None) -> SampleCheck:
    from jiuzhu.testing.cases import staff

    return services.sample_check_record(actor=actor or staff("county_admin"), check_id=check.pk,
                                        finding=finding, note=note)


def test_a_wrong_finding_opens_a_problem_list_item(round_a: SamplingRound,
                                                   county_admin: Any) -> None:
    check = checks_of(round_a)[0]
    record(check, Finding.WRONG_AMOUNT, "人口变动未调整金额，多发120元/月")
    check.refresh_from_db()
    assert check.finding == Finding.WRONG_AMOUNT and check.checked_by == county_admin
    item = LedgerItem.objects.get()
    assert (item.list_kind, item.source, item.sample_check_id, item.region_id) == (
        ListKind.PROBLEM, ItemSource.SAMPLING, check.pk, TOWNSHIP_A)
    assert "金额有误" in item.title and item.description == "人口变动未调整金额，多发120元/月"
    assert AuditEvent.objects.filter(action="sampling.check_record",
                                     object_id=str(check.pk)).exists()


def test_a_correct_finding_opens_nothing(round_a: SamplingRound) -> None:
    record(checks_of(round_a)[0], Finding.CORRECT)
    assert not LedgerItem.objects.exists()


def test_the_finding_and_its_ledger_item_land_together(round_a: SamplingRound,
                                                       monkeypatch: Any) -> None:
    def refuse(**kwargs: Any) -> None:
        raise ApplicationError("台账暂不可用")

    monkeypatch.setattr(services, "ledger_item_create", refuse)
    check = checks_of(round_a)[0]
    with pytest.raises(ApplicationError):
        record(check, Finding.INELIGIBLE, "家庭有经营性车辆")
    check.refresh_from_db()
    assert check.finding == Finding.PENDING and check.note == "" and check.checked_at is None


@pytest.mark.parametrize(("finding", "note", "field"), [
    (Finding.WRONG_AMOUNT, "  ", "note"),  # a finding that is not "correct" needs the facts
    (Finding.MISSING, "漏保", "finding"),  # added as a household, never on a drawn enrollment
    (Finding.PENDING, "", "finding"),
    ("nonsense", "", "finding"),
    (Finding.INELIGIBLE, "x" * 501, "note"),
])
def test_bad_findings_change_nothing(round_a: SamplingRound, finding: str, note: str,
                                     field: str) -> None:
    check = checks_of(round_a)[0]
    with pytest.raises(ApplicationError) as err:
        record(check, finding, note)
    assert err.value.field == field
    check.refresh_from_db()
    assert check.finding == Finding.PENDING and not LedgerItem.objects.exists()


def test_a_finding_is_final(round_a: SamplingRound) -> None:
    check = record(checks_of(round_a)[0], Finding.CORRECT)
    with pytest.raises(ApplicationError) as err:
        record(check, Finding.INELIGIBLE, "改判")
    assert err.value.code == "transition"
    check.refresh_from_db()
    assert check.finding == Finding.CORRECT and not LedgerItem.objects.exists()


def test_townships_do_not_record_their_own_findings(round_a: SamplingRound, clerk_a: Any) -> None:
    check = checks_of(round_a)[0]
    with pytest.raises(ApplicationError) as err:
        record(check, Finding.CORRECT, actor=clerk_a)
    assert err.value.code == "forbidden"
    check.refresh_from_db()
    assert check.finding == Finding.PENDING


# -- 应保未保 ----------------------------------------------------------------------------------------

def test_a_missing_household_is_added_and_goes_to_the_ledger(round_a: SamplingRound,
                                                             county_admin: Any) -> None:
    household = household_with_applicant(VILLAGE_A, name="王漏保")
    id_number = household.members.get().id_number
    check = services.sample_missing_add(actor=county_admin, round_id=round_a.pk,
                                        id_number=id_number.lower(), note="独居老人，无收入")
    assert (check.finding, check.enrollment_id, check.household_id) == (
        Finding.MISSING, None, household.pk)
    item = LedgerItem.objects.get()
    assert item.sample_check_id == check.pk and "应保未保" in item.title
    with pytest.raises(ApplicationError) as err:
        services.sample_missing_add(actor=county_admin, round_id=round_a.pk,
                                    id_number=id_number, note="再次登记")
    assert err.value.code == "duplicate"
    assert round_a.checks.filter(finding=Finding.MISSING).count() == 1


@pytest.mark.parametrize("who", ["recipient", "other_township", "unknown", "malformed"])
def test_missing_household_bad_input_changes_nothing(round_a: SamplingRound, county_admin: Any,
                                                     population: Any, who: str) -> None:
    id_numbers = {
        "recipient": population["a"][0].household.members.get().id_number,
        "other_township": household_with_applicant(VILLAGE_B).members.get().id_number,
        "unknown": "620802197001010011",
        "malformed": "12345",
    }
    before = SampleCheck.objects.count()
    with pytest.raises(ApplicationError) as err:
        services.sample_missing_add(actor=county_admin, round_id=round_a.pk,
                                    id_number=id_numbers[who], note="应保未保")
    assert err.value.field == "id_number"
    assert SampleCheck.objects.count() == before and not LedgerItem.objects.exists()


def test_missing_household_needs_the_facts(round_a: SamplingRound, county_admin: Any) -> None:
    id_number = household_with_applicant(VILLAGE_A).members.get().id_number
    with pytest.raises(ApplicationError) as err:
        services.sample_missing_add(actor=county_admin, round_id=round_a.pk,
                                    id_number=id_number, note="")
    assert err.value.field == "note" and not round_a.checks.filter(
        finding=Finding.MISSING).exists()


# -- accuracy rate -----------------------------------------------------------------------------------

def test_accuracy_rate_per_township(population: Any, county_admin: Any, clerk_a: Any) -> None:
    set_rate(TOWNSHIP_A, "0.1")  # 5 checks in A; 1 in B; 1 in C
    round_ = county_round(county_admin)
    a = list(round_.checks.filter(village_code__startswith=TOWNSHIP_A[:9]).order_by("id"))
    for check, finding in zip(a, [Finding.CORRECT, Finding.CORRECT, Finding.INELIGIBLE,
                                  Finding.WRONG_AMOUNT], strict=False):
        record(check, finding, "" if finding == Finding.CORRECT else "不符")  # a[4] pending
    record(round_.checks.get(village_code__startswith=TOWNSHIP_B[:9]), Finding.CORRECT)
    services.sample_missing_add(
        actor=county_admin, round_id=round_.pk, note="应保未保",
        id_number=household_with_applicant(VILLAGE_A).members.get().id_number)

    rows = {r.township.code: r for r in accuracy_by_township(county_admin, round_)}
    a_row = rows[TOWNSHIP_A].accuracy
    assert (a_row.drawn, a_row.checked, a_row.correct, a_row.wrong_amount, a_row.ineligible,
            a_row.pending, a_row.missing) == (5, 4, 2, 1, 1, 1, 1)
    assert a_row.rate == Decimal("0.5") and a_row.rate_percent == Decimal("50.00")
    assert rows[TOWNSHIP_A].active == 41 and rows[TOWNSHIP_A].sample_rate == Decimal("0.1")
    assert rows[TOWNSHIP_B].accuracy.rate == 1
    assert rows[TOWNSHIP_C].accuracy.rate is None  # nothing checked yet: no rate, not 0%
    # A township sees its own row only.
    assert [r.township.code for r in accuracy_by_township(clerk_a, round_)] == [TOWNSHIP_A]


# -- pages ---------------------------------------------------------------------------------------------

def test_county_draws_and_records_through_the_pages(population: Any, county_admin: Any) -> None:
    web = client_for(county_admin)
    assert web.get("/supervision/sampling/new/").status_code == 200
    response = web.post("/supervision/sampling/new/", {"region": TOWNSHIP_A, "period": "2026Q9",
                                                       "seed": "abc"})
    assert response.status_code == 200 and "2026Q4" in response.content.decode()
    assert 'value="abc"' in response.content.decode()  # input kept beside the error
    assert not SamplingRound.objects.exists()
    response = web.post("/supervision/sampling/new/", {"region": TOWNSHIP_A, "period": period(),
                                                       "seed": "abc"})
    round_ = SamplingRound.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{round_.pk}/")
    page = web.get(f"/supervision/sampling/{round_.pk}/").content.decode()
    assert "崆峒镇" in page and "识别精准率" in page
    check = round_.checks.first()
    assert check is not None
    response = web.post(f"/supervision/sampling/checks/{check.pk}/",
                        {"finding": Finding.WRONG_AMOUNT, "note": ""})
    assert response.status_code == 200 and "请填写核查情况" in response.content.decode()
    response = web.post(f"/supervision/sampling/checks/{check.pk}/",
                        {"finding": Finding.WRONG_AMOUNT, "note": "多发"})
    assert response.status_code == 302 and LedgerItem.objects.count() == 1
    # One check, found wrong: 0 of 1 correct.
    assert '<td class="num">0.00%</td>' in web.get(
        f"/supervision/sampling/{round_.pk}/").content.decode()


def test_township_pages_are_scoped(population: Any, county_admin: Any, clerk_a: Any,
                                   clerk_b: Any, auditor: Any) -> None:
    county = county_round(county_admin)
    own_a = services.sampling_round_create(actor=county_admin, region_code=TOWNSHIP_A,
                                           period="2026Q1")
    check_a = own_a.checks.first()
    assert check_a is not None
    b = client_for(clerk_b)
    assert b.get(f"/supervision/sampling/{own_a.pk}/").status_code == 404
    assert b.get(f"/supervision/sampling/checks/{check_a.pk}/").status_code == 404
    assert b.post(f"/supervision/sampling/checks/{check_a.pk}/",
                  {"finding": Finding.CORRECT}).status_code == 403
    assert b.get("/supervision/sampling/new/").status_code == 403
    # The county-wide round is visible to township B, with only B's households in it.
    page = b.get(f"/supervision/sampling/{county.pk}/").content.decode()
    assert "白水镇" in page and "崆峒镇" not in page
    for check in county.checks.all():
        shown = f"/supervision/sampling/checks/{check.pk}/" in page
        assert shown == check.village_code.startswith(TOWNSHIP_B[:9])
    listing = b.get("/supervision/sampling/").content.decode()
    assert f"/supervision/sampling/{county.pk}/" in listing
    assert f"/supervision/sampling/{own_a.pk}/" not in listing
    assert client_for(clerk_a).get(f"/supervision/sampling/{own_a.pk}/").status_code == 200
    assert client_for(auditor).get(f"/supervision/sampling/{own_a.pk}/").status_code == 200
    assert client_for(auditor).post("/supervision/sampling/new/", {}).status_code == 403


def test_round_page_queries_do_not_grow_with_the_checks(population: Any,
                                                        county_admin: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = county_round(county_admin)  # 5 checks
    set_rate(TOWNSHIP_A, "1")
    large = services.sampling_round_create(actor=county_admin, region_code=COUNTY_CODE,
                                           period="2026Q1")  # 43 checks, a full page
    web = client_for(county_admin)
    counts = []
    for round_ in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert web.get(f"/supervision/sampling/{round_.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]

