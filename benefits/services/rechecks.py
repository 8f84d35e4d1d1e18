"""动态管理: scheduled and death re-checks and their decisions (domain.md §2.6).

57号§31: households with stable income (and tekun, 意见2020) are re-checked yearly, those whose
income is unstable every six months; 通知2022: a member's death means a re-check of the household
within three months. Tasks are created ahead of the due date by `recheck.notice_days` working
days, by a daily cron (`manage.py schedule_rechecks`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from calendar_days.workdays import add_working_days
from jiuzhu.errors import ApplicationError
from policies.params import param_or
from regions.models import Level, Region
from regions.scoping import code_range

from ..models import (
    Enrollment,
    EnrollmentStatus,
    RecheckKind,
    RecheckOutcome,
    RecheckStatus,
    RecheckTask,
)
from ..months import add_months, month_of, plus_months
from .adjustments import (
    TEXT_MAX,
    amount_change_create,
    audit_enrollment,
    is_county,
    locked_enrollment,
)
from .status import enrollment_end, enrollment_gradual_exit, enrollment_suspend

TEKUN = "tekun"
NOTE_MAX = 500  # RecheckTask.note
# Who may record a re-check at all; only the county decides anything but "keep" (57号§31).
RECHECK_ROLES = frozenset({Role.CLERK, Role.COUNTY_ADMIN})
BATCH = 1000


def _open_task(kind: str) -> Exists:
    return Exists(RecheckTask.objects.filter(enrollment_id=OuterRef("pk"), kind=kind,
                                             status=RecheckStatus.OPEN))


def _schedule_county(county: str, today: date) -> int:
    # Parameters are read once per county and run, never per enrollment.
    notice = int(param_or("recheck.notice_days", county, today, 20))
    window_end = add_working_days(today, notice).date
    interval = {
        "tekun": int(param_or("recheck.interval.tekun", county, today, 12)),
        "stable": int(param_or("recheck.interval.stable", county, today, 12)),
        "unstable": int(param_or("recheck.interval.unstable", county, today, 6)),
    }
    groups = {"tekun": Q(programme_id=TEKUN),
              "stable": ~Q(programme_id=TEKUN) & Q(income_stable=True),
              "unstable": ~Q(programme_id=TEKUN) & Q(income_stable=False)}
    # base + n months <= window_end, as a range on the base the index can use; the few days a
    # month-end clamp adds are checked exactly below.
    due_soon = Q()
    for name, group in groups.items():
        cutoff = plus_months(window_end, -interval[name]) + timedelta(days=3)
        due_soon |= group & Q(base__lte=cutoff)
    rows = (Enrollment.objects
            .filter(village__code__scope_range=code_range(county[:6]), status=EnrollmentStatus.ACTIVE,
                    one_off=False, gradual_exit=False)  # 渐退: the end is already decided
            .annotate(base=Coalesce("last_recheck_on", "start_month"))
            .filter(due_soon).exclude(_open_task(RecheckKind.SCHEDULED))
            .values_list("pk", "base", "programme_id", "income_stable"))
    tasks = []
    for pk, base, programme, stable in rows.iterator(chunk_size=BATCH):
        name = "tekun" if programme == TEKUN else "stable" if stable else "unstable"
        due = plus_months(base, interval[name])
        if due <= window_end:
            tasks.append(RecheckTask(enrollment_id=pk, kind=RecheckKind.SCHEDULED, due_on=due))
    # A concurrent run may have added the same (enrollment, kind, due date): that adds nothing.
    RecheckTask.objects.bulk_create(tasks, batch_size=BATCH, ignore_conflicts=True)
    return len(tasks)


def rechecks_schedule(today: date) -> int:
    """Open a scheduled re-check for every active monthly enrollment due within the notice
    window that has none open; returns how many were opened."""
    counties = Region.objects.filter(level=Level.COUNTY, valid_to__isnull=True)
    with transaction.atomic():
        return sum(_schedule_county(code, today)
                   for code in counties.values_list("code", flat=True))


def death_rechecks_open(enrollment_ids: list[int], death_date: date) -> int:
    """通知2022: a member died, so the household's enrollments are re-checked within
    `death_recheck.months` of the death. Called by verification on a death hit."""
    rows = (Enrollment.objects.filter(pk__in=enrollment_ids)
            .exclude(status=EnrollmentStatus.ENDED).exclude(_open_task(RecheckKind.DEATH))
            .values_list("pk", "village_id"))
    months: dict[str, int] = {}
    tasks = []
    for pk, village in rows:
        county = village[:6].ljust(12, "0")
        if county not in months:
            months[county] = int(param_or("death_recheck.months", county, death_date, 3))
        tasks.append(RecheckTask(enrollment_id=pk, kind=RecheckKind.DEATH,
                                 due_on=plus_months(death_date, months[county])))
    # The same death reported again after its re-check was done opens nothing new.
    done = set(RecheckTask.objects.filter(
        kind=RecheckKind.DEATH, enrollment_id__in=[t.enrollment_id for t in tasks],
        due_on__in={t.due_on for t in tasks}).values_list("enrollment_id", "due_on"))
    tasks = [t for t in tasks if (t.enrollment_id, t.due_on) not in done]
    RecheckTask.objects.bulk_create(tasks, batch_size=BATCH, ignore_conflicts=True)
    return len(tasks)


def outcomes_for(actor: Any) -> list[tuple[str, Any]]:
    """The conclusions the actor may record: township clerks only "keep"."""
    if is_county(actor):
        return list(RecheckOutcome.choices)
    return [(RecheckOutcome.KEEP.value, RecheckOutcome.KEEP.label)]


def _follow_up(actor: Any, enrollment: Enrollment, task: RecheckTask, outcome: str, note: str,
               new_amount: Any, new_persons: Any) -> None:
    reason = note[:TEXT_MAX]
    if outcome == RecheckOutcome.CHANGE:
        if new_amount in (None, ""):
            raise ApplicationError(_("调整金额时请填写新的月发放金额"), field="new_amount")
        # 57号§21: a decision takes effect from the following month.
        amount_change_create(
            actor=actor, enrollment_id=enrollment.pk, new_amount=new_amount,
            new_persons=new_persons or enrollment.persons,
            effective_month=add_months(month_of(timezone.localdate()), 1),
            reason=(_("复核调整：") + reason)[:TEXT_MAX],
            decision=_("复核任务%(id)s") % {"id": task.pk})
    elif outcome == RecheckOutcome.SUSPEND:
        enrollment_suspend(actor=actor, enrollment_id=enrollment.pk, reason=reason)
    elif outcome == RecheckOutcome.END:
        enrollment_end(actor=actor, enrollment_id=enrollment.pk, reason=reason)
    elif outcome == RecheckOutcome.GRADUAL_EXIT:
        enrollment_gradual_exit(actor=actor, enrollment_id=enrollment.pk, reason=reason)


@transaction.atomic
def recheck_decide(*, actor: Any, task_id: int, outcome: str, note: str, new_amount: Any = None,
                   new_persons: Any = None, income_stable: bool | None = None) -> RecheckTask:
    """Record a re-check's finding and carry out its outcome.

    A township clerk (in scope) records "keep"; any other outcome is a county decision and is
    carried out by the adjustment and status services, in this transaction."""
    if not (actor.is_superuser or getattr(actor, "role", None) in RECHECK_ROLES):
        raise ApplicationError(_("复核由乡镇经办人员或县级民政部门办理"), code="forbidden")
    if outcome not in RecheckOutcome.values:
        raise ApplicationError(_("请选择复核结论"), field="outcome")
    if outcome != RecheckOutcome.KEEP and not is_county(actor):
        raise ApplicationError(
            _("乡镇经办只能作出“维持”结论；调整金额、渐退、停发和清退由县级民政部门决定"),
            field="outcome", code="forbidden")
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("请填写复核情况"), field="note")
    if len(note) > NOTE_MAX:
        raise ApplicationError(_("不超过%(n)s字") % {"n": NOTE_MAX}, field="note")
    enrollment_id = RecheckTask.objects.filter(pk=task_id).values_list(
        "enrollment_id", flat=True).first()
    if enrollment_id is None:
        raise ApplicationError(_("复核任务不存在"), code="not_found")
    # Lock order everywhere: the enrollment, then what hangs off it.
    enrollment = locked_enrollment(actor, enrollment_id)
    task = RecheckTask.objects.select_for_update().get(pk=task_id)
    if task.status != RecheckStatus.OPEN:
        raise ApplicationError(_("该复核任务已办结"), code="transition")
    _follow_up(actor, enrollment, task, outcome, note, new_amount, new_persons)
    today = timezone.localdate()
    task.status, task.outcome, task.note = RecheckStatus.DONE, outcome, note
    task.decided_by, task.decided_at = actor, timezone.now()
    task.save(update_fields=["status", "outcome", "note", "decided_by", "decided_at"])
    fields: dict[str, Any] = {"last_recheck_on": today}
    if income_stable is not None:
        fields["income_stable"] = income_stable
    Enrollment.objects.filter(pk=enrollment.pk).update(**fields)
    audit_enrollment(actor, enrollment, "recheck.decide",
                     {"task": task.pk, "kind": task.kind, "outcome": outcome,
                      "income_stable": income_stable, "last_recheck_on": today.isoformat()},
                     before={"last_recheck_on": enrollment.last_recheck_on.isoformat()
                             if enrollment.last_recheck_on else None,
                             "income_stable": enrollment.income_stable},
                     reason=note)
    return task
