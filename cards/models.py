"""暖心关怀联系卡 (domain.md §11): one live card per household, opened by an opaque token.

The QR code holds only the token, never an ID number. Revoking a card keeps its row (delivery and
scans stay on record) and frees the household for a new card with a new token.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CardBatch(models.Model):
    """Cards issued together for one village (one printed sheet)."""

    REGION_LOOKUP = "village__code"

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT,
                                related_name="card_batches", verbose_name=_("村（社区）"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("制卡人"))
    created_at = models.DateTimeField(_("制卡时间"), auto_now_add=True)
    cards_issued = models.PositiveIntegerField(_("新发卡数"), default=0)

    class Meta:
        verbose_name = _("制卡批次")
        verbose_name_plural = _("制卡批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.village_id} {self.created_at:%Y-%m-%d}"


class Card(models.Model):
    REGION_LOOKUP = "household__village__code"

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT,
                                  related_name="cards", verbose_name=_("家庭"))
    # secrets.token_urlsafe(24): 32 URL-safe characters, 192 bits; unguessable, so a scan
    # needs no other proof, and bad tokens are throttled per address on top.
    token = models.CharField(_("卡片令牌"), max_length=64, unique=True)
    batch = models.ForeignKey(CardBatch, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="cards", verbose_name=_("制卡批次"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("发卡人"))
    issued_at = models.DateTimeField(_("发卡时间"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("送达人"))
    delivery_visit = models.ForeignKey("outreach.Visit", on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="+",
                                       verbose_name=_("送达走访记录"))
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("作废人"))
    revoke_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    scans = models.PositiveIntegerField(_("扫码次数"), default=0)

    class Meta:
        verbose_name = _("暖心关怀联系卡")
        verbose_name_plural = _("暖心关怀联系卡")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(revoked_at__isnull=True),
                                    name="card_one_live_per_household"),
        ]

    def __str__(self) -> str:
        return f"card {self.pk} household {self.household_id}"

    @property
    def live(self) -> bool:
        return self.revoked_at is None


class TokenAttempt(models.Model):
    """One scan of an unknown token, for throttling guessers per client address."""

    ip = models.GenericIPAddressField(_("来源地址"))
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("无效令牌访问")
        verbose_name_plural = _("无效令牌访问")
        indexes = [models.Index(fields=["ip", "at"], name="card_attempt_ip"),
                   models.Index(fields=["at"], name="card_attempt_at")]

    def __str__(self) -> str:
        return f"{self.ip} {self.at:%Y-%m-%d %H:%M}"
