"""救助赶大集 and other outreach events (seed 003): where, when, who, and what was done there."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutreachEvent(models.Model):
    REGION_LOOKUP = "region__code"

    title = models.CharField(_("活动名称"), max_length=100)
    # The township (or a village) that holds the event; its staff see and record it.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT,
                               related_name="outreach_events", verbose_name=_("举办地区"))
    place = models.CharField(_("地点"), max_length=200)
    held_on = models.DateField(_("日期"))
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                   verbose_name=_("参加人员"))
    staff_note = models.CharField(_("其他参加人员"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("登记人"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("救助赶大集活动")
        verbose_name_plural = _("救助赶大集活动")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.title} {self.held_on}"


class EntryKind(models.TextChoices):
    CONSULTATION = "consultation", _("政策咨询")
    OPINION = "opinion", _("社情民意表")
    MATERIALS = "materials", _("发放资料")
    APPLICATION = "application", _("现场帮办申请")
    LEAD = "lead", _("困难线索（转入户核实）")


class EventEntry(models.Model):
    """One tally line recorded at the event (a count of consultations, a 帮办 application…)."""

    REGION_LOOKUP = "event__region__code"

    event = models.ForeignKey(OutreachEvent, on_delete=models.PROTECT, related_name="entries",
                              verbose_name=_("活动"))
    kind = models.CharField(_("类别"), max_length=12, choices=EntryKind.choices)
    count = models.PositiveIntegerField(_("数量"), default=1)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("帮办申请"))
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+", verbose_name=_("家庭"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("记录人"))
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动记录")
        verbose_name_plural = _("活动记录")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(count__gte=1),
                                   name="event_entry_count_positive"),
            # A 帮办 application is one case, a lead one household: each a single entry that
            # names it, and named once per event (a second tap must not count it twice).
            models.CheckConstraint(
                condition=~models.Q(kind=EntryKind.APPLICATION)
                | (models.Q(case__isnull=False) & models.Q(count=1)),
                name="event_entry_application_is_one_case"),
            models.CheckConstraint(
                condition=~models.Q(kind=EntryKind.LEAD)
                | (models.Q(household__isnull=False) & models.Q(count=1)),
                name="event_entry_lead_is_one_household"),
            models.UniqueConstraint(fields=["event", "case"],
                                    condition=models.Q(case__isnull=False),
                                    name="event_entry_one_per_case"),
            models.UniqueConstraint(fields=["event", "household"],
                                    condition=models.Q(kind=EntryKind.LEAD),
                                    name="event_entry_one_lead_per_household"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.kind} {self.count}"
