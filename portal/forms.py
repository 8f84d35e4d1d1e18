"""Forms of the public pages; the services hold the rules, these only parse input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.choices import SupporterStatus, SupportForm, TemporaryKind
from cases.services.online import CONSENT_TEXT, MemberRow, OnlineApplication
from registry.choices import IncomeType, Relation
from registry.forms import IdNumberField

from . import selectors

MEMBER_ROWS = 4
CALC_MEMBERS = 6
CALC_INCOMES = 3
TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("请选择")), *choices]


def _set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _villages(form: forms.Form) -> None:
    """The county's villages grouped by township (<optgroup>), read when the form is made."""
    _set_choices(form, "village", _blank(selectors.village_choices()))


class ApplyForm(forms.Form):
    programme = forms.ChoiceField(label=_("申请项目"))
    village = forms.ChoiceField(label=_("所在村（社区）"))
    address = forms.CharField(label=_("居住地址（组、门牌号）"), max_length=200)
    applicant_name = forms.CharField(label=_("申请人姓名"), max_length=50)
    applicant_id_number = IdNumberField(label=_("申请人身份证号码"))
    phone = forms.CharField(label=_("联系电话"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    reason = forms.CharField(label=_("申请理由（家庭困难情况）"), max_length=2000, widget=TEXTAREA)
    temporary_kind = forms.ChoiceField(label=_("临时救助类型"), required=False,
                                       choices=_blank(TemporaryKind.choices))
    requested_amount = forms.CharField(label=_("申请救助金额（元）"), required=False,
                                       max_length=16,
                                       widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    support_form = forms.ChoiceField(label=_("供养方式"), required=False,
                                     choices=_blank(SupportForm.choices))
    supporter_status = forms.ChoiceField(label=_("法定赡养、抚养、扶养义务人情况"), required=False,
                                         choices=_blank(SupporterStatus.choices))
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        error_messages={"required": _("须同意授权核对家庭经济状况后才能提交申请")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _villages(self)
        _set_choices(self, "programme",
                     _blank([(p.code, p.name) for p in selectors.online_programmes()]))
        relations = _blank([(v, label) for v, label in Relation.choices
                            if v != Relation.APPLICANT])
        for i in range(MEMBER_ROWS):
            self.fields[f"m{i}_name"] = forms.CharField(label=_("姓名"), max_length=50,
                                                        required=False)
            self.fields[f"m{i}_id_number"] = forms.CharField(label=_("身份证号码"), max_length=18,
                                                             required=False)
            self.fields[f"m{i}_relation"] = forms.ChoiceField(label=_("与申请人关系"),
                                                              choices=relations, required=False)

    def member_rows(self) -> list[list[forms.BoundField]]:
        return [[self[f"m{i}_{k}"] for k in ("name", "id_number", "relation")]
                for i in range(MEMBER_ROWS)]

    def application(self) -> OnlineApplication:
        d = self.cleaned_data
        return OnlineApplication(
            programme=d["programme"], village_code=d["village"], address=d["address"],
            applicant_name=d["applicant_name"], applicant_id_number=d["applicant_id_number"],
            phone=d["phone"], reason=d["reason"], consent_agreed=d["consent"],
            members=[MemberRow(d[f"m{i}_name"], d[f"m{i}_id_number"], d[f"m{i}_relation"])
                     for i in range(MEMBER_ROWS)],
            temporary_kind=d["temporary_kind"], requested_amount=d["requested_amount"],
            support_form=d["support_form"], supporter_status=d["supporter_status"],
        )


class ProgressForm(forms.Form):
    number = forms.CharField(label=_("案件编号"), max_length=20,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))
    # Not echoed back after a failed query: it is (part of) an ID number.
    id_last6 = forms.CharField(
        label=_("申请人身份证号码后6位"), min_length=6, max_length=6,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )


class ObjectionForm(forms.Form):
    content = forms.CharField(label=_("异议内容（请写明具体情况）"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 5}))
    contact_name = forms.CharField(label=_("您的姓名（选填）"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话（选填，便于反馈核查结果）"), max_length=20,
                                    required=False,
                                    widget=forms.TextInput(attrs={"inputmode": "tel"}))


class CalculatorForm(forms.Form):
    village = forms.ChoiceField(label=_("所在村（社区）"))
    size = forms.TypedChoiceField(label=_("共同生活的家庭人数"), coerce=int,
                                  choices=[(str(n), str(n)) for n in range(1, CALC_MEMBERS + 1)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _villages(self)
        types = _blank(IncomeType.choices)
        for i in range(CALC_MEMBERS):
            for j in range(CALC_INCOMES):
                self.fields[f"m{i}_i{j}_type"] = forms.ChoiceField(
                    label=_("收入类型"), choices=types, required=False)
                self.fields[f"m{i}_i{j}_amount"] = forms.CharField(
                    label=_("月收入（元）"), max_length=16, required=False,
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def member_blocks(self) -> list[tuple[int, list[tuple[forms.BoundField, forms.BoundField]]]]:
        return [(i + 1, [(self[f"m{i}_i{j}_type"], self[f"m{i}_i{j}_amount"])
                         for j in range(CALC_INCOMES)]) for i in range(CALC_MEMBERS)]
