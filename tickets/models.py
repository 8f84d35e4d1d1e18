"""Hotline calls, complaints and 12345 referrals as tickets (domain.md §12).

受理 → 派单 → 办理 → 答复 → 办结 → 回访 → 评价, with 督办 on top when a ticket is late and a
reopen when the caller is unsatisfied. The transition table is in `tickets.workflow`, the reply
clocks in `tickets.sla`. Every step is a TicketStep row (who, when, note); the audit trail has the
same moves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    COUNTY = "county", _("区县救助热线")
    CITY = "city", _("市级热线")
    PROVINCE = "province", _("省级热线")
    HOTLINE_12345 = "12345", _("12345政务服务热线转办")
    HOTLINE_12349 = "12349", _("12349民政服务热线")
    VISIT = "visit", _("来访")
    LETTER = "letter", _("来信/网上留言")


class Topic(models.TextChoices):
    CONSULTATION = "consultation", _("政策咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("意见建议")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("紧急")
    GENERAL = "general", _("一般")


class TicketState(models.TextChoices):
    RECEIVED = "received", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    HANDLING = "handling", _("办理中")
    REPLIED = "replied", _("已答复")
    CLOSED = "closed", _("已办结")
    REVISITED = "revisited", _("已回访")
    RATED = "rated", _("已评价")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Ticket(models.Model):
    # Until dispatched the ticket sits with the county that took the call; dispatching moves
    # `region` to the handling township, which is what scopes it to that township's staff.
    REGION_LOOKUP = "region__code"

    number = models.CharField(_("工单编号"), max_length=20, unique=True)
    channel = models.CharField(_("来源渠道"), max_length=10, choices=Channel.choices)
    external_number = models.CharField(_("转办单号"), max_length=40, blank=True)
    caller_name = models.CharField(_("来电人"), max_length=50, blank=True)
    # Private to the handling side: shown in full only to whoever must call back (see selectors).
    caller_phone = models.CharField(_("来电号码"), max_length=20, blank=True)
    topic = models.CharField(_("诉求类型"), max_length=12, choices=Topic.choices)
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices)
    subject = models.CharField(_("诉求摘要"), max_length=200)
    content = models.TextField(_("诉求内容"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT,
                               related_name="tickets", verbose_name=_("承办地区"))
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="tickets", verbose_name=_("相关家庭"))
    department = models.ForeignKey("policies.Department", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("承办部门"))
    state = models.CharField(_("状态"), max_length=12, choices=TicketState.choices,
                             default=TicketState.RECEIVED)
    received_at = models.DateTimeField(_("受理时间"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("受理人"))
    # The reply deadline, fixed when the clock starts (ticket.sla.* or the 12345 centre's own).
    due_at = models.DateTimeField(_("答复时限"))
    # The clock crossed into a year whose holiday schedule is not published yet (domain.md §9).
    due_provisional = models.BooleanField(_("时限待定"), default=False)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reply = models.TextField(_("答复内容"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    revisited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    rating = models.CharField(_("评价"), max_length=12, choices=Rating.choices, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    supervision_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)

    class Meta:
        verbose_name = _("热线工单")
        verbose_name_plural = _("热线工单")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "due_at"], name="ticket_state_due"),
                   models.Index(fields=["region", "state"], name="ticket_region_state")]
        constraints = [
            models.CheckConstraint(condition=models.Q(due_at__gte=models.F("received_at")),
                                   name="ticket_due_after_received"),
            # A ticket past 答复 has its reply time; a reopen clears both together.
            models.CheckConstraint(
                condition=models.Q(state__in=["received", "dispatched", "handling"])
                | models.Q(replied_at__isnull=False),
                name="ticket_replied_has_time"),
            models.CheckConstraint(condition=~models.Q(state="rated") | ~models.Q(rating=""),
                                   name="ticket_rated_has_rating"),
        ]

    def __str__(self) -> str:
        return self.number


class StepKind(models.TextChoices):
    RECEIVE = "receive", _("受理")
    DISPATCH = "dispatch", _("派单")
    ACCEPT = "accept", _("签收办理")
    REPLY = "reply", _("答复")
    SUPERVISE = "supervise", _("督办")
    CLOSE = "close", _("办结")
    REVISIT = "revisit", _("回访")
    RATE = "rate", _("评价")
    REOPEN = "reopen", _("重办")


class TicketStep(models.Model):
    REGION_LOOKUP = "ticket__region__code"

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="steps",
                               verbose_name=_("工单"))
    kind = models.CharField(_("环节"), max_length=10, choices=StepKind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("经办人"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("工单环节")
        verbose_name_plural = _("工单环节")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
