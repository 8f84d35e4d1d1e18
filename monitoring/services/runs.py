"""Monitoring runs: every warning rule over a region's monitored population (monitoring.engine).

A run is recorded before it starts (status running) and the rules run in one transaction after
that, so a run that fails leaves its row, marked failed with the reason, and no half of its
warnings. Runs over the same county queue on the county's region row: two runs never evaluate
the same persons at the same time, so the repeat intervals of the condition rules (which look
at the warnings already raised) see each other's results.
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import audit_record
from calendar_days.workdays import add_working_days
from jiuzhu.errors import ApplicationError
from policies.params import param
from regions.models import PREFIX_LENGTH, Level, Region
from regions.scoping import region_in_scope

from .. import engine
from ..models import MonitoringRun, RunStatus

RUNNERS = frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER})


def _check(actor: Any, region_code: str, on_date: date) -> None:
    # No actor: the scheduled run (management command), answerable as the system.
    if actor is not None:
        if not (actor.is_superuser or getattr(actor, "role", None) in RUNNERS):
            raise ApplicationError(_("您的角色不能发起监测运行"), code="forbidden")
        if not region_in_scope(actor, region_code):
            raise ApplicationError(_("请选择本辖区"), field="region")
    if not Region.objects.filter(code=region_code, level__gte=Level.COUNTY,
                                 level__lte=Level.TOWNSHIP).exists():
        raise ApplicationError(_("请选择区县或乡镇（街道）"), field="region")
    if on_date > timezone.localdate():
        raise ApplicationError(_("监测日期不能晚于今天"), field="on_date")


def monitoring_run(*, actor: Any, region_code: str, on_date: date | None = None,
                   progress: engine.Progress | None = None) -> MonitoringRun:
    """Run every enabled rule over the monitored population of a county or township on
    `on_date` (default today); returns the run with its counts."""
    on_date = on_date or timezone.localdate()
    _check(actor, region_code, on_date)
    run = MonitoringRun.objects.create(region_code=region_code, on_date=on_date,
                                       started_by=actor if getattr(actor, "pk", None) else None)
    started = time.perf_counter()
    try:
        # Deadline: warning.action_days working days from the run date (domain §9, §14), once
        # per run; the start day is not counted.
        action_days = int(param("warning.action_days", region_code, on_date))
        due_on = add_working_days(on_date, action_days).date
        with transaction.atomic():
            county = region_code[:PREFIX_LENGTH[Level.COUNTY]].ljust(12, "0")
            list(Region.objects.select_for_update().filter(code=county))
            # Evidence is stored text read by every user later: write it in the platform's
            # language, whatever language the caller's request happens to use.
            with translation.override(settings.LANGUAGE_CODE):
                outcome = engine.run_rules(run, due_on=due_on, progress=progress)
            run.status = RunStatus.DONE
            run.monitored_persons = outcome.monitored_persons
            run.raised = outcome.raised
            run.seconds = Decimal(f"{time.perf_counter() - started:.2f}")
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "monitored_persons", "raised", "seconds",
                                    "finished_at"])
            audit_record(actor=actor, action="monitoring.run", obj=run, region_code=region_code,
                         after={"on_date": on_date.isoformat(), "due_on": due_on.isoformat(),
                                "monitored_persons": run.monitored_persons,
                                "raised": run.raised})
    except Exception as exc:
        with transaction.atomic():
            MonitoringRun.objects.filter(pk=run.pk).update(
                status=RunStatus.FAILED, error=str(exc)[:500], finished_at=timezone.now(),
                seconds=Decimal(f"{time.perf_counter() - started:.2f}"))
            audit_record(actor=actor, action="monitoring.run_failed", obj=run,
                         region_code=region_code, after={"on_date": on_date.isoformat()},
                         reason=str(exc)[:500])
        raise
    return run
