"""A grid worker's (网格员) visit to a household: what was found, what was asked for, and whether
the care card was handed over (with the household's signature)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitKind(models.TextChoices):
    SCHEDULED = "scheduled", _("定期走访")
    UNSCHEDULED = "unscheduled", _("临时走访")
    LEAD = "lead", _("线索上门核实")


class Visit(models.Model):
    REGION_LOOKUP = "household__village__code"

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT,
                                  related_name="visits", verbose_name=_("家庭"))
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="visits", verbose_name=_("走访人"))
    visited_on = models.DateField(_("走访日期"))
    kind = models.CharField(_("走访类型"), max_length=12, choices=VisitKind.choices,
                            default=VisitKind.SCHEDULED)
    findings = models.TextField(_("家庭近况"), blank=True)
    needs = models.TextField(_("发现的需求"), blank=True)
    card_delivered = models.BooleanField(_("已送达联系卡"), default=False)
    signature = models.FileField(_("签收签名"), upload_to="visits/signatures/%Y/%m/",
                                 blank=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["household", "-visited_on"], name="visit_household_on")]

    def __str__(self) -> str:
        return f"visit {self.pk} household {self.household_id} {self.visited_on}"


class VisitPhoto(models.Model):
    REGION_LOOKUP = "visit__household__village__code"

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="photos",
                              verbose_name=_("走访记录"))
    image = models.FileField(_("照片"), upload_to="visits/photos/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")

    def __str__(self) -> str:
        return f"photo {self.pk} of visit {self.visit_id}"
