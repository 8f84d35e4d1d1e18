"""The indicators an evaluation computes from the platform's own records (IndicatorSource).

Each one is a count of things done right over the things that were due, for one region (a
township or the county, by region-code prefix) and one period [start, end], as the records
stand today. One rule runs through all of them: **something that fell due in the period and is
still not done counts as late**, and something not yet due is left out — otherwise a township
that never answers would score better than one that answers late.

- case_timeliness: cases decided (approved or rejected; 先行救助 completed) in the period, on
  time when decided by the case's completion deadline: the extended deadline (57号§22: 45 WD)
  if its 公示 drew an objection, else the overall deadline (30 WD; 20 WD when delegated), else
  the county's decision deadline (特困, 临时救助), else the 先行救助 paperwork deadline. A case
  with none of these ran no clock and is on time. Open cases whose deadline passed within the
  period count as late.
- ticket_timeliness: tickets replied in the period, on time when replied by their due time
  (tickets.sla); unreplied tickets whose due time passed within the period count as late.
- wish_timeliness: wishes closed in the period, on time when handled (resolved) by their due
  date — the due date governs the handling, not the feedback and 回访 after it (see
  outreach.models.wishes.OVERDUE_STATES); wishes still being handled whose due date passed
  within the period count as late.
- accuracy: 识别精准率 of the sampling rounds of the quarters overlapping the period: correct
  findings over checked enrollment checks (pending ones excluded).
- payment_timeliness: the county's payroll runs for the months of the period, on time when
  approved by that month's pay day (`payroll.pay_day`). Payroll is county-wide, so a township
  is measured by its county's runs. A draft run whose pay day has passed is late.
- warning_timeliness: monitoring warnings raised in the period, on time when first acted on
  (contact made, case opened or no action with reason) by their due date; open ones not yet due
  are left out.
- ledger_closure: ledger items (all three lists) due in the period that are closed (销号); open
  items not yet due are left out.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Case as SqlCase
from django.db.models import DateField, Exists, F, OuterRef, Q, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.models import PayrollRun, RunStatus
from cases.choices import OPEN_STATES
from cases.models import Case, Objection
from jiuzhu.errors import ApplicationError
from monitoring.models import Warning as MonitoringWarning
from outreach.models.wishes import Wish
from outreach.models.wishes import overdue_q as wish_overdue_q
from policies.params import MissingParameter, param
from regions.scoping import code_range
from tickets.models import Ticket
from tickets.sla import overdue_q as ticket_overdue_q

from .models import Finding, IndicatorSource, ItemState, LedgerItem, SampleCheck
from .selectors.sampling import CHECKED, quarters_between, region_prefix

PAY_DAY_KEY = "payroll.pay_day"


@dataclass(frozen=True)
class Measure:
    done: int
    due: int

    @property
    def rate(self) -> Decimal | None:
        """done / due, or None when nothing was due (the caller decides what that scores)."""
        return Decimal(self.done) / Decimal(self.due) if self.due else None


@dataclass(frozen=True)
class Window:
    region_code: str
    start: date
    end: date
    now: datetime  # "as the records stand": what is late, and what is not yet due

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)

    @property
    def prefix(self) -> str:
        return region_prefix(self.region_code)

    @property
    def codes(self) -> tuple[str, str]:
        return code_range(self.prefix)

    @property
    def last_late_day(self) -> date:
        """The last day in the period by which a deadline can already have been missed."""
        return min(self.end, self.today - timedelta(days=1))

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_before(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))


def case_timeliness(w: Window) -> Measure:
    objected = Exists(Objection.objects.filter(publicity__case=OuterRef("pk")))
    cases = Case.objects.filter(village__code__scope_range=w.codes).annotate(
        objected=objected,
        deadline=SqlCase(
            When(Q(objected=True, extended_due__isnull=False), then=F("extended_due")),
            default=Coalesce("overall_due", "decision_due", "paperwork_due"),
            output_field=DateField()))
    decided = cases.filter(decided_on__range=(w.start, w.end))
    on_time = decided.filter(Q(deadline__isnull=True) | Q(decided_on__lte=F("deadline"))).count()
    late_open = cases.filter(state__in=sorted(OPEN_STATES),
                             deadline__range=(w.start, w.last_late_day)).count()
    return Measure(on_time, decided.count() + late_open)


def ticket_timeliness(w: Window) -> Measure:
    tickets = Ticket.objects.filter(region__code__scope_range=w.codes)
    replied = tickets.filter(replied_at__gte=w.start_at, replied_at__lt=w.end_before)
    on_time = replied.filter(replied_at__lte=F("due_at")).count()
    late_open = tickets.filter(ticket_overdue_q(w.now), due_at__gte=w.start_at,
                               due_at__lt=w.end_before).count()
    return Measure(on_time, replied.count() + late_open)


def wish_timeliness(w: Window) -> Measure:
    wishes = Wish.objects.filter(village__code__scope_range=w.codes)
    closed = wishes.filter(closed_at__gte=w.start_at, closed_at__lt=w.end_before).annotate(
        handled_on=TruncDate(Coalesce("resolved_at", "closed_at")))
    on_time = closed.filter(Q(due_on__isnull=True) | Q(handled_on__lte=F("due_on"))).count()
    late_open = wishes.filter(wish_overdue_q(w.today), due_on__range=(w.start, w.end)).count()
    return Measure(on_time, closed.count() + late_open)


def accuracy(w: Window) -> Measure:
    checks = SampleCheck.objects.filter(CHECKED, village_code__scope_range=w.codes,
                                        round__period__in=quarters_between(w.start, w.end))
    return Measure(checks.filter(finding=Finding.CORRECT).count(), checks.count())


def pay_date(month: date, county_code: str) -> date:
    try:
        day = int(param(PAY_DAY_KEY, county_code, month))
    except MissingParameter as exc:
        raise ApplicationError(_("未配置发放日参数 %(key)s，请联系县级管理员") % {"key": PAY_DAY_KEY},
                               code="config") from exc
    return month.replace(day=max(1, min(day, calendar.monthrange(month.year, month.month)[1])))


def payment_timeliness(w: Window) -> Measure:
    county_code = w.region_code[:6].ljust(12, "0")
    runs = PayrollRun.objects.filter(region_code=county_code, month__gte=w.start.replace(day=1),
                                     month__lte=w.end).only("month", "status", "approved_at")
    done = due = 0
    # One row per programme and month (a few dozen a year): the pay day is a parameter that may
    # change between months, so it is read per run.
    for run in runs:
        pay_on = pay_date(run.month, county_code)
        approved = run.status == RunStatus.APPROVED and run.approved_at is not None
        if approved or pay_on < w.today:
            due += 1
            done += approved and timezone.localdate(run.approved_at) <= pay_on
    return Measure(done, due)


def warning_timeliness(w: Window) -> Measure:
    warnings = MonitoringWarning.objects.filter(
        village_code__scope_range=w.codes, raised_on__range=(w.start, w.end),
    ).annotate(acted_on=TruncDate(Coalesce("contacted_at", "acted_at")))
    counted = warnings.exclude(acted_on__isnull=True, due_on__gte=w.today)
    return Measure(counted.filter(acted_on__lte=F("due_on")).count(), counted.count())


def ledger_closure(w: Window) -> Measure:
    items = LedgerItem.objects.filter(region__code__scope_range=w.codes,
                                      due_on__range=(w.start, w.end))
    counted = items.exclude(~Q(state=ItemState.CLOSED), due_on__gte=w.today)
    return Measure(counted.filter(state=ItemState.CLOSED).count(), counted.count())


METRICS: dict[str, Callable[[Window], Measure]] = {
    IndicatorSource.CASE_TIMELINESS: case_timeliness,
    IndicatorSource.TICKET_TIMELINESS: ticket_timeliness,
    IndicatorSource.WISH_TIMELINESS: wish_timeliness,
    IndicatorSource.ACCURACY: accuracy,
    IndicatorSource.PAYMENT_TIMELINESS: payment_timeliness,
    IndicatorSource.WARNING_TIMELINESS: warning_timeliness,
    IndicatorSource.LEDGER_CLOSURE: ledger_closure,
}


def measure(source: str, *, region_code: str, start: date, end: date,
            now: datetime | None = None) -> Measure:
    return METRICS[source](Window(region_code, start, end, now or timezone.now()))
