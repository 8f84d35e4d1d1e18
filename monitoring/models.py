"""低收入人口动态监测 (domain.md §11, 通知2022): warning rules, runs and the warnings they raise.

The monitored population is every household with an active enrollment (recipients, 低保边缘,
刚性支出) plus households registered as other low-income (MonitoredHousehold). A run evaluates
every enabled rule over that population with one INSERT … SELECT per rule (monitoring.engine).
A warning lands in its township's queue and must be acted on within `warning.action_days`
working days: open → contacted → case_opened | no_action (with reason) → closed (result).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RuleCode(models.TextChoices):
    MEDICAL_EXPENSE = "medical_expense", _("大额医疗支出")
    EARNER_DEATH = "earner_death", _("主要劳动力死亡")
    EARNER_DISABILITY = "earner_disability", _("主要劳动力新增残疾")
    JOB_LOSS = "job_loss", _("失业")
    PENSION_LOSS = "pension_loss", _("养老金停发")
    DISASTER = "disaster", _("遭受灾害")
    SCHOOL_ENTRY = "school_entry", _("子女升学（高中/大学）")
    INCOME_ABOVE_STANDARD = "income_above", _("在保对象收入超过标准")
    MISSED_RECHECK = "missed_recheck", _("逾期未复核")
    ASSET_FOUND = "asset_found", _("核对发现财产")


class WarningRule(models.Model):
    """A rule's setting for a region (blank region = the whole county and below).

    The most specific region up a village's chain decides whether the rule is on there and
    with which threshold (yuan, or a ratio) and look-back (days).
    """

    REGION_LOOKUP = "region__code"

    code = models.CharField(_("预警规则"), max_length=20, choices=RuleCode.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+", verbose_name=_("适用地区"))
    enabled = models.BooleanField(_("启用"), default=True)
    threshold = models.DecimalField(_("阈值"), max_digits=14, decimal_places=2, null=True,
                                    blank=True)
    lookback_days = models.PositiveIntegerField(_("回溯天数"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        ordering = ["code", "region"]
        constraints = [
            models.UniqueConstraint(fields=["code", "region"], name="warning_rule_region"),
            models.UniqueConstraint(fields=["code"], condition=Q(region__isnull=True),
                                    name="warning_rule_default"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.region_id or '*'}"


class LowIncomeKind(models.TextChoices):
    EDGE = "edge", _("低保边缘家庭")
    RIGID = "rigid", _("刚性支出困难家庭")
    RETURN_RISK = "return_risk", _("防止返贫监测对象")
    OTHER = "other", _("其他低收入家庭")


class MonitoredHousehold(models.Model):
    """A low-income household watched without an enrollment (e.g. from the 防返贫 list)."""

    REGION_LOOKUP = "household__village__code"

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("家庭"))
    kind = models.CharField(_("类别"), max_length=12, choices=LowIncomeKind.choices)
    since = models.DateField(_("纳入监测日期"))
    until = models.DateField(_("退出监测日期"), null=True, blank=True)
    reason = models.CharField(_("纳入原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("监测家庭")
        verbose_name_plural = _("监测家庭")
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(until__isnull=True),
                                    name="monitored_household_open"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind}"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class MonitoringRun(models.Model):
    REGION_LOOKUP = "region_code"

    region_code = models.CharField(_("范围区划代码"), max_length=12)
    on_date = models.DateField(_("监测日期"))
    status = models.CharField(_("状态"), max_length=8, choices=RunStatus.choices,
                              default=RunStatus.RUNNING)
    monitored_persons = models.PositiveIntegerField(_("监测人数"), default=0)
    # {rule code: warnings raised}
    raised = models.JSONField(_("各规则新增预警"), default=dict)
    seconds = models.DecimalField(_("耗时（秒）"), max_digits=10, decimal_places=2, null=True,
                                  blank=True)
    error = models.CharField(_("失败原因"), max_length=500, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("监测运行")
        verbose_name_plural = _("监测运行")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"monitoring {self.pk} {self.on_date}"


class WarningState(models.TextChoices):
    OPEN = "open", _("待处置")
    CONTACTED = "contacted", _("已联系")
    CASE_OPENED = "case_opened", _("已转申请")
    NO_ACTION = "no_action", _("无需救助")
    CLOSED = "closed", _("已办结")


class Warning(models.Model):
    REGION_LOOKUP = "village_code"

    rule = models.CharField(_("预警规则"), max_length=20, choices=RuleCode.choices)
    run = models.ForeignKey(MonitoringRun, on_delete=models.PROTECT, null=True, blank=True,
                            related_name="warnings")
    # Indexed by the unique (person, rule, event key), whose first column it is. Every index
    # is paid for on each of a run's inserts (bench/RESULTS-monitoring.md); the users' columns
    # are never searched (users are deactivated, not deleted), so they have none either.
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("预警对象"), db_index=False)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT,
                                  related_name="warnings", verbose_name=_("家庭"))
    village_code = models.CharField(_("村（社区）代码"), max_length=12)
    # What fired, in words and as the number compared with the threshold (if any).
    evidence = models.CharField(_("预警依据"), max_length=300)
    value = models.DecimalField(_("指标值"), max_digits=16, decimal_places=2, null=True,
                                blank=True)
    # Identifies the triggering event (a death date, a fact, a re-check due date, a month), so
    # a condition that persists raises one warning, not one per run.
    event_key = models.CharField(_("触发事件"), max_length=40)
    raised_on = models.DateField(_("预警日期"))
    due_on = models.DateField(_("处置期限"))
    state = models.CharField(_("状态"), max_length=12, choices=WarningState.choices,
                             default=WarningState.OPEN)
    contacted_at = models.DateTimeField(_("联系时间"), null=True, blank=True)
    # The grid worker of the village may make the contact and a township clerk the disposition,
    # so who contacted is kept apart from acted_by (who opened the case or decided no action).
    contacted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("联系人"), db_index=False)
    contact_note = models.TextField(_("联系情况"), blank=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("转入的救助申请"))
    no_action_reason = models.CharField(_("不予救助理由"), max_length=300, blank=True)
    result = models.TextField(_("处置结果"), blank=True)
    acted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+", verbose_name=_("处置人"),
                                 db_index=False)
    acted_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("监测预警")
        verbose_name_plural = _("监测预警")
        ordering = ["-raised_on", "-id"]
        indexes = [
            models.Index(fields=["village_code", "state"], name="warning_village_state"),
            models.Index(fields=["state", "due_on"], name="warning_state_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "rule", "event_key"],
                                    name="warning_one_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.person_id} {self.raised_on}"
