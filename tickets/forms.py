"""Input of the ticket pages. The services check every rule again; a form only parses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuzhu.forms import set_choices
from outreach.models import WishCategory
from policies.models import Department
from regions.selectors import townships_for_user, villages_for_user

from .models import Channel, Rating, Topic, Urgency

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _township_choices(user: Any, empty: Any) -> list[tuple[str, Any]]:
    return [("", empty), *((t.code, t.name) for t in townships_for_user(user))]


def _department_choices() -> list[tuple[str, Any]]:
    return [("", _("无")), *((str(d.pk), d.name) for d in Department.objects.all())]


class TicketCreateForm(forms.Form):
    channel = forms.ChoiceField(label=_("来源渠道"), choices=Channel.choices,
                                initial=Channel.COUNTY)
    external_number = forms.CharField(label=_("12345转办单号"), max_length=40, required=False)
    external_due = forms.DateTimeField(
        label=_("12345转办时限"), required=False, input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMATS[0]),
        help_text=_("12345转办工单按热线中心给出的时限答复；不填则按本地答复时限参数计算"))
    caller_name = forms.CharField(label=_("来电人"), max_length=50, required=False)
    caller_phone = forms.CharField(label=_("来电号码"), max_length=20, required=False,
                                   help_text=_("仅承办方可见完整号码"))
    topic = forms.ChoiceField(label=_("诉求类型"), choices=Topic.choices)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices,
                                initial=Urgency.GENERAL, widget=forms.RadioSelect)
    subject = forms.CharField(label=_("诉求摘要"), max_length=200)
    content = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 5}))
    household = forms.IntegerField(label=_("相关家庭编号"), required=False, min_value=1,
                                   help_text=_("可选：家庭档案中的家庭编号，须在本辖区内"))
    township = forms.ChoiceField(label=_("派单至乡镇（街道）"), required=False)
    department = forms.ChoiceField(label=_("协办部门"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "township", _township_choices(user, _("暂不派单（由热线办理）")))
        set_choices(self, "department", _department_choices())


class DispatchForm(forms.Form):
    township = forms.ChoiceField(label=_("承办乡镇（街道）"), required=False)
    department = forms.ChoiceField(label=_("承办部门"), required=False)
    note = forms.CharField(label=_("派单说明"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "township", _township_choices(user, _("不派至乡镇")))
        set_choices(self, "department", _department_choices())


class NoteForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, label: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].label = label


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("答复内容"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))


class RateForm(forms.Form):
    rating = forms.ChoiceField(label=_("来电人评价"), choices=Rating.choices,
                               widget=forms.RadioSelect)
    note = forms.CharField(label=_("评价说明"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("选择“不满意”将退回承办方重新办理，并重新计算答复时限"))


class WishForm(forms.Form):
    village = forms.ChoiceField(label=_("村（社区）"))
    person_name = forms.CharField(label=_("心愿人"), max_length=50, required=False)
    content = forms.CharField(label=_("心愿内容"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ChoiceField(label=_("心愿类别"), required=False,
                                 choices=[("", _("暂不分类")), *WishCategory.choices])
    household = forms.IntegerField(label=_("家庭编号"), required=False, min_value=1)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "village", [("", _("请选择")), *(
            (v.code, f"{v.parent.name if v.parent else ''} {v.name}")
            for v in villages_for_user(user))])
