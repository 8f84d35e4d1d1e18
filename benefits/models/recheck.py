"""Re-check tasks of dynamic management (domain.md §2.6, §3.5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class RecheckKind(models.TextChoices):
    SCHEDULED = "scheduled", _("定期复核")
    DEATH = "death", _("成员死亡复核")
    CHANGE = "change", _("家庭情况变化")


class RecheckOutcome(models.TextChoices):
    KEEP = "keep", _("维持")
    CHANGE = "change", _("调整金额")
    GRADUAL_EXIT = "gradual_exit", _("渐退")
    SUSPEND = "suspend", _("停发（暂停）")
    END = "end", _("清退（停保）")


class RecheckStatus(models.TextChoices):
    OPEN = "open", _("待复核")
    DONE = "done", _("已复核")


class RecheckTask(models.Model):
    REGION_LOOKUP = "enrollment__village__code"

    enrollment = models.ForeignKey("benefits.Enrollment", on_delete=models.PROTECT,
                                   related_name="rechecks")
    kind = models.CharField(_("类型"), max_length=10, choices=RecheckKind.choices)
    due_on = models.DateField(_("应复核日期"))
    status = models.CharField(_("状态"), max_length=6, choices=RecheckStatus.choices,
                              default=RecheckStatus.OPEN)
    outcome = models.CharField(_("复核结论"), max_length=12, choices=RecheckOutcome.choices,
                               blank=True)
    note = models.CharField(_("复核情况"), max_length=500, blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("复核任务")
        verbose_name_plural = _("复核任务")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="recheck_status_due")]
        constraints = [
            # Scheduling twice for the same due date adds nothing.
            models.UniqueConstraint(fields=["enrollment", "kind", "due_on"],
                                    name="recheck_once_per_due_date"),
            models.CheckConstraint(condition=Q(status="open") | ~Q(outcome=""),
                                   name="recheck_done_has_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id} {self.kind} {self.due_on}"
