from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from regions.selectors import townships_for_user


class AllocateForm(forms.Form):
    """Input only; the amount is checked by the service (parse_money), so its message is the
    same wherever a fund is topped up."""

    township = forms.ChoiceField(label=_("乡镇（街道）"))
    amount = forms.CharField(label=_("拨付金额（元）"), max_length=20)
    note = forms.CharField(label=_("摘要"), max_length=200, required=False,
                           help_text=_("如：2026年第四季度备用金"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        township = cast(forms.ChoiceField, self.fields["township"])
        township.choices = [
            ("", _("请选择")), *((t.code, t.name) for t in townships_for_user(user))
        ]
