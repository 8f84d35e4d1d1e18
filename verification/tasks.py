"""Review tasks from batch re-verification (issue 5 item 4; domain §6 "each hit opens a re-check").

After a recipients run is done, every household with at least one *new* finding that a rule
gave a consequence gets one open task for its township's clerks. A finding whose consequence is
"suspend" (e.g. a death record) also suspends the household's active enrollments at once. Both
are set-based and idempotent: running them twice for a run changes nothing the second time.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.models import AuditEvent
from audit.services import audit_record
from benefits.models import Enrollment, EnrollmentStatus
from benefits.services.rechecks import death_rechecks_open
from jiuzhu.errors import ApplicationError
from regions.scoping import region_in_scope

from .models import (
    Consequence,
    Finding,
    ReviewTask,
    RunKind,
    RunStatus,
    TaskKind,
    TaskStatus,
    VerificationRun,
)

TASK_CLOSERS = frozenset({Role.CLERK, Role.COUNTY_ADMIN})


def _flagged(run: VerificationRun) -> Any:
    """New findings of the run that a rule gave a consequence."""
    return Finding.objects.filter(run=run, new=True).exclude(consequence=Consequence.NONE)


def _suspend_enrollments(run: VerificationRun) -> int:
    """Issue 5 item 3: a death record suspends payment at once and opens a re-check.

    One UPDATE for the households' active enrollments and one audit row per enrollment, in the
    caller's transaction. Enrollments already suspended (an earlier pass) are left alone."""
    households = _flagged(run).filter(consequence=Consequence.SUSPEND).values(
        "person__household_id")
    targets = list(Enrollment.objects.select_for_update()
                   .filter(household_id__in=households, status=EnrollmentStatus.ACTIVE)
                   .values_list("pk", "village_id", "household_id"))
    if not targets:
        return 0
    _open_death_rechecks(run, targets)
    Enrollment.objects.filter(pk__in=[pk for pk, _v, _h in targets]).update(
        status=EnrollmentStatus.SUSPENDED)
    reason = _("批量复核 #%(run)s 发现死亡等记录，暂停发放并复查") % {"run": run.pk}
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=None, action="enrollment.suspend", object_type="benefits.enrollment",
                   object_id=str(pk), region_code=village, reason=reason,
                   before={"status": EnrollmentStatus.ACTIVE.value},
                   after={"status": EnrollmentStatus.SUSPENDED.value, "run": run.pk})
        for pk, village, _h in targets
    ], batch_size=1000)
    return len(targets)


def _open_death_rechecks(run: VerificationRun, targets: list[tuple[int, str, int]]) -> None:
    """通知2022: the household is re-checked within `death_recheck.months` of the death, so the
    task's clock runs from the death date the record gives (the run's day when it gives none).
    Deaths are rare, so one small query per run is enough."""
    died = dict(_flagged(run).filter(consequence=Consequence.SUSPEND, value_date__isnull=False)
                .values("person__household_id").annotate(on=Min("value_date"))
                .values_list("person__household_id", "on"))
    today = timezone.localdate()
    by_date: dict[date, list[int]] = defaultdict(list)
    for pk, _village, household in targets:
        by_date[died.get(household) or today].append(pk)
    for death_date, ids in by_date.items():
        death_rechecks_open(ids, death_date)


def _summary(row: dict[str, Any]) -> str:
    parts = [(Consequence.SUSPEND, row["suspend"]), (Consequence.INELIGIBLE, row["ineligible"]),
             (Consequence.REVIEW, row["review"])]
    detail = "，".join(f"{c.label} {n}" for c, n in parts if n)
    return (_("新增核对发现 %(n)s 项（%(detail)s），涉及 %(sources)s 个数据源") % {
        "n": row["n"], "detail": detail, "sources": row["sources"]})[:200]


def review_tasks_create(run: VerificationRun) -> int:
    """One task per household with a new flagged finding; returns the tasks created.

    One aggregated query and one bulk INSERT that skips (run, household) pairs already there,
    so calling it again for the same run creates nothing. Only for a finished run: before
    that, findings are not yet compared with the previous run and all look new."""
    if not VerificationRun.objects.filter(pk=run.pk, status=RunStatus.DONE).exists():
        return 0
    now = timezone.now()
    with transaction.atomic():
        _suspend_enrollments(run)
        rows = (_flagged(run).values("person__household_id").annotate(
            village=Min("village_code"), n=Count("id"),
            sources=Count("source", distinct=True),
            suspend=Count("id", filter=Q(consequence=Consequence.SUSPEND)),
            ineligible=Count("id", filter=Q(consequence=Consequence.INELIGIBLE)),
            review=Count("id", filter=Q(consequence=Consequence.REVIEW)),
        ).order_by("person__household_id"))
        before = ReviewTask.objects.filter(run=run).count()
        ReviewTask.objects.bulk_create([
            ReviewTask(run=run, household_id=row["person__household_id"],
                       village_code=row["village"],
                       kind=TaskKind.DEATH if row["suspend"] else TaskKind.HIT,
                       summary=_summary(row), findings=row["n"], created_at=now)
            for row in rows
        ], batch_size=1000, ignore_conflicts=True)
        return ReviewTask.objects.filter(run=run).count() - before


def after_run(run: VerificationRun) -> int:
    """The engine's hook once a run is done: a recipients run opens its review tasks."""
    if run.kind != RunKind.RECIPIENTS:
        return 0
    return review_tasks_create(run)


@transaction.atomic
def review_task_close(*, actor: Any, task_id: int, outcome_note: str) -> ReviewTask:
    """The clerk records what the re-check found; the task is then closed (audited)."""
    task = ReviewTask.objects.select_for_update().filter(pk=task_id).first()
    if task is None or not region_in_scope(actor, task.village_code):
        raise ApplicationError(_("复查任务不存在或不在您的辖区内"), code="forbidden")
    if not (actor.is_superuser or getattr(actor, "role", None) in TASK_CLOSERS):
        raise ApplicationError(_("复查任务由乡镇经办人员办结"), code="forbidden")
    if task.status != TaskStatus.OPEN:
        raise ApplicationError(_("该复查任务已办结"), code="transition")
    note = outcome_note.strip()
    if not note:
        raise ApplicationError(_("请填写复查结果"), field="outcome_note")
    task.status, task.outcome_note = TaskStatus.CLOSED, note
    task.closed_by, task.closed_at = actor, timezone.now()
    task.save(update_fields=["status", "outcome_note", "closed_by", "closed_at"])
    audit_record(actor=actor, action="verification.task_close", obj=task,
                 region_code=task.village_code, before={"status": TaskStatus.OPEN.value},
                 after={"status": task.status, "outcome_note": note})
    return task
