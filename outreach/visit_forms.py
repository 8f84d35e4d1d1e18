"""Forms of the visit pages; the rules are in outreach.services.visits, these only parse input."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .models import VisitKind, WishCategory
from .services.visits import MAX_PHOTOS, VisitInput, WishInput

SIGNATURE_PREFIX = "data:image/png;base64,"
# A data URL is a third larger than its PNG; the service caps the PNG itself.
MAX_SIGNATURE_CHARS = 800_000


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one input (Django's documented pattern); the service checks each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("走访日期"))
    kind = forms.ChoiceField(label=_("走访类型"), choices=VisitKind.choices,
                             initial=VisitKind.SCHEDULED, widget=forms.RadioSelect)
    findings = forms.CharField(label=_("家庭近况"), max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=_("生活、健康、住房、收入有无变化"))
    needs = forms.CharField(label=_("发现的需求"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleImageField(
        label=_("现场照片"), required=False,
        help_text=_("JPG 或 PNG，每张不超过5MB，最多%(n)d张") % {"n": MAX_PHOTOS})
    card_delivered = forms.BooleanField(label=_("已送达暖心关怀联系卡"), required=False)
    signature = forms.CharField(required=False, max_length=MAX_SIGNATURE_CHARS,
                                widget=forms.HiddenInput)
    wish_content = forms.CharField(label=_("心愿内容"), max_length=2000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    wish_category = forms.ChoiceField(label=_("心愿类别"), required=False,
                                      choices=[("", _("暂不分类")), *WishCategory.choices])
    wish_person_name = forms.CharField(label=_("心愿人"), max_length=50, required=False)

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].initial = today
        # The browser's date picker stops at today; the service enforces it.
        self.fields["visited_on"].widget = forms.DateInput(
            attrs={"type": "date", "max": today.isoformat()}, format="%Y-%m-%d")

    def clean_signature(self) -> bytes | None:
        raw = self.cleaned_data["signature"]
        if not raw:
            return None
        if not raw.startswith(SIGNATURE_PREFIX):
            raise forms.ValidationError(_("签名数据无效，请重新签名"))
        try:
            return base64.b64decode(raw[len(SIGNATURE_PREFIX):], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise forms.ValidationError(_("签名数据无效，请重新签名")) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("wish_category") and not (data.get("wish_content") or "").strip():
            self.add_error("wish_content", _("已选择心愿类别，请填写心愿内容"))
        return data

    def visit_input(self) -> VisitInput:
        d = self.cleaned_data
        return VisitInput(visited_on=d["visited_on"], kind=d["kind"], findings=d["findings"],
                          needs=d["needs"], card_delivered=d["card_delivered"])

    def wish_input(self) -> WishInput | None:
        d = self.cleaned_data
        if not d["wish_content"].strip():
            return None
        return WishInput(content=d["wish_content"], category=d["wish_category"],
                         person_name=d["wish_person_name"])

