"""12-digit statistical area codes (NBS): province 2 + city 2 + county 2 + township 3 + village 3."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("县/区")
    TOWNSHIP = 4, _("乡镇/街道")
    VILLAGE = 5, _("村/社区")


# How many leading digits of the 12-digit code identify a region of each level.
PREFIX_LENGTH = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}

URBAN_CLASSES = {"111", "112", "121", "122", "123"}


class Region(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("上级"),
    )
    # 城乡分类代码 (111 主城区 … 220 村庄); the default for a household's urban/rural status.
    urban_rural_class = models.CharField(_("城乡分类代码"), max_length=3, blank=True)
    valid_from = models.DateField(_("启用日期"), null=True, blank=True)
    valid_to = models.DateField(_("停用日期"), null=True, blank=True)
    successor = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("继承区划"),
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{12}$"), name="region_code_12_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[Level(self.level)]]

    @property
    def is_urban(self) -> bool:
        return self.urban_rural_class in URBAN_CLASSES

    @property
    def default_urban_rural(self) -> str:
        """"urban" or "rural" by the 城乡分类代码: the default for households filed here."""
        return "urban" if self.is_urban else "rural"

    def full_name(self) -> str:
        names = []
        node: Region | None = self
        while node is not None and node.level >= Level.COUNTY:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))
