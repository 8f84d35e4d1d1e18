"""Programme catalogue, versioned parameters by region and date, and the public policy Q&A."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    name = models.CharField(_("部门"), max_length=64, unique=True)
    phone = models.CharField(_("咨询电话"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("责任部门")
        verbose_name_plural = _("责任部门")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProgrammeCategory(models.TextChoices):
    BASIC = "basic", _("基本生活救助")
    SPECIAL = "special", _("专项救助")
    TEMPORARY = "temporary", _("急难社会救助")
    STATUS = "status", _("低收入认定")


class Programme(models.Model):
    code = models.SlugField(_("代码"), max_length=32, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    category = models.CharField(_("类别"), max_length=16, choices=ProgrammeCategory.choices)
    description = models.TextField(_("政策说明"))
    conditions = models.TextField(_("申请条件"), blank=True)
    how_to_apply = models.TextField(_("办理流程"), blank=True)
    legal_basis = models.CharField(_("政策依据"), max_length=200, blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, verbose_name=_("责任部门"))
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("救助项目")
        verbose_name_plural = _("救助项目")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class ValueType(models.TextChoices):
    DECIMAL = "decimal", _("金额/小数")
    INTEGER = "integer", _("整数")
    BOOLEAN = "boolean", _("是/否")
    TEXT = "text", _("文本")
    LIST = "list", _("列表")


class Parameter(models.Model):
    """One value of a named parameter for a region (blank = national) from a date on.

    Resolution: the most specific region on the path village→…→province→national that has a
    value effective on the date; within one region the latest `effective_from` wins.
    """

    key = models.CharField(_("参数名"), max_length=64, db_index=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True,
        verbose_name=_("适用区划"),
    )
    value = models.CharField(_("取值"), max_length=500)
    value_type = models.CharField(_("类型"), max_length=8, choices=ValueType.choices)
    unit = models.CharField(_("单位"), max_length=32, blank=True)
    effective_from = models.DateField(_("生效日期"))
    note = models.CharField(_("依据/说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("政策参数")
        verbose_name_plural = _("政策参数")
        ordering = ["key", "region_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "region", "effective_from"], name="parameter_unique_version"
            ),
            models.UniqueConstraint(
                fields=["key", "effective_from"], condition=models.Q(region__isnull=True),
                name="parameter_unique_national_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class PolicyQA(models.Model):
    """政策一本通: plain-language questions and answers shown on the public portal."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("救助项目")
    )
    question = models.CharField(_("问题"), max_length=200)
    answer = models.TextField(_("解答"))
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("政策问答")
        verbose_name_plural = _("政策问答")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.question
