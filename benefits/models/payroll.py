"""Monthly payroll runs, their lines and the bank files that carry them (domain.md §10)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("待审核")
    APPROVED = "approved", _("已审批（锁定）")


class PayrollRun(models.Model):
    """One programme, one month, one county. Computed by a maker, approved by a checker.

    `version` counts the computations of an approved run that was reopened: lines of earlier
    versions stay as history, and every read of "the lines" means `version == run.version`."""

    REGION_LOOKUP = "region_code"

    programme = models.ForeignKey("policies.Programme", on_delete=models.PROTECT,
                                  verbose_name=_("救助项目"))
    month = models.DateField(_("发放月份"))
    region_code = models.CharField(_("区县代码"), max_length=12)
    status = models.CharField(_("状态"), max_length=10, choices=RunStatus.choices,
                              default=RunStatus.DRAFT)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    lines = models.PositiveIntegerField(_("笔数"), default=0)
    persons = models.PositiveIntegerField(_("人数"), default=0)
    total = models.DecimalField(_("合计金额（元）"), max_digits=16, decimal_places=2, default=0)
    computed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+",
                                    verbose_name=_("制表人"))
    computed_at = models.DateTimeField(_("生成时间"), null=True)
    approved_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("审批人"))
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    reopen_reason = models.CharField(_("重新打开原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("发放批次")
        verbose_name_plural = _("发放批次")
        ordering = ["-month", "programme"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "month", "region_code"],
                                    name="payroll_run_unique_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="payroll_run_month"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.month:%Y-%m}"


class LineStatus(models.TextChoices):
    # Not yet in a bank file: no account yet, or waiting for the next file.
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送银行")
    PAID = "paid", _("发放成功")
    FAILED = "failed", _("发放失败")


class PayrollLine(models.Model):
    """One enrollment's payment in one run version, with what made up its amount.

    Dimensions the monthly report groups by (village, urban/rural, persons, care class,
    support form) are copied in at computation so the report reads this table alone."""

    REGION_LOOKUP = "village_code"

    # Keys kept by Django only: a million-line INSERT … SELECT from rows that exist does not
    # need a per-row foreign-key check (see RunPerson in verification for the measurement).
    run = models.ForeignKey(PayrollRun, on_delete=models.CASCADE, related_name="+",
                            db_index=False, db_constraint=False)
    version = models.PositiveSmallIntegerField()
    enrollment = models.ForeignKey("benefits.Enrollment", on_delete=models.PROTECT,
                                   related_name="payroll_lines", db_constraint=False)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT,
                                  related_name="+", db_constraint=False, db_index=False)
    programme = models.ForeignKey("policies.Programme", on_delete=models.PROTECT,
                                  related_name="+", db_constraint=False, db_index=False)
    month = models.DateField()
    village_code = models.CharField(max_length=12)
    urban_rural = models.CharField(max_length=5)
    persons = models.PositiveSmallIntegerField()
    care_class = models.CharField(max_length=8, blank=True)
    support_form = models.CharField(max_length=12, blank=True)
    base_amount = models.DecimalField(_("月保障金"), max_digits=14, decimal_places=2)
    back_pay = models.DecimalField(_("补发"), max_digits=14, decimal_places=2, default=0)
    deduction = models.DecimalField(_("追回扣减"), max_digits=14, decimal_places=2, default=0)
    amount = models.DecimalField(_("实发金额"), max_digits=14, decimal_places=2)
    recovery = models.ForeignKey("benefits.Recovery", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+", db_constraint=False,
                                 db_index=False)
    account = models.ForeignKey("benefits.PaymentAccount", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+", db_constraint=False,
                                db_index=False)
    status = models.CharField(_("发放状态"), max_length=8, choices=LineStatus.choices,
                              default=LineStatus.PENDING)
    bank_file = models.ForeignKey("benefits.BankFile", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+", db_constraint=False,
                                  db_index=False)
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    # How many bank files carried this line: 1 for the first, +1 for each re-issue.
    attempts = models.PositiveSmallIntegerField(default=0)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        indexes = [
            # No (run, version, village) index: the unique key below serves a run's lines, and
            # keeping a village-ordered index up to date cost more than the rest of the insert.
            models.Index(fields=["month", "programme"], name="line_month_programme"),
            models.Index(fields=["bank_file"], name="line_bank_file"),
            # Approval books each run's deductions on their recovery plans; few lines carry one.
            models.Index(fields=["recovery", "run", "version"], name="line_recovery",
                         condition=Q(recovery__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["run", "version", "enrollment"],
                                    name="line_one_per_enrollment"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="line_amount_nonneg"),
            models.CheckConstraint(
                condition=Q(amount=models.F("base_amount") + models.F("back_pay")
                            - models.F("deduction")),
                name="line_amount_adds_up"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.version}:{self.enrollment_id} {self.amount}"


class BankFile(models.Model):
    """One 一卡通 payment file sent to the bank: the first for a run, or a re-issue."""

    REGION_LOOKUP = "run__region_code"

    run = models.ForeignKey(PayrollRun, on_delete=models.PROTECT, related_name="bank_files")
    sequence = models.PositiveSmallIntegerField(_("序号"))
    lines = models.PositiveIntegerField(_("笔数"))
    total = models.DecimalField(_("金额"), max_digits=16, decimal_places=2)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    returned_at = models.DateTimeField(_("回盘导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("银行代发文件")
        verbose_name_plural = _("银行代发文件")
        constraints = [
            models.UniqueConstraint(fields=["run", "sequence"], name="bank_file_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.run} #{self.sequence}"
