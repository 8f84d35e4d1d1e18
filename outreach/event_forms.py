"""Forms of the 救助赶大集 pages: input only; the services check the rules, so a message reads
the same wherever an event or an entry comes from."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuzhu.forms import set_choices
from regions.selectors import townships_for_user, villages_for_user

from .models import EntryKind, WishCategory
from .selectors import events as selectors


class DateInput(forms.DateInput):
    input_type = "date"


class EventFilterForm(forms.Form):
    township = forms.ChoiceField(label=_("乡镇（街道）"), required=False)
    date_from = forms.DateField(label=_("日期自"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("至"), required=False, widget=DateInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "township", [("", _("全部")),
                                       *((t.code, t.name) for t in townships_for_user(user))])


class EventForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=100,
                            help_text=_("如：救助赶大集 服务零距离"))
    region = forms.ChoiceField(label=_("举办地区"))
    place = forms.CharField(label=_("地点"), max_length=200,
                            help_text=_("如：崆峒镇寨子街村农贸市场"))
    held_on = forms.DateField(label=_("日期"), widget=DateInput)
    staff = forms.MultipleChoiceField(
        label=_("参加人员"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("按住 Ctrl（手机上直接点选）可选择多人"))
    staff_note = forms.CharField(label=_("其他参加人员"), max_length=200, required=False,
                                 help_text=_("如：区民政局社会救助股2人、镇政府1人"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = cast(forms.ChoiceField, self.fields["region"])
        region.choices = [("", _("请选择")), *selectors.region_choices(user)]
        set_choices(self, "staff", selectors.staff_choices(user))


class EntryForm(forms.Form):
    """One tally line; the household comes from the search on the same page (radio buttons
    named "household"), the case by its number once the worker has started it."""

    kind = forms.ChoiceField(label=_("类别"), choices=EntryKind.choices, widget=forms.RadioSelect)
    count = forms.IntegerField(label=_("数量"), required=False, initial=1)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    case = forms.CharField(label=_("帮办申请的案件编号"), max_length=20, required=False,
                           help_text=_("现场帮办申请：先为家庭发起申请，再填写案件编号"))
    household = forms.IntegerField(label=_("家庭"), required=False, widget=forms.HiddenInput)
    wish_content = forms.CharField(label=_("群众心愿"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}),
                                   help_text=_("现场听到的微心愿，记入心愿台账"))
    wish_person_name = forms.CharField(label=_("心愿人"), max_length=50, required=False)
    wish_village = forms.ChoiceField(label=_("心愿人所在村（社区）"), required=False,
                                     help_text=_("已选择家庭的可不填"))
    wish_category = forms.ChoiceField(label=_("心愿类别"), required=False,
                                      choices=[("", _("暂不分类")), *WishCategory.choices])

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "wish_village", [
            ("", _("请选择")),
            *((v.code, f"{v.parent.name if v.parent else ''} {v.name}")
              for v in villages_for_user(user))])

    @property
    def has_wish(self) -> bool:
        data = self.cleaned_data
        return bool(data.get("wish_content", "").strip() or data.get("wish_person_name", "").strip())
