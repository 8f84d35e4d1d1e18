"""Input of the 微心愿 pages. The rules (lengths, phone format, which move is allowed) are the
services'; these forms only parse, so a rule has one message wherever it is broken."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuzhu.forms import set_choices
from policies.models import Department
from regions.scoping import scope
from regions.selectors import villages_for_user
from registry.models import Household

from .models import Satisfaction, WishCategory, WishSource, WishState
from .selectors.wishes import WishFilter
from .services.wishes import MOVE_BY_ACTION

TEXTAREA = forms.Textarea(attrs={"rows": 3})
# A staff member records what was heard at the window, on the phone or at an event; wishes from
# visits are recorded on the visit page, which links the visit.
STAFF_SOURCES = [(s.value, s.label) for s in (WishSource.OTHER, WishSource.HOTLINE,
                                               WishSource.EVENT)]


class WishFilterForm(forms.Form):
    """The ledger's filters; a value that does not parse is ignored, not an error page."""

    township = forms.CharField(required=False)
    village = forms.CharField(required=False)
    state = forms.ChoiceField(required=False, choices=[("", ""), *WishState.choices])
    category = forms.ChoiceField(required=False, choices=[("", ""), *WishCategory.choices])
    source = forms.ChoiceField(required=False, choices=[("", ""), *WishSource.choices])
    overdue = forms.BooleanField(required=False)
    registered_from = forms.DateField(required=False)
    registered_to = forms.DateField(required=False)
    q = forms.CharField(required=False, max_length=50)

    def wish_filter(self) -> WishFilter:
        self.is_valid()  # fills cleaned_data with the fields that parsed
        d = self.cleaned_data
        return WishFilter(
            township=d.get("township") or "", village=d.get("village") or "",
            state=d.get("state") or "", category=d.get("category") or "",
            source=d.get("source") or "", overdue=bool(d.get("overdue")),
            registered_from=d.get("registered_from"), registered_to=d.get("registered_to"),
            q=d.get("q") or "")


class WishRecordForm(forms.Form):
    village = forms.ChoiceField(label=_("村（社区）"))
    household = forms.IntegerField(
        label=_("家庭档案编号"), required=False, min_value=1,
        help_text=_("心愿人是已登记家庭的成员时填写（家庭档案页面上的编号），可不填"))
    person_name = forms.CharField(label=_("心愿人"), max_length=50)
    content = forms.CharField(label=_("心愿内容"), max_length=1000, widget=TEXTAREA)
    source = forms.ChoiceField(label=_("来源"), choices=STAFF_SOURCES, initial=WishSource.OTHER)
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("暂不分类（由乡镇分类）")),
                                                 *WishCategory.choices])

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # Classifying is the township's step (services.wishes.MOVES): others leave it open.
        if not user.has_role(MOVE_BY_ACTION["classify"].roles):
            del self.fields["category"]
        set_choices(self, "village", [("", _("请选择")), *(
            (v.code, f"{v.parent.name if v.parent else ''} {v.name}")
            for v in villages_for_user(user))])

    def clean_household(self) -> Household | None:
        pk = self.cleaned_data.get("household")
        if pk is None:
            return None
        household = scope(self.user, Household.objects.all()).filter(pk=pk).first()
        if household is None:
            raise forms.ValidationError(_("未找到该家庭，或该家庭不在您的辖区内"))
        return household


class ClassifyForm(forms.Form):
    prefix = "classify"
    category = forms.ChoiceField(label=_("类别"), choices=WishCategory.choices)


class ResolveOnSpotForm(forms.Form):
    prefix = "resolve_on_spot"
    category = forms.ChoiceField(label=_("类别"), required=False,
                                 choices=[("", _("不变")), *WishCategory.choices])
    result = forms.CharField(label=_("解决情况"), max_length=1000, widget=TEXTAREA)
    feedback = forms.CharField(
        label=_("当场反馈"), required=False, max_length=1000, widget=TEXTAREA,
        help_text=_("已当面告知群众的，填写反馈情况，心愿即转为“已反馈”，等待回访"))


class AssignForm(forms.Form):
    prefix = "assign"
    department = forms.ModelChoiceField(label=_("责任部门"), required=False,
                                        queryset=Department.objects.order_by("name"),
                                        empty_label=_("（不指定部门）"))
    responsible_person = forms.CharField(label=_("责任人"), required=False, max_length=50)
    responsible_phone = forms.CharField(
        label=_("联系电话"), required=False, max_length=20,
        help_text=_("填写责任人的，须填写联系电话。办理期限自交办之日起按工作日自动计算"))


class StartForm(forms.Form):
    prefix = "start"


class ResolveForm(forms.Form):
    prefix = "resolve"
    result = forms.CharField(label=_("办理结果"), max_length=1000, widget=TEXTAREA)


class FeedbackForm(forms.Form):
    prefix = "feedback"
    feedback = forms.CharField(label=_("反馈情况"), max_length=1000, widget=TEXTAREA,
                               help_text=_("向心愿人告知办理结果的时间、方式和内容"))


class RevisitForm(forms.Form):
    prefix = "revisit"
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=Satisfaction.choices,
                                     widget=forms.RadioSelect)
    revisit_note = forms.CharField(
        label=_("回访情况"), required=False, max_length=1000, widget=TEXTAREA,
        help_text=_("不满意的，请写明原因：心愿将退回重新办理"))


class CloseForm(forms.Form):
    prefix = "close"
