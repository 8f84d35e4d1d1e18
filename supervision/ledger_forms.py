"""Input of the ledger, risk register and 联席会议 pages. The rules (lengths, dates, which move
is allowed, evidence) are the services'; these forms only parse, so a rule has one message
wherever it is broken."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuzhu.forms import set_choices
from regions.models import Level, Region
from regions.scoping import scope
from regions.selectors import regions_for_user
from tickets.models import Ticket

from .models import ItemSource, ItemState, ListKind, RiskLevel, RiskState
from .selectors.ledgers import LedgerFilter, RiskFilter
from .selectors.meetings import MeetingFilter

TEXTAREA = forms.Textarea(attrs={"rows": 3})
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def region_choices(user: Any) -> list[tuple[str, str]]:
    """The county (for county users) and the townships in the user's region."""
    return [("", str(_("请选择"))), *((r.code, r.name) for r in
                                     regions_for_user(user, Level.COUNTY, Level.TOWNSHIP))]


class RegionForm(forms.Form):
    region = forms.ChoiceField(label=_("责任地区"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        choices = region_choices(user)
        set_choices(self, "region", choices)
        if len(choices) == 2:  # a township user: their township
            self.fields["region"].initial = choices[1][0]


# -- the ledger ---------------------------------------------------------------------------------

class LedgerFilterForm(forms.Form):
    """The ledger's filters; a value that does not parse is ignored, not an error page."""

    list_kind = forms.ChoiceField(required=False, choices=[("", ""), *ListKind.choices])
    source = forms.ChoiceField(required=False, choices=[("", ""), *ItemSource.choices])
    state = forms.ChoiceField(required=False, choices=[("", ""), *ItemState.choices])
    township = forms.CharField(required=False)
    overdue = forms.BooleanField(required=False)
    warning = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=50)

    def ledger_filter(self) -> LedgerFilter:
        self.is_valid()  # fills cleaned_data with the fields that parsed
        d = self.cleaned_data
        return LedgerFilter(
            list_kind=d.get("list_kind") or "", source=d.get("source") or "",
            state=d.get("state") or "", township=d.get("township") or "",
            overdue=bool(d.get("overdue")), warning=bool(d.get("warning")), q=d.get("q") or "")


class ItemCreateForm(RegionForm):
    list_kind = forms.ChoiceField(label=_("清单"), choices=ListKind.choices)
    source = forms.ChoiceField(label=_("来源"), choices=ItemSource.choices)
    title = forms.CharField(label=_("事项"), max_length=200)
    description = forms.CharField(label=_("具体情况"), required=False, max_length=2000,
                                  widget=TEXTAREA)
    ticket = forms.CharField(label=_("来源工单编号"), required=False, max_length=20,
                             help_text=_("热线投诉转来的问题，填写工单编号，可不填"))

    field_order = ["list_kind", "source", "region", "title", "description", "ticket"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        # 联席会议 tasks are recorded on the meeting's page, which links the meeting.
        set_choices(self, "source", [c for c in ItemSource.choices
                                     if c[0] != ItemSource.MEETING])

    def clean_ticket(self) -> Ticket | None:
        number = (self.cleaned_data.get("ticket") or "").strip().upper()
        if not number:
            return None
        ticket = scope(self.user, Ticket.objects.all()).filter(number=number).first()
        if ticket is None:
            raise forms.ValidationError(_("未找到该工单，或该工单不在您的辖区内"))
        return ticket


class AssignForm(forms.Form):
    prefix = "assign"
    responsible_unit = forms.CharField(label=_("责任单位"), max_length=100)
    responsible_person = forms.CharField(label=_("责任人"), max_length=50)
    due_on = forms.DateField(label=_("整改时限"), widget=DATE)
    measures = forms.CharField(label=_("整改措施"), max_length=2000, widget=TEXTAREA)


class StartForm(forms.Form):
    prefix = "start"


class SubmitForm(forms.Form):
    prefix = "submit"
    rectification = forms.CharField(
        label=_("整改情况"), max_length=2000, widget=TEXTAREA,
        help_text=_("提交前须上传至少一份佐证材料；提交后由审核人审核销号"))


class CloseForm(forms.Form):
    prefix = "close"
    review_note = forms.CharField(label=_("审核意见"), required=False, max_length=300,
                                  widget=TEXTAREA)


class SendBackForm(forms.Form):
    prefix = "send_back"
    review_note = forms.CharField(label=_("退回原因"), max_length=300, widget=TEXTAREA,
                                  help_text=_("写明还需整改的内容"))


class EvidenceForm(forms.Form):
    prefix = "evidence"
    description = forms.CharField(label=_("材料说明"), max_length=200)
    file = forms.FileField(label=_("文件"), help_text=_("PDF、JPG 或 PNG，不超过10MB"))


# -- the risk register --------------------------------------------------------------------------

class RiskFilterForm(forms.Form):
    level = forms.ChoiceField(required=False, choices=[("", ""), *RiskLevel.choices])
    state = forms.ChoiceField(required=False, choices=[("", ""), *RiskState.choices])
    township = forms.CharField(required=False)
    review_due = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=50)

    def risk_filter(self) -> RiskFilter:
        self.is_valid()
        d = self.cleaned_data
        return RiskFilter(level=d.get("level") or "", state=d.get("state") or "",
                          township=d.get("township") or "", review_due=bool(d.get("review_due")),
                          q=d.get("q") or "")


class RiskEditForm(forms.Form):
    title = forms.CharField(label=_("风险隐患"), max_length=200)
    level = forms.ChoiceField(label=_("等级"), choices=RiskLevel.choices)
    owner = forms.CharField(label=_("责任人"), max_length=50)
    description = forms.CharField(label=_("具体表现"), required=False, max_length=2000,
                                  widget=TEXTAREA)
    mitigations = forms.CharField(label=_("防控措施"), required=False, max_length=2000,
                                  widget=TEXTAREA)
    review_on = forms.DateField(label=_("下次研判日期"), required=False, widget=DATE)


class RiskCreateForm(RegionForm, RiskEditForm):
    field_order = ["region", "title", "level", "owner", "description", "mitigations",
                   "review_on"]


class RiskStartForm(forms.Form):
    prefix = "start"


class RiskCloseForm(forms.Form):
    prefix = "close"
    close_note = forms.CharField(label=_("消除情况"), max_length=300, widget=TEXTAREA)


# -- 联席会议 ------------------------------------------------------------------------------------

class MeetingFilterForm(forms.Form):
    township = forms.CharField(required=False)
    held_from = forms.DateField(required=False)
    held_to = forms.DateField(required=False)
    q = forms.CharField(required=False, max_length=50)

    def meeting_filter(self) -> MeetingFilter:
        self.is_valid()
        d = self.cleaned_data
        return MeetingFilter(township=d.get("township") or "", held_from=d.get("held_from"),
                             held_to=d.get("held_to"), q=d.get("q") or "")


class MeetingForm(RegionForm):
    title = forms.CharField(label=_("会议名称"), max_length=100)
    held_on = forms.DateField(label=_("会议日期"), widget=DATE)
    chair = forms.CharField(label=_("主持人"), max_length=50)
    attendees = forms.CharField(label=_("参会单位及人员"), max_length=2000, widget=TEXTAREA)
    minutes = forms.CharField(label=_("会议纪要"), required=False, max_length=10000,
                              widget=forms.Textarea(attrs={"rows": 6}))

    field_order = ["region", "title", "held_on", "chair", "attendees", "minutes"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].label = _("召集地区")


class MeetingItemForm(forms.Form):
    prefix = "item"
    case_number = forms.CharField(label=_("案件编号"), required=False, max_length=20,
                                  help_text=_("一事一议的案件填写案件编号；其他议题可不填"))
    subject = forms.CharField(label=_("议题"), required=False, max_length=200,
                              help_text=_("填写案件编号的，可不填（默认为申请人和救助项目）"))
    decision = forms.CharField(label=_("议定事项"), max_length=2000, widget=TEXTAREA)


class MeetingTaskForm(AssignForm):
    prefix = "task"
    region = forms.ChoiceField(label=_("责任地区"))
    title = forms.CharField(label=_("任务"), max_length=200)

    field_order = ["region", "title", "responsible_unit", "responsible_person", "due_on",
                   "measures"]

    def __init__(self, *args: Any, meeting_region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A township's meeting hands tasks to that township; the county's to itself or any of
        # its townships (services.ledgers checks it again).
        regions = [meeting_region]
        if meeting_region.level == Level.COUNTY:
            regions += list(Region.objects.filter(parent=meeting_region, level=Level.TOWNSHIP,
                                                  valid_to__isnull=True).order_by("code"))
        set_choices(self, "region", [(r.code, r.name) for r in regions])
