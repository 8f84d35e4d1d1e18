"""补发, 追回 and amount changes (domain.md §10): each with its reason and deciding act."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class BackPayReason(models.TextChoices):
    LATE_APPROVAL = "late_approval", _("审批晚于起始月份")
    ARREARS = "arrears", _("暂停期间待发款项")
    INCREASE = "increase", _("提标/调增追溯")
    FAILED_PAYMENT = "failed_payment", _("发放失败补发")
    OTHER = "other", _("其他")


class BackPay(models.Model):
    """补发, itemised by the month owed; paid with the first payroll that picks it up."""

    REGION_LOOKUP = "enrollment__village__code"

    enrollment = models.ForeignKey("benefits.Enrollment", on_delete=models.PROTECT,
                                   related_name="back_pays")
    month_owed = models.DateField(_("所属月份"))
    amount = models.DecimalField(_("补发金额"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("补发原因"), max_length=16, choices=BackPayReason.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    decision = models.CharField(_("决定依据"), max_length=100, blank=True)
    # Set when a payroll line carries it; cleared again if that run is reopened.
    run = models.ForeignKey("benefits.PayrollRun", on_delete=models.PROTECT, null=True,
                            blank=True, related_name="+")
    run_version = models.PositiveSmallIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("补发")
        verbose_name_plural = _("补发")
        indexes = [models.Index(fields=["enrollment", "run"], name="backpay_enrollment_run")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="backpay_positive"),
            models.CheckConstraint(condition=Q(month_owed__day=1), name="backpay_month"),
            # A month is owed once per reason, so computing a payroll twice cannot double it.
            models.UniqueConstraint(fields=["enrollment", "month_owed", "reason"],
                                    name="backpay_once_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id} {self.month_owed:%Y-%m} +{self.amount}"


class RecoveryStatus(models.TextChoices):
    OPEN = "open", _("追回中")
    SETTLED = "settled", _("已追回")
    WRITTEN_OFF = "written_off", _("已核销")


class Recovery(models.Model):
    """追回: a receivable from an overpayment, recovered by monthly deductions from the
    payment, by repayments, or written off by an approved decision. A fraud fine is separate
    (暂行办法§68) and not recorded here."""

    REGION_LOOKUP = "enrollment__village__code"

    enrollment = models.ForeignKey("benefits.Enrollment", on_delete=models.PROTECT,
                                   related_name="recoveries")
    total = models.DecimalField(_("应追回金额"), max_digits=14, decimal_places=2)
    # 0 = no deductions (ended enrollment): repayments only.
    monthly_deduction = models.DecimalField(_("每月扣减"), max_digits=14, decimal_places=2,
                                            default=0)
    # Deductions of approved payroll lines plus repayments, kept up to date by those writes.
    recovered = models.DecimalField(_("已追回"), max_digits=14, decimal_places=2, default=0)
    written_off = models.DecimalField(_("核销金额"), max_digits=14, decimal_places=2, default=0)
    status = models.CharField(_("状态"), max_length=12, choices=RecoveryStatus.choices,
                              default=RecoveryStatus.OPEN)
    reason = models.CharField(_("追回原因"), max_length=200)
    decision = models.CharField(_("决定依据"), max_length=100)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("追回")
        verbose_name_plural = _("追回")
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="recovery_positive"),
            models.CheckConstraint(condition=Q(monthly_deduction__gte=0),
                                   name="recovery_deduction_nonneg"),
            models.CheckConstraint(
                condition=Q(recovered__gte=0) & Q(written_off__gte=0)
                & Q(total__gte=models.F("recovered") + models.F("written_off")),
                name="recovery_not_over"),
            # One open plan per enrollment, so a payroll line deducts from at most one.
            models.UniqueConstraint(fields=["enrollment"], condition=Q(status="open"),
                                    name="one_open_recovery"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id} -{self.total}"

    @property
    def outstanding(self) -> Decimal:
        return self.total - self.recovered - self.written_off


class Repayment(models.Model):
    REGION_LOOKUP = "recovery__enrollment__village__code"

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="repayments")
    amount = models.DecimalField(_("缴回金额"), max_digits=14, decimal_places=2)
    paid_on = models.DateField(_("缴回日期"))
    receipt = models.CharField(_("票据号"), max_length=64)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("缴回记录")
        verbose_name_plural = _("缴回记录")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0),
                                              name="repayment_positive")]

    def __str__(self) -> str:
        return f"{self.recovery_id} {self.amount}"


class AmountChange(models.Model):
    """A change of the monthly amount from a month on, with why and by whose decision.

    Months already paid at the old amount are settled by a BackPay (increase) or a Recovery
    (decrease) created with the change."""

    REGION_LOOKUP = "enrollment__village__code"

    enrollment = models.ForeignKey("benefits.Enrollment", on_delete=models.PROTECT,
                                   related_name="amount_changes")
    effective_month = models.DateField(_("生效月份"))
    old_amount = models.DecimalField(_("原金额"), max_digits=14, decimal_places=2)
    new_amount = models.DecimalField(_("新金额"), max_digits=14, decimal_places=2)
    old_persons = models.PositiveSmallIntegerField(_("原保障人数"))
    new_persons = models.PositiveSmallIntegerField(_("新保障人数"))
    reason = models.CharField(_("变更原因"), max_length=200)
    decision = models.CharField(_("决定依据"), max_length=100)
    # False until the payroll of effective_month (or the change itself, if that month's
    # payroll is not yet computed) writes the new amount into the enrollment.
    applied = models.BooleanField(default=False)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("金额变更")
        verbose_name_plural = _("金额变更")
        indexes = [models.Index(fields=["applied", "effective_month"], name="change_pending")]
        constraints = [
            models.CheckConstraint(condition=Q(effective_month__day=1), name="change_month"),
            models.CheckConstraint(condition=Q(new_amount__gte=0), name="change_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id} {self.effective_month:%Y-%m} {self.new_amount}"
