from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services import login_failure_clear, login_failure_record, login_locked_until


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput)

    def __init__(self, request: Any, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: Any = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, password = data.get("username", ""), data.get("password", "")
        if not username or not password:
            return data
        locked = login_locked_until(username)
        if locked:
            minutes = max(1, int((locked - timezone.now()).total_seconds() // 60) + 1)
            raise forms.ValidationError(
                _("登录失败次数过多，账户已临时锁定，请 %(m)s 分钟后再试") % {"m": minutes}
            )
        user = authenticate(self.request, username=username, password=password)
        if user is None:
            login_failure_record(username)
            raise forms.ValidationError(_("用户名或密码错误"))
        login_failure_clear(username)
        self.user = user
        return data
