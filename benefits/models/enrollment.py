"""Enrollments: who receives which programme, how much, from when (domain.md §2.4, §2.6, §10)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("正常享受")
    SUSPENDED = "suspended", _("暂停发放")
    ENDED = "ended", _("已停保")


class Enrollment(models.Model):
    REGION_LOOKUP = "village__code"

    programme = models.ForeignKey("policies.Programme", on_delete=models.PROTECT,
                                  verbose_name=_("救助项目"))
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT,
                                  related_name="enrollments", verbose_name=_("家庭"))
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="enrollment",
                                verbose_name=_("审批案件"))
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT,
                                db_column="village_code", related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=EnrollmentStatus.choices,
                              default=EnrollmentStatus.ACTIVE)
    monthly_amount = models.DecimalField(_("月发放金额（元）"), max_digits=14, decimal_places=2)
    # A one-off grant (temporary assistance) is paid once, not monthly.
    one_off = models.BooleanField(_("一次性救助"), default=False)
    # 先行救助 paid in cash from the township reserve fund (relief.ReserveEntry): recorded for
    # the statistics, never put on a payroll.
    prepaid = models.BooleanField(_("已由备用金先行支付"), default=False)
    start_month = models.DateField(_("起始月份"))
    # The last month paid (inclusive), like IncomeRecord.end_month; blank = open-ended. 渐退
    # sets it ahead while the enrollment stays active; 清退 sets it to the month of the decision.
    end_month = models.DateField(_("终止月份"), null=True, blank=True)
    # Counted members, copied at approval and at each change, so a payroll of a million lines
    # does not count memberships row by row.
    persons = models.PositiveSmallIntegerField(_("保障人数"), default=1)
    # §2.6: six-monthly re-checks for households whose income is unstable; yearly otherwise.
    income_stable = models.BooleanField(_("收入稳定"), default=True)
    last_recheck_on = models.DateField(_("上次复核日期"), null=True, blank=True)
    gradual_exit = models.BooleanField(_("渐退期"), default=False)
    ended_on = models.DateField(_("停保决定日期"), null=True, blank=True)
    end_reason = models.CharField(_("停保/暂停原因"), max_length=200, blank=True)
    care_class = models.CharField(_("生活自理能力"), max_length=8, blank=True)
    support_form = models.CharField(_("供养方式"), max_length=12, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("救助对象（享受记录）")
        verbose_name_plural = _("救助对象（享受记录）")
        indexes = [models.Index(fields=["village", "status"], name="enrollment_village_status"),
                   # A payroll reads one programme's active enrollments in table order (a
                   # village-ordered index would visit the rows, and insert the lines, at random).
                   models.Index(fields=["programme", "status"], name="enrollment_prog_status"),
                   # Each payroll ends the enrollments whose last month has passed; few have one.
                   models.Index(fields=["end_month"], name="enrollment_end_month",
                                condition=Q(end_month__isnull=False)),
                   # The monthly report's 新增 and 清退 of a month in a region.
                   models.Index(fields=["start_month", "village"], name="enrollment_start"),
                   models.Index(fields=["ended_on", "village"], name="enrollment_ended",
                                condition=Q(ended_on__isnull=False))]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_amount__gte=0),
                                   name="enrollment_amount_nonneg"),
            models.CheckConstraint(condition=Q(start_month__day=1), name="enrollment_start_month"),
            models.CheckConstraint(condition=Q(end_month__isnull=True) | Q(end_month__day=1),
                                   name="enrollment_end_month"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.household_id} {self.monthly_amount}"


class EnrollmentMember(models.Model):
    REGION_LOOKUP = "enrollment__village__code"

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT,
                               related_name="enrollments")
    # Copied from the enrollment so the database can refuse a second active membership.
    programme = models.ForeignKey("policies.Programme", on_delete=models.PROTECT,
                                  related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("保障成员")
        verbose_name_plural = _("保障成员")
        constraints = [
            models.UniqueConstraint(fields=["person", "programme"], condition=Q(active=True),
                                    name="one_active_enrollment_per_person_programme"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.programme_id}"
