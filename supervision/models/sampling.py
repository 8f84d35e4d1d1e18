"""Supervision sampling (抽查核查): a share of each township's active enrollments is drawn each
quarter and checked; the findings give the accuracy rate (识别精准率) and feed the ledgers."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SamplingRound(models.Model):
    REGION_LOOKUP = "region_code"

    region_code = models.CharField(_("抽查范围"), max_length=12)
    period = models.CharField(_("抽查期间"), max_length=7)  # "2026Q4"
    rate = models.DecimalField(_("抽查比例"), max_digits=5, decimal_places=4)
    seed = models.CharField(_("抽样种子"), max_length=32)
    # What the draw saw in each township: {"620802100000": {"active": 120, "rate": "0.05",
    # "drawn": 6}}. The active count and rate of the day decide n, so with the seed they let
    # anyone re-run the same draw and check it (supervision.services.sampling).
    strata = models.JSONField(_("分层抽样情况"), default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("抽查批次")
        verbose_name_plural = _("抽查批次")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["region_code", "period"],
                                               name="sampling_round_period")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.period}"

    @property
    def rate_percent(self) -> Decimal:
        return Decimal(self.rate) * 100


class Finding(models.TextChoices):
    PENDING = "pending", _("待核查")
    CORRECT = "correct", _("认定准确")
    WRONG_AMOUNT = "wrong_amount", _("金额有误")
    INELIGIBLE = "ineligible", _("不应享受")
    MISSING = "missing", _("应保未保")


class SampleCheck(models.Model):
    REGION_LOOKUP = "village_code"

    round = models.ForeignKey(SamplingRound, on_delete=models.PROTECT, related_name="checks")
    # A drawn enrollment; a 应保未保 household found during the check has no enrollment.
    enrollment = models.ForeignKey("benefits.Enrollment", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT,
                                  related_name="+")
    village_code = models.CharField(max_length=12)
    finding = models.CharField(_("核查结论"), max_length=12, choices=Finding.choices,
                               default=Finding.PENDING)
    note = models.CharField(_("核查情况"), max_length=500, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("抽查核查")
        verbose_name_plural = _("抽查核查")
        constraints = [
            models.UniqueConstraint(fields=["round", "enrollment"],
                                    condition=Q(enrollment__isnull=False),
                                    name="sample_once_per_round"),
        ]
        indexes = [models.Index(fields=["round", "village_code"], name="sample_round_village")]

    def __str__(self) -> str:
        return f"check {self.pk} {self.finding}"
