from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from regions.models import Region
from regions.scoping import code_range, user_prefix

from .models import ValueType


class ParameterForm(forms.Form):
    key = forms.CharField(label=_("参数名"), max_length=64)
    region = forms.ChoiceField(label=_("适用区划"))
    value = forms.CharField(label=_("取值"), max_length=500)
    value_type = forms.ChoiceField(label=_("类型"), choices=ValueType.choices)
    unit = forms.CharField(label=_("单位"), max_length=32, required=False)
    effective_from = forms.DateField(label=_("生效日期"),
                                     widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("依据/说明"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        prefix = user_prefix(user) or ""
        regions = Region.objects.filter(level__lte=4)
        if prefix:
            regions = regions.filter(code__range=code_range(prefix))
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ChoiceField)
        region_field.choices = [(r.code, f"{r.code} {r.name}") for r in regions]
