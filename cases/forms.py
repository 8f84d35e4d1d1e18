"""Forms of the case pages; the services hold the rules, these only parse input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from jiuzhu.forms import set_choices
from policies.models import Programme
from registry.choices import IncomeType
from registry.models import Household

from .choices import (
    PROGRAMME_FAMILY,
    Channel,
    DocumentKind,
    ObjectionOutcome,
    SupporterStatus,
    SupportForm,
    TemporaryKind,
    VerificationResult,
)
from .models import SelfCareAssessment

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("请选择")), *choices]


class CaseCreateForm(forms.Form):
    programme = forms.ChoiceField(label=_("救助项目"))
    applicant = forms.ChoiceField(label=_("申请人"))
    channel = forms.ChoiceField(label=_("申请渠道"),
                                choices=[(Channel.COUNTER, Channel.COUNTER.label),
                                         (Channel.PROXY, Channel.PROXY.label)])
    mandate_note = forms.CharField(label=_("委托情况说明（帮办代办必填）"), required=False,
                                   max_length=200)
    consent_signed_on = forms.DateField(label=_("核对授权书签署日期"), required=False,
                                        widget=DATE,
                                        help_text=_("家庭成员签署授权书后才能提请核对"))
    reason = forms.CharField(label=_("申请理由"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000)
    temporary_kind = forms.ChoiceField(label=_("临时救助类型"), required=False,
                                       choices=_blank(TemporaryKind.choices))
    requested_amount = forms.CharField(label=_("申请救助金额（元）"), required=False,
                                       max_length=16)
    support_form = forms.ChoiceField(label=_("供养方式（特困）"), required=False,
                                     choices=_blank(SupportForm.choices))
    supporter_status = forms.ChoiceField(label=_("法定义务人情况（特困）"), required=False,
                                         choices=_blank(SupporterStatus.choices))
    accept_now = forms.BooleanField(label=_("材料齐全，当场受理"), required=False, initial=True)

    def __init__(self, *args: Any, household: Household, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programmes = Programme.objects.filter(code__in=PROGRAMME_FAMILY, active=True)
        set_choices(self, "programme", _blank([(p.code, p.name) for p in programmes]))
        set_choices(self, "applicant", [
            (str(p.pk), f"{p.name}（{p.get_relation_display()}）")
            for p in household.members.filter(excluded=False).order_by("id")
        ])
        if user.role == Role.GRID_WORKER:
            set_choices(self, "channel", [(Channel.PROXY, Channel.PROXY.label)])
            self.fields["channel"].initial = Channel.PROXY
            del self.fields["accept_now"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由/说明"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class SurveyForm(forms.Form):
    surveyed_on = forms.DateField(label=_("调查日期"), widget=DATE)
    worker_2_name = forms.CharField(label=_("第二名调查人姓名"), max_length=50)
    housing = forms.CharField(label=_("住房情况"), max_length=200)
    living_conditions = forms.CharField(label=_("家庭生活状况（家电、生活用品、饮食等）"),
                                        widget=forms.Textarea(attrs={"rows": 3}))
    health_and_work = forms.CharField(label=_("成员健康与劳动能力"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    new_income_person = forms.ChoiceField(label=_("新发现收入：成员"), required=False)
    new_income_type = forms.ChoiceField(label=_("新发现收入：类型"), required=False,
                                        choices=_blank(IncomeType.choices))
    new_income_amount = forms.CharField(label=_("新发现收入：月金额（元）"), required=False,
                                        max_length=16)
    conclusion = forms.CharField(label=_("调查结论"), widget=forms.Textarea(attrs={"rows": 2}))
    family_signed = forms.BooleanField(label=_("调查表已由家庭成员签字确认"), required=False)

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "new_income_person", _blank(
            [(str(p.pk), p.name) for p in household.members.order_by("id")]))


class VerificationForm(forms.Form):
    result = forms.ChoiceField(label=_("核对结论"), choices=_blank(VerificationResult.choices))
    summary = forms.CharField(label=_("核对情况（各部门数据比对结果）"),
                              widget=forms.Textarea(attrs={"rows": 4}))


class OpinionForm(forms.Form):
    eligible = forms.TypedChoiceField(
        label=_("审核意见"), coerce=lambda v: v == "yes",
        choices=[("yes", _("符合条件，拟同意")), ("no", _("不符合条件"))],
    )
    opinion_text = forms.CharField(label=_("审核意见说明"),
                                   widget=forms.Textarea(attrs={"rows": 3}))
    starts_on = forms.DateField(label=_("公示开始日期（符合条件的低保、特困）"), required=False,
                                widget=DATE)


class SelfCareForm(forms.Form):
    assessor = forms.CharField(label=_("评估人/评估机构"), max_length=100)
    assessed_on = forms.DateField(label=_("评估日期"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in SelfCareAssessment.ACTIVITIES:
            label = getattr(SelfCareAssessment._meta.get_field(name), "verbose_name", name)
            self.fields[name] = forms.BooleanField(label=label, required=False)


class ConsentForm(forms.Form):
    consent_signed_on = forms.DateField(label=_("核对授权书签署日期"), widget=DATE)


class ObjectionResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("处理结果"), choices=_blank(
        [(ObjectionOutcome.UPHELD, ObjectionOutcome.UPHELD.label),
         (ObjectionOutcome.DISMISSED, ObjectionOutcome.DISMISSED.label)]))
    outcome_text = forms.CharField(label=_("处理结果说明（将在公示栏公开，勿写个人隐私）"),
                                   widget=forms.Textarea(attrs={"rows": 3}))


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("会议日期"), widget=DATE)
    attendees = forms.CharField(label=_("参会人员"), widget=forms.Textarea(attrs={"rows": 2}))
    decision = forms.CharField(label=_("议定事项"), widget=forms.Textarea(attrs={"rows": 3}))
    approved_amount = forms.CharField(label=_("议定救助金额（元）"), max_length=16)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=_blank(DocumentKind.choices))
    file = forms.FileField(label=_("文件（PDF/JPG/PNG，10MB以内）"))
