"""Input of the monitoring pages. The rules (lengths, ranges, which move is allowed) are the
services'; these forms only parse, so a rule has one message wherever it is broken."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiuzhu.forms import set_choices
from regions.models import Level, Region
from regions.selectors import regions_for_user

from .models import LowIncomeKind, RuleCode, WarningState
from .selectors import MonitoredFilter, WarningFilter

TEXTAREA = forms.Textarea(attrs={"rows": 3})
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class WarningFilterForm(forms.Form):
    """The queue's filters; a value that does not parse is ignored, not an error page."""

    township = forms.CharField(required=False)
    village = forms.CharField(required=False)
    state = forms.ChoiceField(required=False, choices=[("", ""), *WarningState.choices])
    rule = forms.ChoiceField(required=False, choices=[("", ""), *RuleCode.choices])
    overdue = forms.BooleanField(required=False)
    raised_from = forms.DateField(required=False)
    raised_to = forms.DateField(required=False)
    run = forms.IntegerField(required=False, min_value=1)

    def warning_filter(self) -> WarningFilter:
        self.is_valid()  # fills cleaned_data with the fields that parsed
        d = self.cleaned_data
        return WarningFilter(
            township=d.get("township") or "", village=d.get("village") or "",
            state=d.get("state") or "", rule=d.get("rule") or "",
            overdue=bool(d.get("overdue")), raised_from=d.get("raised_from"),
            raised_to=d.get("raised_to"), run=d.get("run"))


# -- the steps on one warning (services.warnings.MOVES) -----------------------------------------

class ContactForm(forms.Form):
    prefix = "contact"
    contact_note = forms.CharField(
        label=_("联系情况"), max_length=1000, widget=TEXTAREA,
        help_text=_("联系方式（入户、电话、来访）、了解到的困难和告知的救助政策"))


class OpenCaseForm(forms.Form):
    prefix = "open_case"
    case_number = forms.CharField(
        label=_("救助申请编号"), max_length=20,
        help_text=_("该家庭提出的救助申请的编号（如 DB2026000123）"))


class NoActionForm(forms.Form):
    prefix = "no_action"
    no_action_reason = forms.CharField(
        label=_("不予救助理由"), max_length=300, widget=TEXTAREA,
        help_text=_("如：已享受相应救助、困难已消除、经核实不符合条件"))


class CloseForm(forms.Form):
    prefix = "close"
    result = forms.CharField(label=_("处置结果"), max_length=1000, widget=TEXTAREA,
                             help_text=_("申请的审批结果、落实的救助或转介情况"))


# -- the county's overview ----------------------------------------------------------------------

class PeriodForm(forms.Form):
    start = forms.DateField(label=_("预警日期从"), required=False, widget=DATE)
    end = forms.DateField(label=_("至"), required=False, widget=DATE)

    def period(self) -> tuple[date, date]:
        """The dates given, else this year up to today; a reversed range is put right."""
        self.is_valid()
        today = timezone.localdate()
        start = self.cleaned_data.get("start") or today.replace(month=1, day=1)
        end = self.cleaned_data.get("end") or today
        return (start, end) if start <= end else (end, start)


# -- rule settings ------------------------------------------------------------------------------

class RuleForm(forms.Form):
    code = forms.ChoiceField(label=_("预警规则"), choices=RuleCode.choices)
    region = forms.ChoiceField(label=_("适用范围"), required=False)
    enabled = forms.BooleanField(label=_("启用"), required=False)
    # Parsed only; the range and the precision are the service's rule.
    threshold = forms.DecimalField(
        label=_("阈值"), required=False,
        help_text=_("含义见规则列表；留空沿用全县默认，全县也未设置的使用政策参数"))
    lookback_days = forms.IntegerField(
        label=_("回溯天数"), required=False,
        help_text=_("1–730 天；留空沿用全县默认，全县也未设置的使用规则默认值"))
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The county admin sets them, so every township in force is offered.
        set_choices(self, "region", [("", _("全县默认")), *(
            (t.code, t.name) for t in Region.objects.filter(
                level=Level.TOWNSHIP, valid_to__isnull=True).order_by("code"))])


# -- monitored households -----------------------------------------------------------------------

class MonitoredFilterForm(forms.Form):
    village = forms.CharField(required=False)
    kind = forms.ChoiceField(required=False, choices=[("", ""), *LowIncomeKind.choices])
    status = forms.ChoiceField(required=False, choices=[("active", ""), ("ended", ""),
                                                        ("all", "")])

    def monitored_filter(self) -> MonitoredFilter:
        self.is_valid()
        d = self.cleaned_data
        return MonitoredFilter(village=d.get("village") or "", kind=d.get("kind") or "",
                               status=d.get("status") or "active")


class MonitoredRegisterForm(forms.Form):
    household = forms.IntegerField(label=_("家庭档案编号"), min_value=1,
                                   help_text=_("家庭档案页面上的编号"))
    kind = forms.ChoiceField(label=_("监测类别"), choices=LowIncomeKind.choices)
    since = forms.DateField(label=_("纳入监测日期"), widget=DATE)
    reason = forms.CharField(label=_("纳入原因"), max_length=200, widget=TEXTAREA)


class MonitoredEndForm(forms.Form):
    until = forms.DateField(label=_("退出监测日期"), widget=DATE)
    reason = forms.CharField(label=_("退出原因"), max_length=200, widget=TEXTAREA,
                             help_text=_("如：收入稳定超过标准、已纳入低保、迁出本县"))


# -- runs ---------------------------------------------------------------------------------------

class RunForm(forms.Form):
    region = forms.ChoiceField(label=_("监测范围"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the user's own region and the townships under it: the choice is the scope check.
        set_choices(self, "region", [(r.code, r.name) for r in regions_for_user(
            user, Level.COUNTY, Level.TOWNSHIP)])
