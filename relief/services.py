"""Reserve-fund writes. The fund row is locked for every change, so concurrent payments queue
and the balance can never go below zero (a check constraint backs this up)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import audit_record
from jiuzhu.errors import ApplicationError
from regions.models import Level, Region
from regions.scoping import region_in_scope
from registry.services import parse_money

from .models import EntryKind, ReserveEntry, ReserveFund

NOTE_MAX = 200  # ReserveEntry.note
BALANCE_LIMIT = Decimal("1e12")  # ReserveFund.balance: 14 digits, 2 after the point


def _locked_fund(township_code: str, *, create: bool = False) -> ReserveFund:
    if create:
        township = Region.objects.filter(code=township_code, level=Level.TOWNSHIP).first()
        if township is None:
            raise ApplicationError(_("请选择乡镇（街道）"), field="township")
        ReserveFund.objects.get_or_create(township=township)
    fund = ReserveFund.objects.select_for_update().filter(township_id=township_code).first()
    if fund is None:
        raise ApplicationError(_("该乡镇尚未设立临时救助备用金"), field="township")
    return fund


def _entry(fund: ReserveFund, *, actor: Any, kind: str, amount: Decimal, case: Any = None,
           note: str = "") -> ReserveEntry:
    before = fund.balance
    fund.balance = before + amount
    fund.save(update_fields=["balance", "updated_at"])
    entry = ReserveEntry.objects.create(fund=fund, kind=kind, amount=amount,
                                        balance_after=fund.balance, case=case, note=note,
                                        actor=actor)
    audit_record(actor=actor, action=f"reserve.{kind}", obj=entry, region_code=fund.township_id,
                 before={"balance": str(before)}, after={"balance": str(fund.balance)},
                 reason=note)
    return entry


@transaction.atomic
def reserve_allocate(*, actor: Any, township_code: str, amount: Any,
                     note: str = "") -> ReserveEntry:
    """The county tops up a township's fund."""
    # The route map keeps townships off the page; this keeps them off the service too (a
    # township topping up its own fund would defeat the ledger).
    if not (actor.is_superuser or actor.role == Role.COUNTY_ADMIN):
        raise ApplicationError(_("备用金由县级民政部门拨付"), code="forbidden")
    if not region_in_scope(actor, township_code):
        raise ApplicationError(_("请选择本辖区内的乡镇（街道）"), field="township")
    value = parse_money(amount, "amount")
    if value <= 0:
        raise ApplicationError(_("金额须大于零"), field="amount")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ApplicationError(_("摘要不超过%(n)s字") % {"n": NOTE_MAX}, field="note")
    fund = _locked_fund(township_code, create=True)
    if fund.balance + value >= BALANCE_LIMIT:
        raise ApplicationError(_("金额过大"), field="amount")
    return _entry(fund, actor=actor, kind=EntryKind.ALLOCATION, amount=value, note=note)


def reserve_pay(*, actor: Any, township_code: str, amount: Decimal, case: Any,
                note: str = "") -> ReserveEntry:
    """A 先行救助 payment; the caller's transaction covers it and the case move together."""
    if amount <= 0:
        raise ApplicationError(_("金额须大于零"), field="amount")
    fund = _locked_fund(township_code)
    if fund.balance < amount:
        raise ApplicationError(
            _("备用金余额不足：余额%(b)s元，本次需支付%(a)s元") % {
                "b": f"{fund.balance:.2f}", "a": f"{amount:.2f}"},
            field="amount", code="conflict",
        )
    return _entry(fund, actor=actor, kind=EntryKind.PAYMENT, amount=-amount, case=case,
                  note=note)
