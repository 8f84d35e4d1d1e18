"""Input of the evaluation pages. The services check every rule again; a form only parses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuzhu.forms import set_choices

from .sampling_forms import region_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ComputeForm(forms.Form):
    region = forms.ChoiceField(label=_("被考评地区"),
                               help_text=_("乡镇（街道），或本县（供市级考评）"))
    period_start = forms.DateField(label=_("考评期起"), widget=DATE)
    period_end = forms.DateField(label=_("考评期止"), widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "region", region_choices(user))


class ScoreForm(forms.Form):
    indicator = forms.IntegerField(widget=forms.HiddenInput)
    # Text: the service parses it, so a bad score gets the same message everywhere.
    points = forms.CharField(label=_("得分"), max_length=10)
    note = forms.CharField(label=_("扣分说明"), max_length=300, required=False)
