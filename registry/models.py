"""Households and persons, with disabilities, income and asset records (domain.md §2.2–2.3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import (
    AssetType,
    DisabilityCategory,
    ExclusionReason,
    IncomeType,
    RecordSource,
    Relation,
    UrbanRural,
    UrbanRuralBasis,
)


class Household(models.Model):
    REGION_LOOKUP = "village__code"

    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, db_column="village_code",
        verbose_name=_("村（社区）"),
    )
    address = models.CharField(_("居住地址"), max_length=200)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    urban_rural = models.CharField(_("城乡类别"), max_length=5, choices=UrbanRural.choices)
    urban_rural_basis = models.CharField(
        _("城乡认定依据"), max_length=16, choices=UrbanRuralBasis.choices,
        default=UrbanRuralBasis.CLASS_CODE,
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")
        indexes = [models.Index(fields=["village", "-id"], name="household_village_recent")]

    def __str__(self) -> str:
        return f"{_('家庭')}#{self.pk}"

    def applicant_person(self) -> Person | None:
        return self.members.filter(relation=Relation.APPLICANT).first()


class Person(models.Model):
    REGION_LOOKUP = "household__village__code"

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("家庭")
    )
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    id_number = models.CharField(_("身份证号码"), max_length=18, unique=True)
    id_number_old = models.CharField(_("原15位身份证号码"), max_length=15, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))])
    birth_date = models.DateField(_("出生日期"))
    relation = models.CharField(_("与申请人关系"), max_length=16, choices=Relation.choices)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    excluded = models.BooleanField(_("不计入共同生活家庭成员"), default=False)
    excluded_reason = models.CharField(
        _("不计入原因"), max_length=16, choices=ExclusionReason.choices, blank=True
    )
    cohabiting_since = models.DateField(_("共同生活起始日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(excluded=False) | ~models.Q(excluded_reason=""),
                name="person_exclusion_has_reason",
            ),
            models.UniqueConstraint(
                fields=["household"], condition=models.Q(relation="applicant"),
                name="one_applicant_per_household",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Disability(models.Model):
    REGION_LOOKUP = "person__household__village__code"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="disabilities")
    category = models.CharField(_("残疾类别"), max_length=16, choices=DisabilityCategory.choices)
    grade = models.PositiveSmallIntegerField(
        _("残疾等级"), choices=[(1, _("一级")), (2, _("二级")), (3, _("三级")), (4, _("四级"))]
    )
    certificate_number = models.CharField(_("残疾证号"), max_length=32, blank=True)
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("残疾信息")
        verbose_name_plural = _("残疾信息")
        constraints = [
            models.CheckConstraint(condition=models.Q(grade__range=(1, 4)), name="disability_grade"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}{self.get_grade_display()}"


class IncomeRecord(models.Model):
    REGION_LOOKUP = "person__household__village__code"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="incomes")
    income_type = models.CharField(_("收入类型"), max_length=24, choices=IncomeType.choices)
    monthly_amount = models.DecimalField(_("月收入（元）"), max_digits=14, decimal_places=2)
    start_month = models.DateField(_("起始月份"))
    end_month = models.DateField(_("截止月份"), null=True, blank=True)
    # Set from the dibao.income_exclusions parameter when the record is written, so totals can
    # be summed in SQL; the parameter version in force then is kept in `excluded_rule`.
    excluded = models.BooleanField(_("按规定不计入收入"), default=False)
    excluded_rule = models.CharField(max_length=64, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=RecordSource.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("收入记录")
        verbose_name_plural = _("收入记录")
        constraints = [
            models.CheckConstraint(condition=models.Q(monthly_amount__gte=0), name="income_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.get_income_type_display()} {self.monthly_amount}"


class AssetRecord(models.Model):
    REGION_LOOKUP = "household__village__code"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="assets")
    owner = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="assets",
        verbose_name=_("所有人"),
    )
    asset_type = models.CharField(_("财产类型"), max_length=20, choices=AssetType.choices)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    value = models.DecimalField(_("价值（元）"), max_digits=14, decimal_places=2)
    as_of = models.DateField(_("核定日期"))
    exempt = models.BooleanField(_("生活必需品豁免"), default=False)
    source = models.CharField(_("来源"), max_length=16, choices=RecordSource.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("财产记录")
        verbose_name_plural = _("财产记录")
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gte=0), name="asset_value_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.get_asset_type_display()} {self.value}"


class ImportJob(models.Model):
    """One uploaded household file: its normalised rows, every error found, and the outcome.

    Validation writes only this row; the registry tables change when the uploader confirms
    (registry.importing.import_commit), all in one transaction.
    """

    class Status(models.TextChoices):
        VALIDATED = "validated", _("已校验，待确认")
        COMMITTED = "committed", _("已导入")
        FAILED = "failed", _("导入失败")
        CANCELLED = "cancelled", _("已取消")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("全部导入，有错误则全部不导入")
        GOOD_ONLY = "good_only", _("只导入无错误的家庭")

    # The uploader's region code at upload time, so the job is scoped like the data it carries.
    REGION_LOOKUP = "region_code"

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("上传人"),
    )
    region_code = models.CharField(_("上传人区划代码"), max_length=12, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.VALIDATED
    )
    mode = models.CharField(_("导入方式"), max_length=12, choices=Mode.choices, blank=True)
    rows_total = models.PositiveIntegerField(_("数据行数"), default=0)
    households_total = models.PositiveIntegerField(_("家庭数"), default=0)
    households_bad = models.PositiveIntegerField(_("有错误的家庭数"), default=0)
    persons_total = models.PositiveIntegerField(_("人数"), default=0)
    persons_bad = models.PositiveIntegerField(_("有错误家庭的人数"), default=0)
    households_imported = models.PositiveIntegerField(_("已导入家庭数"), default=0)
    persons_imported = models.PositiveIntegerField(_("已导入人数"), default=0)
    rows = models.JSONField(_("规范化数据行"), default=list)
    errors = models.JSONField(_("错误清单"), default=list)
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("家庭批量导入")
        verbose_name_plural = _("家庭批量导入")
        indexes = [models.Index(fields=["region_code", "-id"], name="importjob_region_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(households_bad__lte=models.F("households_total"))
                & models.Q(persons_bad__lte=models.F("persons_total")),
                name="importjob_bad_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('导入')}#{self.pk} {self.file_name}"

    @property
    def households_good(self) -> int:
        return self.households_total - self.households_bad

    @property
    def persons_good(self) -> int:
        return self.persons_total - self.persons_bad
