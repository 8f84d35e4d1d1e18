"""一卡通 accounts: open, replace and close, who may, and the household's account page."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent, RecordAccess
from benefits.models import AccountStatus, PaymentAccount
from benefits.services.accounts import account_close, account_open
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.benefits import open_account
from jiuzhu.testing.cases import VILLAGE_B, household_of
from jiuzhu.testing.fixtures import client_for

NUMBER = "6217 0000 1111 2222 333"


def _applicant(household):
    return household.members.get(relation="applicant")


def _url(household) -> str:
    return f"/payroll/bank/households/{household.pk}/account/"


def test_clerk_replaces_an_account_and_the_old_one_is_closed(clerk_a):
    household = household_of(3)
    old = open_account(household)
    member = household.members.exclude(relation="applicant")[0]

    new = account_open(actor=clerk_a, household_id=household.pk, holder_id=member.pk,
                       bank="演示信用社", account_number=NUMBER)

    old.refresh_from_db()
    assert (new.status, new.account_number, new.holder, new.created_by) == (
        AccountStatus.ACTIVE, "6217000011112222333", member, clerk_a)
    assert old.status == AccountStatus.CLOSED and "****2333" in old.closed_reason
    event = AuditEvent.objects.get(action="account.open", object_id=str(new.pk))
    assert (event.before or {}).get("id") == old.pk
    assert (event.after or {}).get("number") == "****2333"
    assert NUMBER.replace(" ", "") not in str(event.after)  # the trail keeps masked numbers


@pytest.mark.parametrize(("fields", "field"), [
    ({"account_number": "6217-0000-1111"}, "account_number"),
    ({"account_number": "62170000111"}, "account_number"),  # 11 digits
    ({"account_number": "6" * 31}, "account_number"),
    ({"bank": "  "}, "bank"),
    ({"managed_by": "村文书王五"}, "managed_agreement"),  # 57号§26: agreement required
    ({"managed_agreement": "DG-2026-01"}, "managed_by"),
])
def test_bad_input_names_the_field_and_changes_nothing(clerk_a, fields, field):
    household = household_of(1)
    current = open_account(household)
    data = {"bank": "演示信用社", "account_number": NUMBER, **fields}
    with pytest.raises(ApplicationError) as bad:
        account_open(actor=clerk_a, household_id=household.pk,
                     holder_id=_applicant(household).pk, **data)
    assert bad.value.field == field
    current.refresh_from_db()
    assert current.status == AccountStatus.ACTIVE
    assert PaymentAccount.objects.filter(household=household).count() == 1


def test_holder_must_belong_to_the_household(clerk_a):
    household, stranger = household_of(1), household_of(1)
    with pytest.raises(ApplicationError) as bad:
        account_open(actor=clerk_a, household_id=household.pk,
                     holder_id=_applicant(stranger).pk, bank="演示信用社",
                     account_number=NUMBER)
    assert bad.value.field == "holder"


def test_the_same_account_again_is_refused(clerk_a):
    household = household_of(1)
    current = open_account(household, number="621700001111222")
    with pytest.raises(ApplicationError) as same:
        account_open(actor=clerk_a, household_id=household.pk, holder_id=current.holder_id,
                     bank=current.bank, account_number="6217 0000 1111 222")
    assert same.value.code == "duplicate"


def test_roles_and_townships(clerk_b, reviewer_a, grid_a, county_admin):
    household = household_of(1)
    args = {"household_id": household.pk, "holder_id": _applicant(household).pk,
            "bank": "演示信用社", "account_number": NUMBER}
    with pytest.raises(ApplicationError) as other_township:
        account_open(actor=clerk_b, **args)
    assert other_township.value.code == "not_found"
    for reader in (reviewer_a, grid_a):
        with pytest.raises(ApplicationError) as forbidden:
            account_open(actor=reader, **args)
        assert forbidden.value.code == "forbidden"
    assert not PaymentAccount.objects.filter(household=household).exists()
    assert account_open(actor=county_admin, **args).status == AccountStatus.ACTIVE


def test_close_needs_a_reason_and_happens_once(clerk_a, clerk_b):
    account = open_account(household_of(1))
    with pytest.raises(ApplicationError) as no_reason:
        account_close(actor=clerk_a, account_id=account.pk, reason=" ")
    assert no_reason.value.field == "reason"
    with pytest.raises(ApplicationError) as elsewhere:
        account_close(actor=clerk_b, account_id=account.pk, reason="卡片遗失")

    assert elsewhere.value.code == "not_found"
    account_close(actor=clerk_a, account_id=account.pk, reason="卡片遗失")

    account.refresh_from_db()
    assert (account.status, account.closed_reason) == (AccountStatus.CLOSED, "卡片遗失")
    assert AuditEvent.objects.filter(action="account.close", object_id=str(account.pk)).exists()
    with pytest.raises(ApplicationError) as again:
        account_close(actor=clerk_a, account_id=account.pk, reason="重复")
    assert again.value.code == "transition"


def test_page_shows_full_numbers_to_record_viewers_and_masks_for_others(clerk_a, grid_a):
    household = household_of(1)
    account = open_account(household, number="6230123456789012")

    full = client_for(clerk_a).get(_url(household))
    masked = client_for(grid_a).get(_url(household))

    assert full.status_code == 200 and "6230123456789012" in full.content.decode()
    assert RecordAccess.objects.filter(user=clerk_a, object_id=str(household.pk),
                                       channel="account").exists()
    body = masked.content.decode()
    assert masked.status_code == 200 and account.masked_number in body
    assert "6230123456789012" not in body and 'name="account_number"' not in body  # reads only


def test_page_opens_an_account_and_keeps_input_on_errors(clerk_a):
    household = household_of(1)
    web = client_for(clerk_a)
    holder = _applicant(household).pk

    bad = web.post(_url(household), {"holder": holder, "bank": "演示信用社",
                                     "account_number": "12AB"})
    assert bad.status_code == 400
    assert "12AB" in bad.content.decode() and "位数字" in bad.content.decode()

    ok = web.post(_url(household), {"holder": holder, "bank": "演示信用社",
                                    "account_number": NUMBER})
    assert ok.status_code == 302
    account = PaymentAccount.objects.get(household=household, status=AccountStatus.ACTIVE)
    closed = web.post(f"{_url(household)}{account.pk}/close/", {"reason": "持卡人去世"})
    assert closed.status_code == 302
    assert PaymentAccount.objects.get(pk=account.pk).status == AccountStatus.CLOSED


def test_another_township_gets_404_on_the_account_page(clerk_b):
    household = household_of(1)
    account = open_account(household)
    web = client_for(clerk_b)
    assert web.get(_url(household)).status_code == 404
    assert web.post(_url(household), {"holder": _applicant(household).pk, "bank": "x",
                                      "account_number": NUMBER}).status_code == 404
    assert web.post(f"{_url(household)}{account.pk}/close/",
                    {"reason": "x"}).status_code == 404
    own = household_of(1, village=VILLAGE_B)
    assert web.get(_url(own)).status_code == 200
