"""Reserve-fund reads: funds and their ledger through regions.scope(), never around it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Max, QuerySet

from policies.params import param_or
from regions.models import Region
from regions.scoping import scope, scoped_get_or_404
from regions.selectors import townships_for_user

from .models import ReserveEntry, ReserveFund

LOW_ALERT_KEY = "temp.reserve_fund.low_alert"


def low_alert(township_code: str, on: date) -> Decimal | None:
    """The balance below which a township's fund is flagged (domain §14, LOCAL); None if unset."""
    value = param_or(LOW_ALERT_KEY, township_code, on, None)
    return None if value is None else Decimal(value)


@dataclass(frozen=True)
class FundRow:
    township: Region
    fund: ReserveFund | None
    balance: Decimal
    last_entry_at: datetime | None
    alert_below: Decimal | None

    @property
    def low(self) -> bool:
        return self.alert_below is not None and self.balance < self.alert_below


def fund_rows(user: Any, on: date) -> list[FundRow]:
    """One row per township in the user's area; a township without a fund shows a zero
    balance. The list is bounded by the county's townships, not by the population."""
    funds = {
        f.township_id: f
        for f in scope(user, ReserveFund.objects.all()).annotate(last_entry_at=Max("entries__at"))
    }
    rows = []
    for township in townships_for_user(user):
        fund = funds.get(township.code)
        rows.append(FundRow(
            township=township, fund=fund,
            balance=fund.balance if fund else Decimal("0.00"),
            last_entry_at=getattr(fund, "last_entry_at", None),
            alert_below=low_alert(township.code, on),
        ))
    return rows


def fund_get(user: Any, township_code: str) -> ReserveFund:
    """The fund of a township in the user's area; 404 for one outside it or without a fund."""
    return scoped_get_or_404(user, ReserveFund.objects.select_related("township"),
                             township_id=township_code)


def fund_entries(fund: ReserveFund) -> QuerySet[ReserveEntry]:
    return fund.entries.select_related("case", "actor").order_by("-at", "-id")
