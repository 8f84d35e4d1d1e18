"""Input of the sampling pages. The services check every rule again; a form only parses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuzhu.forms import set_choices
from regions.models import Level
from regions.selectors import regions_for_user

from .models import Finding


def region_choices(user: Any) -> list[tuple[str, Any]]:
    """The user's county (the whole county at once) and each of its townships."""
    return [("", _("请选择")), *(
        (r.code, r.name if r.level == Level.COUNTY else f"　{r.name}")
        for r in regions_for_user(user, Level.COUNTY, Level.TOWNSHIP))]


class RoundForm(forms.Form):
    region = forms.ChoiceField(label=_("抽查范围"),
                               help_text=_("选择本县则各乡镇（街道）分别按比例抽取"))
    period = forms.CharField(label=_("抽查期间（季度）"), max_length=7,
                             help_text=_("如：2026Q4；每个地区每季度一个批次"))
    seed = forms.CharField(label=_("抽样种子"), max_length=32, required=False,
                           help_text=_("可填写公开抽签确定的种子；不填由系统随机生成。"
                                       "相同种子和在保名单抽出的样本相同"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "region", region_choices(user))


class FindingForm(forms.Form):
    finding = forms.ChoiceField(label=_("核查结论"), widget=forms.RadioSelect, choices=[
        (f.value, f.label) for f in (Finding.CORRECT, Finding.WRONG_AMOUNT, Finding.INELIGIBLE)])
    note = forms.CharField(label=_("核查情况"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("结论不是“认定准确”的须写明情况，并自动转入问题清单"))


class MissingForm(forms.Form):
    id_number = forms.CharField(label=_("家庭成员身份证号码"), max_length=18,
                                help_text=_("该家庭须已在家庭档案中登记"))
    note = forms.CharField(label=_("核查情况"), max_length=500,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("写明应保未保的情况；登记后自动转入问题清单"))
