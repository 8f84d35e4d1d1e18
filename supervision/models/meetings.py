"""社会救助联席会议 records: the cases brought for 一事一议, who attended, what was decided, and
the follow-up tasks (kept as 任务清单 items, so they are tracked to 销号 like any other)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Meeting(models.Model):
    REGION_LOOKUP = "region__code"

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("召集地区"))
    held_on = models.DateField(_("会议日期"))
    title = models.CharField(_("会议名称"), max_length=100)
    chair = models.CharField(_("主持人"), max_length=50)
    attendees = models.TextField(_("参会单位及人员"))
    minutes = models.TextField(_("会议纪要"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("联席会议")
        verbose_name_plural = _("联席会议")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.title} {self.held_on}"


class MeetingItem(models.Model):
    """One case discussed (一事一议) and the decision taken on it."""

    REGION_LOOKUP = "meeting__region__code"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("议题案件"))
    subject = models.CharField(_("议题"), max_length=200)
    decision = models.TextField(_("议定事项"))

    class Meta:
        verbose_name = _("会议议题")
        verbose_name_plural = _("会议议题")
        ordering = ["id"]
        constraints = [
            # A case is brought to one meeting once; a later meeting may take it up again.
            models.UniqueConstraint(fields=["meeting", "case"], condition=Q(case__isnull=False),
                                    name="meeting_item_case_once"),
        ]

    def __str__(self) -> str:
        return self.subject
