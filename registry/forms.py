from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from regions.selectors import villages_for_user

from .choices import (
    AssetType,
    DisabilityCategory,
    ExclusionReason,
    IncomeType,
    Relation,
    UrbanRural,
)
from .idcard import check_id_number


class IdNumberField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("身份证号码"))
        kwargs.setdefault("max_length", 18)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        result = check_id_number(value)
        if not result.valid:
            raise forms.ValidationError(result.error)
        return result.normalized


class VillageChoiceField(forms.ChoiceField):
    def __init__(self, user: Any, **kwargs: Any) -> None:
        choices = [("", _("请选择")), *(
            (v.code, f"{v.parent.name if v.parent else ''} {v.name}")
            for v in villages_for_user(user)
        )]
        super().__init__(choices=choices, label=_("村（社区）"), **kwargs)


class HouseholdForm(forms.Form):
    address = forms.CharField(label=_("居住地址"), max_length=200)
    phone = forms.CharField(label=_("家庭联系电话"), max_length=20, required=False)
    urban_rural = forms.ChoiceField(
        label=_("城乡类别"), choices=[("", _("按村（社区）城乡分类自动判定")), *UrbanRural.choices],
        required=False,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"village": VillageChoiceField(user), **self.fields}


class HouseholdCreateForm(HouseholdForm):
    applicant_name = forms.CharField(label=_("申请人姓名"), max_length=50)
    applicant_id_number = IdNumberField(label=_("申请人身份证号码"))
    applicant_phone = forms.CharField(label=_("申请人电话"), max_length=20, required=False)


class MemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = IdNumberField()
    # Blank first: a household already has its applicant, so no relation is a safe default.
    relation = forms.ChoiceField(label=_("与申请人关系"), choices=[("", _("请选择")), *Relation.choices])
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class PersonEditForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    relation = forms.ChoiceField(label=_("与申请人关系"), choices=Relation.choices)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    excluded = forms.BooleanField(label=_("不计入共同生活家庭成员"), required=False)
    excluded_reason = forms.ChoiceField(
        label=_("不计入原因"), choices=[("", "—"), *ExclusionReason.choices], required=False
    )
    cohabiting_since = forms.DateField(
        label=_("共同生活起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class IncomeForm(forms.Form):
    income_type = forms.ChoiceField(label=_("收入类型"), choices=IncomeType.choices)
    monthly_amount = forms.CharField(label=_("月收入（元）"), max_length=20)
    start_month = forms.DateField(
        label=_("起始月份"), widget=forms.DateInput(attrs={"type": "date"}), initial=date.today
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class AssetForm(forms.Form):
    asset_type = forms.ChoiceField(label=_("财产类型"), choices=AssetType.choices)
    value = forms.CharField(label=_("价值（元）"), max_length=20)
    as_of = forms.DateField(
        label=_("核定日期"), widget=forms.DateInput(attrs={"type": "date"}), initial=date.today
    )
    description = forms.CharField(label=_("说明"), max_length=200, required=False)
    exempt = forms.BooleanField(label=_("生活必需品豁免"), required=False)


class DisabilityForm(forms.Form):
    category = forms.ChoiceField(label=_("残疾类别"), choices=DisabilityCategory.choices)
    grade = forms.TypedChoiceField(
        label=_("残疾等级"), coerce=int,
        choices=[(1, _("一级")), (2, _("二级")), (3, _("三级")), (4, _("四级"))],
    )
    certificate_number = forms.CharField(label=_("残疾证号"), max_length=32, required=False)
    issued_on = forms.DateField(
        label=_("发证日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("导入文件（.xlsx 或 .csv）"))
