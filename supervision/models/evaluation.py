"""Performance evaluation (绩效评估, domain.md §13): a scheme is data — dimensions, indicators
with their points, each computed from the platform or entered by an evaluator — and grade
cut-offs (national: 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EvaluationScheme(models.Model):
    name = models.CharField(_("考评方案"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    # [[90, "优秀"], [80, "良好"], [60, "合格"], [0, "不合格"]], highest first
    grades = models.JSONField(_("等次划分"))

    class Meta:
        verbose_name = _("考评方案")
        verbose_name_plural = _("考评方案")
        ordering = ["-year", "name"]
        constraints = [models.UniqueConstraint(fields=["name", "year"], name="scheme_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class IndicatorSource(models.TextChoices):
    MANUAL = "manual", _("评估人员打分")
    CASE_TIMELINESS = "case_timeliness", _("审核确认按时办结率")
    TICKET_TIMELINESS = "ticket_timeliness", _("热线工单按时答复率")
    WISH_TIMELINESS = "wish_timeliness", _("微心愿按期办结率")
    ACCURACY = "accuracy", _("识别精准率")
    PAYMENT_TIMELINESS = "payment_timeliness", _("资金按时发放率")
    WARNING_TIMELINESS = "warning_timeliness", _("预警按时处置率")
    LEDGER_CLOSURE = "ledger_closure", _("问题整改销号率")


class Indicator(models.Model):
    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.CASCADE,
                               related_name="indicators")
    dimension = models.CharField(_("维度"), max_length=32)
    name = models.CharField(_("指标"), max_length=100)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=2)
    source = models.CharField(_("取数方式"), max_length=20, choices=IndicatorSource.choices)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("考评指标")
        verbose_name_plural = _("考评指标")
        ordering = ["scheme", "sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.dimension}/{self.name}"


class Evaluation(models.Model):
    REGION_LOOKUP = "region__code"

    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.PROTECT,
                               related_name="evaluations")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("被考评地区"))
    period_start = models.DateField(_("考评期起"))
    period_end = models.DateField(_("考评期止"))
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2, null=True,
                                blank=True)
    grade = models.CharField(_("等次"), max_length=16, blank=True)
    finalized_at = models.DateTimeField(_("定档时间"), null=True, blank=True)
    finalized_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("绩效考评")
        verbose_name_plural = _("绩效考评")
        constraints = [models.UniqueConstraint(fields=["scheme", "region"],
                                               name="evaluation_scheme_region")]

    def __str__(self) -> str:
        return f"{self.scheme} {self.region_id}"


class Score(models.Model):
    REGION_LOOKUP = "evaluation__region__code"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    # The measured rate (0–1) for computed indicators; blank for manual ones.
    measured = models.DecimalField(_("实测值"), max_digits=7, decimal_places=4, null=True,
                                   blank=True)
    points = models.DecimalField(_("得分"), max_digits=5, decimal_places=2)
    note = models.CharField(_("扣分说明"), max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("指标得分")
        verbose_name_plural = _("指标得分")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "indicator"], name="score_once"),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="score_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.indicator_id} {self.points}"

    @property
    def measured_percent(self) -> Decimal | None:
        return None if self.measured is None else self.measured * 100
