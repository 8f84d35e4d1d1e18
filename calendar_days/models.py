"""Official holidays and 调休 working days; every other weekday is a working day."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日")
    WORKDAY = "workday", _("调休上班")


class CalendarDay(models.Model):
    date = models.DateField(_("日期"), primary_key=True)
    kind = models.CharField(_("类型"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=32, blank=True)
    source = models.CharField(_("来源"), max_length=16, default="admin")

    class Meta:
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class ScheduleYear(models.Model):
    """A year whose official schedule is entered; deadlines in other years are provisional."""

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    published = models.BooleanField(_("已发布"), default=False)
    note = models.CharField(_("说明"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("年度安排")
        verbose_name_plural = _("年度安排")

    def __str__(self) -> str:
        return str(self.year)
