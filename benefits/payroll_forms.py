"""Input of the payroll pages; the API and the command read a month the same way."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.errors import ApplicationError
from jiuzhu.forms import set_choices

from .months import parse_month
from .selectors import payroll_programmes

MONTH_PATTERN = re.compile(r"^\d{4}-\d{1,2}$")
# What pages, API and command say when the month's run is approved and computing changed nothing.
LOCKED_UNCHANGED = gettext_lazy("该月发放批次已审批锁定，未作任何更改")


def month_from_text(text: str, field: str = "month") -> date:
    """'2026-12' → 2026-12-01, or an ApplicationError naming the field."""
    text = (text or "").strip()
    try:
        if not MONTH_PATTERN.match(text):
            raise ValueError(text)
        month = parse_month(text)
    except ValueError as exc:
        raise ApplicationError(_("发放月份格式应为“年-月”，如 2026-12"), field=field) from exc
    if not 2000 <= month.year <= 2100:
        raise ApplicationError(_("发放月份不在有效范围内"), field=field)
    return month


class MonthField(forms.Field):
    """A month typed as 2026-12, cleaned to its first day."""

    widget = forms.TextInput(attrs={"maxlength": 7, "placeholder": "2026-12"})

    def to_python(self, value: Any) -> date | None:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            return month_from_text(text)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc

    def prepare_value(self, value: Any) -> Any:
        return f"{value:%Y-%m}" if isinstance(value, date) else value


def _programme_choices(blank: str) -> list[tuple[str, Any]]:
    return [("", blank), *((p.code, p.name) for p in payroll_programmes())]


class ComputeForm(forms.Form):
    programme = forms.ChoiceField(label=gettext_lazy("救助项目"))
    month = MonthField(label=gettext_lazy("发放月份"),
                       help_text=gettext_lazy("格式：年-月，如 2026-12"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "programme", _programme_choices(_("请选择")))


class RunFilterForm(forms.Form):
    programme = forms.ChoiceField(label=gettext_lazy("救助项目"), required=False)
    month = MonthField(label=gettext_lazy("发放月份"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "programme", _programme_choices(_("全部")))


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("重新打开原因"), max_length=200,
        error_messages={"required": gettext_lazy("请填写重新打开的原因")},
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如：某户金额录入错误")}))
