"""Forms of the department data pages (部门数据)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .importing import MAX_UPLOAD_BYTES, Accept
from .models import Snapshot


class SnapshotUploadForm(forms.Form):
    file = forms.FileField(label=_("数据文件（.xlsx 或 .csv）"))
    as_of = forms.DateField(label=_("数据截止日期"),
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    mode = forms.ChoiceField(label=_("导入方式"), choices=Snapshot.Mode.choices,
                             initial=Snapshot.Mode.REPLACE, widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "CSV 可为 UTF-8 或 GBK 编码；网页上传每个文件不超过 %(mb)s MB，"
            "更大的文件请由系统管理员用 import_department_data 命令导入。"
        ) % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}


class SnapshotActivateForm(forms.Form):
    accept = forms.ChoiceField(label=_("启用方式"), choices=Accept.choices,
                               widget=forms.RadioSelect)
    confirm = forms.BooleanField(label=_("我已核对上面的校验结果，确认启用这批数据"))
