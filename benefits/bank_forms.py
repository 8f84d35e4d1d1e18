"""Input of the account and bank pages; the services check the values themselves."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services.bank import ReturnMode


class AccountForm(forms.Form):
    holder = forms.ChoiceField(label=_("持卡人"))
    bank = forms.CharField(label=_("开户银行"), max_length=64)
    # Longer than 30 so that a number typed with spaces between groups still arrives whole.
    account_number = forms.CharField(label=_("银行账号"), max_length=40,
                                     help_text=_("12至30位数字，可带空格"))
    managed_by = forms.CharField(label=_("代管人"), max_length=64, required=False,
                                 help_text=_("卡由他人代管时填写，须有书面代管协议"))
    managed_agreement = forms.CharField(label=_("代管协议编号"), max_length=64,
                                        required=False)


class AccountCloseForm(forms.Form):
    reason = forms.CharField(label=_("停用原因"), max_length=200)


class ReturnForm(forms.Form):
    bank_file = forms.ChoiceField(label=_("代发文件"))
    file = forms.FileField(label=_("回盘文件（.csv 或 .xlsx）"))
    mode = forms.ChoiceField(label=_("有错误行时"), choices=ReturnMode.choices,
                             initial=ReturnMode.ALL_OR_NOTHING, widget=forms.RadioSelect)
