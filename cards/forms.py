"""Forms of the care-card pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuzhu.forms import set_choices
from regions.selectors import villages_for_user

from .services import REASON_MAX


class BatchForm(forms.Form):
    village = forms.ChoiceField(label=_("村（社区）"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the villages in the user's scope are offered; the service checks it again.
        set_choices(self, "village", [("", "—")] + [
            (v.code, f"{v.parent.name} {v.name}" if v.parent else v.name)
            for v in villages_for_user(user)])


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=REASON_MAX,
                             widget=forms.Textarea(attrs={"rows": 2}))
