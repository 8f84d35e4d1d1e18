"""一卡通 payment accounts (domain.md §10 "Accounts")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    CLOSED = "closed", _("已销户/停用")


class PaymentAccount(models.Model):
    """The one card or account a household's subsidies go to.

    A corrected account is a new row: the old one is closed, so every payroll line keeps the
    account it was actually sent to."""

    REGION_LOOKUP = "household__village__code"

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT,
                                  related_name="payment_accounts", verbose_name=_("家庭"))
    holder = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("持卡人"))
    bank = models.CharField(_("开户银行"), max_length=64)
    account_number = models.CharField(_("银行账号"), max_length=32)
    status = models.CharField(_("状态"), max_length=8, choices=AccountStatus.choices,
                              default=AccountStatus.ACTIVE)
    # 57号§26: a card held by staff or the village (代管) needs a written agreement on file.
    managed_by = models.CharField(_("代管人"), max_length=64, blank=True)
    managed_agreement = models.CharField(_("代管协议编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    closed_reason = models.CharField(_("停用原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("一卡通账户")
        verbose_name_plural = _("一卡通账户")
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(status="active"),
                                    name="one_active_account_per_household"),
            models.CheckConstraint(
                condition=Q(managed_by="") | ~Q(managed_agreement=""),
                name="account_managed_needs_agreement"),
        ]

    def __str__(self) -> str:
        return f"{self.bank} {self.masked_number}"

    @property
    def masked_number(self) -> str:
        return f"****{self.account_number[-4:]}"
