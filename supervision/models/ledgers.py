"""问题清单 / 责任清单 / 任务清单 and the risk register (seed 002 "盯挂账销号", "盯风险隐患").

open → assigned → rectifying → submitted → closed (销号). Only a reviewer other than the
person who submitted may 销号, and only with evidence attached; the transition table and who
checks which item are in supervision.services.ledgers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ListKind(models.TextChoices):
    PROBLEM = "problem", _("问题清单")
    RESPONSIBILITY = "responsibility", _("责任清单")
    TASK = "task", _("任务清单")


class ItemSource(models.TextChoices):
    # seed 002's "三类问题": 省市反馈的、排查发现的、群众反映的
    INSPECTION = "inspection", _("省市督查反馈")
    SELF_CHECK = "self_check", _("排查自查发现")
    PUBLIC = "public", _("群众反映")
    HOTLINE = "hotline", _("热线投诉")
    AUDIT = "audit", _("审计发现")
    SAMPLING = "sampling", _("抽查核查")
    MEETING = "meeting", _("联席会议交办")


class ItemState(models.TextChoices):
    OPEN = "open", _("待交办")
    ASSIGNED = "assigned", _("已交办")
    RECTIFYING = "rectifying", _("整改中")
    SUBMITTED = "submitted", _("已提交销号")
    CLOSED = "closed", _("已销号")


class LedgerItem(models.Model):
    REGION_LOOKUP = "region__code"

    number = models.CharField(_("编号"), max_length=20, unique=True)
    list_kind = models.CharField(_("清单"), max_length=16, choices=ListKind.choices)
    source = models.CharField(_("来源"), max_length=12, choices=ItemSource.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("责任地区"))
    title = models.CharField(_("事项"), max_length=200)
    description = models.TextField(_("具体情况"), blank=True)
    responsible_unit = models.CharField(_("责任单位"), max_length=100, blank=True)
    responsible_person = models.CharField(_("责任人"), max_length=50, blank=True)
    due_on = models.DateField(_("整改时限"), null=True, blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    rectification = models.TextField(_("整改情况"), blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=ItemState.choices,
                             default=ItemState.OPEN)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+", verbose_name=_("来源工单"))
    sample_check = models.ForeignKey("supervision.SampleCheck", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="ledger_items",
                                     verbose_name=_("来源抽查"))
    meeting = models.ForeignKey("supervision.Meeting", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="tasks", verbose_name=_("来源会议"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(_("提交销号时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("销号审核人"))
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    # Fixed when the item is registered: the level that registered (交办) an item verifies its
    # 销号 (services.ledgers), so a later change of the registrar's role does not move it.
    county_verifies = models.BooleanField(_("由县级审核销号"), default=False)

    class Meta:
        verbose_name = _("清单事项")
        verbose_name_plural = _("清单事项")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "due_on"], name="ledger_state_due"),
                   models.Index(fields=["region", "state"], name="ledger_region_state")]
        constraints = [
            # Maker-checker (seed 002 "销号"): a closed item names a checker other than the
            # person who submitted it.
            models.CheckConstraint(
                condition=~Q(state="closed") | (
                    Q(closed_by__isnull=False, closed_at__isnull=False,
                      submitted_by__isnull=False) & ~Q(closed_by=F("submitted_by"))),
                name="ledger_closed_by_checker"),
        ]

    def __str__(self) -> str:
        return self.number


class Evidence(models.Model):
    REGION_LOOKUP = "item__region__code"

    item = models.ForeignKey(LedgerItem, on_delete=models.PROTECT, related_name="evidence",
                             verbose_name=_("清单事项"))
    file = models.FileField(_("佐证材料"), upload_to="ledger/%Y/%m/")
    description = models.CharField(_("说明"), max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200, default="")
    # Recognised from the file's first bytes when uploaded; served back with this type.
    content_type = models.CharField(max_length=64, default="")
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self) -> str:
        return f"evidence {self.pk} of {self.item_id}"


class RiskLevel(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class RiskState(models.TextChoices):
    OPEN = "open", _("未消除")
    MITIGATING = "mitigating", _("整改中")
    CLOSED = "closed", _("已消除")


class Risk(models.Model):
    REGION_LOOKUP = "region__code"

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("地区"))
    title = models.CharField(_("风险隐患"), max_length=200)
    description = models.TextField(_("具体表现"), blank=True)
    level = models.CharField(_("等级"), max_length=8, choices=RiskLevel.choices)
    owner = models.CharField(_("责任人"), max_length=50)
    mitigations = models.TextField(_("防控措施"), blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=RiskState.choices,
                             default=RiskState.OPEN)
    review_on = models.DateField(_("下次研判日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("消除时间"), null=True, blank=True)
    close_note = models.CharField(_("消除情况"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("风险台账")
        verbose_name_plural = _("风险台账")
        ordering = ["state", "-created_at"]

    def __str__(self) -> str:
        return self.title
