"""Township reserve funds (备用金) for 先行救助, kept as a ledger (domain.md §4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReserveFund(models.Model):
    REGION_LOOKUP = "township__code"

    township = models.OneToOneField("regions.Region", on_delete=models.PROTECT,
                                    db_column="township_code", related_name="reserve_fund",
                                    verbose_name=_("乡镇（街道）"))
    # The running balance; every change is a ReserveEntry written in the same transaction under
    # a row lock, and the database refuses a negative balance even if a caller forgets the lock.
    balance = models.DecimalField(_("余额（元）"), max_digits=14, decimal_places=2, default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("临时救助备用金")
        verbose_name_plural = _("临时救助备用金")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="reserve_balance_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.township} {self.balance}"


class EntryKind(models.TextChoices):
    ALLOCATION = "allocation", _("拨付备用金")
    PAYMENT = "payment", _("先行救助支出")
    RETURN = "return", _("退回/冲正")


class ReserveEntry(models.Model):
    REGION_LOOKUP = "fund__township__code"

    fund = models.ForeignKey(ReserveFund, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("类型"), max_length=12, choices=EntryKind.choices)
    # Positive in, negative out; balance_after is the fund's balance once this entry is applied.
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(_("余额（元）"), max_digits=14, decimal_places=2)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="reserve_entries", verbose_name=_("救助案件"))
    note = models.CharField(_("摘要"), max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("经办人"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("备用金台账")
        verbose_name_plural = _("备用金台账")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="reserve_entry_nonzero"),
            models.CheckConstraint(condition=Q(balance_after__gte=0),
                                   name="reserve_entry_balance_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
