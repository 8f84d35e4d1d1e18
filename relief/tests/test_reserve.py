"""Township reserve funds (备用金): allocation by the county, payment under a lock, who sees what."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction

from cases.choices import CaseState
from cases.models import Case
from cases.services.temporary import case_prepay
from demo.reference import TOWNSHIP_A, TOWNSHIP_B, TOWNSHIPS
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.cases import accepted_case, household_of, staff
from jiuzhu.testing.fixtures import client_for
from relief.models import EntryKind, ReserveEntry, ReserveFund
from relief.services import reserve_allocate, reserve_pay

pytestmark = pytest.mark.django_db

FUND_A = f"/relief/{TOWNSHIP_A}/"


def allocate(amount: str, township: str = TOWNSHIP_A, note: str = "") -> ReserveEntry:
    return reserve_allocate(actor=staff("county_admin"), township_code=township, amount=amount,
                            note=note)


def emergency_case(amount: str = "1000.00", **applicant: Any) -> Case:
    return accepted_case(household_of(**applicant), programme="temporary",
                         temporary_kind="emergency", requested_amount=amount)


def balance(township: str = TOWNSHIP_A) -> Decimal:
    return ReserveFund.objects.get(township_id=township).balance


# --- the ledger ---------------------------------------------------------------------------------


def test_allocation_adds_an_entry_and_the_balance(county_admin: Any) -> None:
    first = allocate("5000.00", note="2026年第四季度备用金")
    second = allocate("1000.50")
    assert balance() == Decimal("6000.50")
    entries = list(ReserveEntry.objects.filter(fund__township_id=TOWNSHIP_A).order_by("id"))
    assert entries == [first, second]
    assert [(e.kind, e.amount, e.balance_after) for e in entries] == [
        (EntryKind.ALLOCATION, Decimal("5000.00"), Decimal("5000.00")),
        (EntryKind.ALLOCATION, Decimal("1000.50"), Decimal("6000.50")),
    ]
    assert first.note == "2026年第四季度备用金" and first.actor == county_admin


@pytest.mark.parametrize(("amount", "message"), [
    ("0", "金额须大于零"), ("-100", "金额不能为负数"), ("12.345", "两位小数"), ("abc", "数字"),
])
def test_allocation_refuses_bad_amounts(county_admin: Any, amount: str, message: str) -> None:
    with pytest.raises(ApplicationError) as err:
        allocate(amount)
    assert err.value.field == "amount" and message in err.value.message
    assert not ReserveFund.objects.exists()


def test_township_staff_cannot_top_up_their_own_fund(clerk_a: Any, reviewer_a: Any) -> None:
    for user in (clerk_a, reviewer_a):
        with pytest.raises(ApplicationError) as err:
            reserve_allocate(actor=user, township_code=TOWNSHIP_A, amount="1000.00")
        assert err.value.code == "forbidden"
    assert not ReserveEntry.objects.exists()


def test_allocation_outside_the_county_or_to_a_village_is_refused(county_admin: Any) -> None:
    with pytest.raises(ApplicationError) as err:
        allocate("100.00", township="620902100000")  # another county
    assert err.value.field == "township"
    with pytest.raises(ApplicationError) as err:
        allocate("100.00", township=TOWNSHIP_A[:9] + "201")  # 大寨村 is a village
    assert err.value.field == "township"
    assert not ReserveFund.objects.exists()


def test_allocation_note_longer_than_the_column_is_a_field_error(county_admin: Any) -> None:
    with pytest.raises(ApplicationError) as err:
        allocate("100.00", note="备" * 201)
    assert err.value.field == "note"
    assert not ReserveEntry.objects.exists()


def test_allocation_beyond_what_the_balance_column_holds_is_refused(county_admin: Any) -> None:
    allocate("999999999999.99")
    with pytest.raises(ApplicationError) as err:
        allocate("0.01")
    assert err.value.field == "amount" and "过大" in err.value.message
    assert balance() == Decimal("999999999999.99")


def test_paying_more_than_the_balance_is_refused_and_changes_nothing(county_admin: Any) -> None:
    allocate("800.00")
    case = emergency_case("1000.00")
    with pytest.raises(ApplicationError) as err, transaction.atomic():
        reserve_pay(actor=staff("reviewer_a"), township_code=TOWNSHIP_A,
                    amount=Decimal("1000.00"), case=case)
    assert "备用金余额不足" in err.value.message
    assert "800.00" in err.value.message and "1000.00" in err.value.message
    assert err.value.code == "conflict"
    assert balance() == Decimal("800.00")
    assert ReserveEntry.objects.count() == 1


def test_payment_reduces_the_balance_and_names_the_case(county_admin: Any) -> None:
    allocate("5000.00")
    case = emergency_case("1200.00")
    with transaction.atomic():
        entry = reserve_pay(actor=staff("reviewer_a"), township_code=TOWNSHIP_A,
                            amount=Decimal("1200.00"), case=case)
    assert (entry.kind, entry.amount, entry.balance_after) == (
        EntryKind.PAYMENT, Decimal("-1200.00"), Decimal("3800.00"))
    assert entry.case == case
    assert balance() == Decimal("3800.00")


def test_payment_from_a_township_without_a_fund_is_refused(county: None) -> None:
    case = emergency_case()
    with pytest.raises(ApplicationError) as err, transaction.atomic():
        reserve_pay(actor=staff("reviewer_a"), township_code=TOWNSHIP_A,
                    amount=Decimal("10.00"), case=case)
    assert "尚未设立" in err.value.message
    assert not ReserveEntry.objects.exists()


# --- pages --------------------------------------------------------------------------------------


def test_county_sees_every_township_with_alerts_and_missing_funds(
    county_admin: Any, django_assert_max_num_queries: Any
) -> None:
    allocate("5000.00")  # below the 10,000 alert line (demo value)
    allocate("12000.00", township=TOWNSHIP_B)
    web = client_for(county_admin)
    with django_assert_max_num_queries(8 + len(TOWNSHIPS)):
        response = web.get("/relief/")
    assert response.status_code == 200
    rows = {row.township.code: row for row in response.context["rows"]}
    assert sorted(rows) == sorted(code for code, _name, _villages in TOWNSHIPS)
    assert rows[TOWNSHIP_A].low and not rows[TOWNSHIP_B].low
    assert rows[TOWNSHIP_A].last_entry_at is not None
    missing = rows["620802103000"]  # 安国镇 has no fund yet
    assert missing.fund is None and missing.balance == Decimal("0")
    page = response.content.decode()
    assert page.count("余额不足") == 1
    assert "尚未设立备用金" in page
    assert "5,000.00" in page or "5000.00" in page
    assert f'href="{FUND_A}"' in page and "/relief/allocate/" in page


def test_township_b_neither_lists_nor_opens_township_a_fund(county_admin: Any, clerk_b: Any,
                                                           clerk_a: Any) -> None:
    allocate("5000.00")
    allocate("3000.00", township=TOWNSHIP_B)
    web = client_for(clerk_b)
    response = web.get("/relief/")
    assert [row.township.code for row in response.context["rows"]] == [TOWNSHIP_B]
    page = response.content.decode()
    assert "白水镇" in page and "崆峒镇" not in page
    assert "/relief/allocate/" not in page  # no allocation button for a township
    assert web.get(FUND_A).status_code == 404
    assert web.get("/relief/620802999000/").status_code == 404  # missing looks the same
    # The same page opens for township A's own staff, so the 404 above is the scope at work.
    assert client_for(clerk_a).get(FUND_A).status_code == 200


def test_ledger_is_newest_first_and_links_the_case(county_admin: Any, reviewer_a: Any) -> None:
    allocate("5000.00")
    case = case_prepay(actor=reviewer_a, case_id=emergency_case("1500.00").pk)
    response = client_for(reviewer_a).get(FUND_A)
    assert response.status_code == 200
    entries = list(response.context["page_obj"])
    assert [e.kind for e in entries] == [EntryKind.PAYMENT, EntryKind.ALLOCATION]
    page = response.content.decode()
    assert f'href="/cases/{case.pk}/"' in page and case.number in page
    assert "3,500.00" in page or "3500.00" in page
    assert "余额不足" in page  # 3,500 is below the alert line


def test_ledger_is_paged(county_admin: Any, settings: Any) -> None:
    settings.PAGE_SIZE = 2
    for amount in ("1.00", "2.00", "3.00"):
        allocate(amount)
    web = client_for(county_admin)
    first = web.get(FUND_A)
    assert [e.amount for e in first.context["page_obj"]] == [Decimal("3.00"), Decimal("2.00")]
    assert "第 1 / 2 页，共 3 条" in first.content.decode()
    second = web.get(FUND_A + "?page=2", HTTP_HX_REQUEST="true")
    assert [e.amount for e in second.context["page_obj"]] == [Decimal("1.00")]
    assert "<h1>" not in second.content.decode()  # htmx gets the table only


def test_allocate_page_is_for_the_county_only(clerk_a: Any, auditor: Any, reviewer_a: Any) -> None:
    for user in (clerk_a, reviewer_a, auditor):
        web = client_for(user)
        assert web.get("/relief/allocate/").status_code == 403
        response = web.post("/relief/allocate/", {"township": TOWNSHIP_A, "amount": "1000"})
        assert response.status_code == 403
    assert not ReserveEntry.objects.exists()
    # Reading is open to the auditor, but not to a grid worker.
    assert client_for(auditor).get("/relief/").status_code == 200
    assert client_for(staff("grid_a")).get("/relief/").status_code == 403


def test_allocate_form_success_redirects_to_the_ledger(county_admin: Any) -> None:
    web = client_for(county_admin)
    form = web.get(f"/relief/allocate/?township={TOWNSHIP_B}").content.decode()
    assert f'<option value="{TOWNSHIP_B}" selected>' in form
    response = web.post("/relief/allocate/", {"township": TOWNSHIP_A, "amount": "20000",
                                               "note": "年初拨付"})
    assert response.status_code == 302 and response["Location"] == FUND_A
    assert balance() == Decimal("20000.00")
    page = web.get(FUND_A).content.decode()
    assert "已拨付备用金20000.00元" in page and "年初拨付" in page
    assert "余额不足" not in page


def test_allocate_form_error_is_beside_the_field_and_input_kept(county_admin: Any) -> None:
    response = client_for(county_admin).post("/relief/allocate/", {
        "township": TOWNSHIP_A, "amount": "12.345", "note": "第二批"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"amount": ["金额最多保留两位小数"]}
    page = response.content.decode()
    assert 'value="12.345"' in page and 'value="第二批"' in page
    assert f'<option value="{TOWNSHIP_A}" selected>' in page
    assert not ReserveFund.objects.exists()


def test_allocate_form_offers_only_townships(county_admin: Any) -> None:
    form = client_for(county_admin).get("/relief/allocate/").context["form"]
    codes = [code for code, _label in form.fields["township"].choices if code]
    assert codes == sorted(code for code, _name, _villages in TOWNSHIPS)


def test_navigation_shows_the_funds_to_readers(clerk_a: Any) -> None:
    page = client_for(clerk_a).get("/relief/").content.decode()
    assert 'href="/relief/" class="active"' in page and "临时救助备用金" in page


# --- the race -----------------------------------------------------------------------------------

needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql",
                                    reason="row locks need PostgreSQL")


def at_the_same_moment(calls: dict[int, Callable[[], object]]) -> dict[int, object]:
    """Run each call in its own thread and connection, released together by a barrier; each
    outcome is the call's result, its ApplicationError, or any other exception (a failure)."""
    barrier = threading.Barrier(len(calls))
    outcomes: dict[int, object] = {}
    guard = threading.Lock()

    def run(key: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            result: object = call()
        except Exception as exc:  # recorded; the caller asserts on the kinds
            result = exc
        finally:
            connection.close()
        with guard:
            outcomes[key] = result

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return outcomes


def assert_fund_paid_exactly_five(outcomes: dict[int, object]) -> tuple[set[int], set[int]]:
    paid = {k for k, v in outcomes.items() if not isinstance(v, Exception)}
    refused = {k for k, v in outcomes.items() if isinstance(v, ApplicationError)}
    assert len(paid) == 5 and len(refused) == 3, outcomes
    assert all("备用金余额不足" in str(outcomes[k]) for k in refused)
    assert balance() == Decimal("0.00")
    payments = ReserveEntry.objects.filter(fund__township_id=TOWNSHIP_A, kind=EntryKind.PAYMENT)
    assert sorted(payments.values_list("balance_after", flat=True)) == [
        Decimal(n) for n in ("0.00", "1000.00", "2000.00", "3000.00", "4000.00")]
    assert not ReserveEntry.objects.filter(balance_after__lt=0).exists()
    return paid, refused


@pytest.mark.postgres
@needs_postgres
# serialized_rollback: the flush after a transactional test must not re-create content types
# with new ids, or the next serialized (browser) test cannot restore its own copy.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_prepayments_never_overdraw_the_fund(county: None) -> None:
    """8 reviewers' clicks at the same moment against 5,000 yuan: exactly 5 payments of 1,000."""
    allocate("5000.00")
    cases = [emergency_case("1000.00", name=f"急难{i}") for i in range(8)]
    reviewer = staff("reviewer_a")

    def prepay(case_id: int) -> Callable[[], object]:
        return lambda: case_prepay(actor=reviewer, case_id=case_id)

    outcomes = at_the_same_moment({c.pk: prepay(c.pk) for c in cases})
    paid, refused = assert_fund_paid_exactly_five(outcomes)
    payments = ReserveEntry.objects.filter(kind=EntryKind.PAYMENT)
    assert set(payments.values_list("case_id", flat=True)) == paid
    states = dict(Case.objects.values_list("pk", "state"))
    assert {states[pk] for pk in paid} == {CaseState.PREPAID}
    assert {states[pk] for pk in refused} == {CaseState.ACCEPTED}


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_payments_queue_on_the_fund_row(county: None) -> None:
    """The same race on the ledger alone, so only the fund's own row lock keeps it right (the
    case-level lock of case_prepay cannot mask a missing one)."""
    allocate("5000.00")
    cases = [emergency_case("1000.00", name=f"急难{i}") for i in range(8)]
    reviewer = staff("reviewer_a")

    def pay(case: Case) -> Callable[[], object]:
        @transaction.atomic
        def call() -> object:
            return reserve_pay(actor=reviewer, township_code=TOWNSHIP_A,
                               amount=Decimal("1000.00"), case=case)
        return call

    assert_fund_paid_exactly_five(at_the_same_moment({c.pk: pay(c) for c in cases}))
