"""微心愿 ledger (seed 000, domain.md §11).

collected → classified → resolved_on_spot | assigned → in_progress → resolved → feedback_given
→ revisited → closed. The transition table lives in `outreach.services.wishes`.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WishState(models.TextChoices):
    COLLECTED = "collected", _("已收集")
    CLASSIFIED = "classified", _("已分类")
    RESOLVED_ON_SPOT = "resolved_on_spot", _("当场解决")
    ASSIGNED = "assigned", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已解决")
    FEEDBACK_GIVEN = "feedback_given", _("已反馈")
    REVISITED = "revisited", _("已回访")
    CLOSED = "closed", _("已办结")


# A wish is handled against its deadline only while a department or person is working on it.
OVERDUE_STATES = (WishState.ASSIGNED, WishState.IN_PROGRESS)


def overdue_q(today: date) -> models.Q:
    """Past the due date and still being handled; the due date itself is not yet overdue."""
    return models.Q(state__in=OVERDUE_STATES, due_on__lt=today)


class WishSource(models.TextChoices):
    VISIT = "visit", _("入户走访")
    HOTLINE = "hotline", _("热线来电")
    EVENT = "event", _("救助赶大集")
    OTHER = "other", _("其他")


class WishCategory(models.TextChoices):
    LIVING = "living", _("生活物资")
    MEDICAL = "medical", _("就医看病")
    EDUCATION = "education", _("子女就学")
    EMPLOYMENT = "employment", _("就业创业")
    HOUSING = "housing", _("住房修缮")
    CARE = "care", _("照料陪护")
    POLICY = "policy", _("政策咨询")
    OTHER = "other", _("其他")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Wish(models.Model):
    REGION_LOOKUP = "village__code"

    number = models.CharField(_("心愿编号"), max_length=20, unique=True)
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT,
                                related_name="wishes", verbose_name=_("村（社区）"))
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="wishes", verbose_name=_("家庭"))
    person_name = models.CharField(_("心愿人"), max_length=50)
    source = models.CharField(_("来源"), max_length=10, choices=WishSource.choices)
    visit = models.ForeignKey("outreach.Visit", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="wishes", verbose_name=_("走访记录"))
    event = models.ForeignKey("outreach.OutreachEvent", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="wishes", verbose_name=_("活动"))
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="wishes", verbose_name=_("热线工单"))
    content = models.TextField(_("心愿内容"))
    category = models.CharField(_("类别"), max_length=12, choices=WishCategory.choices,
                                blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=WishState.choices,
                             default=WishState.COLLECTED)
    department = models.ForeignKey("policies.Department", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("责任部门"))
    responsible_person = models.CharField(_("责任人"), max_length=50, blank=True)
    responsible_phone = models.CharField(_("责任人电话"), max_length=20, blank=True)
    due_on = models.DateField(_("办理期限"), null=True, blank=True)
    # domain.md §9: counted over a year whose holiday schedule is not yet published.
    due_provisional = models.BooleanField(_("办理期限暂定"), default=False)
    result = models.TextField(_("办理结果"), blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    feedback = models.TextField(_("反馈情况"), blank=True)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    revisit_note = models.TextField(_("回访情况"), blank=True)
    revisited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices,
                                    blank=True)
    # Raised once per overdue step by the escalation job; 0 = never escalated.
    escalation_level = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    escalated_at = models.DateTimeField(_("最近督办时间"), null=True, blank=True)
    # How often a 回访 found the household unsatisfied and sent the wish back to be handled.
    reopen_count = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "due_on"], name="wish_state_due"),
                   models.Index(fields=["village", "state"], name="wish_village_state")]

    def __str__(self) -> str:
        return self.number
