"""What the public portal has to remember: failed progress queries, for throttling."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PublicAttempt(models.Model):
    """One failed progress query (wrong case number or wrong ID digits, told apart nowhere).

    Counted per client address and per case number over a sliding window; rows older than the
    window are deleted as new failures arrive, so the table stays small. Successes are not
    recorded and reset nothing: one known valid pair must not buy more guesses.
    """

    ip = models.GenericIPAddressField(_("来源地址"))
    case_number = models.CharField(_("案件编号"), max_length=32)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("进度查询失败记录")
        verbose_name_plural = _("进度查询失败记录")
        indexes = [
            models.Index(fields=["ip", "at"], name="public_attempt_ip"),
            models.Index(fields=["case_number", "at"], name="public_attempt_case"),
            models.Index(fields=["at"], name="public_attempt_at"),
        ]

    def __str__(self) -> str:
        return f"{self.ip} {self.case_number} {self.at:%Y-%m-%d %H:%M}"
