"""一卡通 accounts: open (or replace) and close a household's payment account (domain.md §10).

A household has at most one active account (a unique constraint backs this up). A corrected
account is a new row and the old one is closed with a reason, so every payroll line keeps the
account it was actually sent to. Lines not yet sent pick up the current account when the next
bank file is made (services.bank).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.roles import REGISTRY_WRITERS
from audit.services import audit_record
from jiuzhu.errors import ApplicationError, clean_text
from regions.scoping import scope
from registry.models import Household, Person

from ..models import AccountStatus, PaymentAccount

# The staff who keep the household register keep its account too.
ACCOUNT_WRITERS = REGISTRY_WRITERS
ACCOUNT_DIGITS = (12, 30)
BANK_MAX = 64  # PaymentAccount.bank
MANAGED_MAX = 64  # PaymentAccount.managed_by / managed_agreement
REASON_MAX = 200  # PaymentAccount.closed_reason


def _require_writer(actor: Any) -> None:
    if not actor.has_role(ACCOUNT_WRITERS):
        raise ApplicationError(_("一卡通账户由乡镇经办人员或县级民政部门登记"), code="forbidden")


def normalise_account_number(text: str) -> str:
    """Digits only; the spaces people type between groups of four are dropped."""
    number = re.sub(r"\s+", "", text or "")
    low, high = ACCOUNT_DIGITS
    if not re.fullmatch(r"[0-9]+", number) or not low <= len(number) <= high:
        raise ApplicationError(
            _("银行账号应为%(low)s至%(high)s位数字") % {"low": low, "high": high},
            field="account_number")
    return number


def _summary(account: PaymentAccount) -> dict[str, Any]:
    # The audit trail keeps the masked number: it is read more widely than the account page.
    return {"id": account.pk, "bank": account.bank, "number": account.masked_number,
            "holder": account.holder_id, "status": account.status,
            "managed_by": account.managed_by}


@transaction.atomic
def account_open(*, actor: Any, household_id: int, holder_id: int, bank: str,
                 account_number: str, managed_by: str = "",
                 managed_agreement: str = "") -> PaymentAccount:
    """Open the household's account; an active one it replaces is closed with a reason."""
    _require_writer(actor)
    # The household row lock queues two clerks replacing the same account.
    household = scope(actor, Household.objects.select_for_update()).filter(
        pk=household_id).first()
    if household is None:
        raise ApplicationError(_("家庭不存在或不在您的辖区内"), code="not_found")
    holder = Person.objects.filter(pk=holder_id, household=household).first()
    if holder is None:
        raise ApplicationError(_("持卡人须为本家庭成员"), field="holder")
    bank = clean_text(bank, "bank", _("开户银行"), limit=BANK_MAX, required=True)
    number = normalise_account_number(account_number)
    managed_by = clean_text(managed_by, "managed_by", _("代管人"), limit=MANAGED_MAX,
                            required=False)
    # 57号§26: a card held by someone else (代管) needs a written agreement filed.
    managed_agreement = clean_text(managed_agreement, "managed_agreement", _("代管协议编号"),
                                   limit=MANAGED_MAX, required=bool(managed_by))
    if managed_agreement and not managed_by:
        raise ApplicationError(_("填写代管协议编号时请填写代管人"), field="managed_by")
    current = PaymentAccount.objects.filter(household=household,
                                            status=AccountStatus.ACTIVE).first()
    if current and (current.bank, current.account_number, current.holder_id) == (
            bank, number, holder.pk):
        raise ApplicationError(_("与当前正在使用的账户相同，无需重新登记"),
                               field="account_number", code="duplicate")
    before = None
    if current is not None:
        before = _summary(current)
        current.status = AccountStatus.CLOSED
        current.closed_reason = _("已由新登记账户 %(n)s 替换") % {"n": f"****{number[-4:]}"}
        current.save(update_fields=["status", "closed_reason"])
    account = PaymentAccount.objects.create(
        household=household, holder=holder, bank=bank, account_number=number,
        managed_by=managed_by, managed_agreement=managed_agreement, created_by=actor)
    audit_record(actor=actor, action="account.open", obj=account,
                 region_code=household.village_id, before=before, after=_summary(account))
    return account


@transaction.atomic
def account_close(*, actor: Any, account_id: int, reason: str) -> PaymentAccount:
    """Stop using an account (card lost, holder died); payments wait until a new one is opened."""
    _require_writer(actor)
    reason = clean_text(reason, "reason", _("停用原因"), limit=REASON_MAX, required=True)
    account = scope(actor, PaymentAccount.objects.select_for_update()).filter(
        pk=account_id).first()
    if account is None:
        raise ApplicationError(_("账户不存在或不在您的辖区内"), code="not_found")
    if account.status != AccountStatus.ACTIVE:
        raise ApplicationError(_("该账户已停用"), code="transition")
    before = _summary(account)
    account.status, account.closed_reason = AccountStatus.CLOSED, reason
    account.save(update_fields=["status", "closed_reason"])
    audit_record(actor=actor, action="account.close", obj=account,
                 region_code=account.household.village_id, before=before,
                 after=_summary(account), reason=reason)
    return account
