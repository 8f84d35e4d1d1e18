"""Reads of low-income monitoring, always through regions.scoping: the warning queue, one warning
with its timeline, the county's overview per township, the 政策找人 conversion, rule settings,
monitored households and runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce, Substr, TruncDate
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditEvent
from calendar_days.workdays import WorkingDayCounter
from cases.choices import CaseState
from jiuzhu.access import permission_for
from regions.models import Level, Region
from regions.scoping import code_range, scope, scope_with_ancestors, scoped_get_or_404
from registry.selectors import applicants_for

from .models import (
    LowIncomeKind,
    MonitoredHousehold,
    MonitoringRun,
    RuleCode,
    Warning,
    WarningRule,
    WarningState,
)
from .rules import RULES, RuleSpec
from .services.warnings import MOVE_BY_ACTION

TOWNSHIP_PREFIX = 9  # digits of a village code that name its township


def overdue_q(today: date) -> Q:
    """issue 8: a warning must be acted on by `due_on`; only one still open is overdue."""
    return Q(state=WarningState.OPEN, due_on__lt=today)


def may_use(user: Any, route: str, method: str = "GET") -> bool:
    """Whether to offer a page (or a form posting to it); the route map (jiuzhu.access) decides
    and enforces, so who may is written down once."""
    rule = permission_for(route)
    roles = rule.get(method, frozenset()) if isinstance(rule, dict) else rule
    return isinstance(roles, frozenset) and bool(user.has_role(roles))


def region_names(codes: set[str]) -> dict[str, str]:
    """"parent name" for each code: a village with its township (Warning keeps the code, not
    a foreign key), a township with its county."""
    return {r.code: f"{r.parent.name if r.parent else ''} {r.name}"
            for r in Region.objects.filter(code__in=codes).select_related("parent")}


# -- the queue ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class WarningFilter:
    township: str = ""
    village: str = ""
    state: str = ""
    rule: str = ""
    overdue: bool = False
    raised_from: date | None = None
    raised_to: date | None = None
    run: int | None = None


def warning_list(user: Any, f: WarningFilter, today: date) -> QuerySet[Warning]:
    """The queue in the user's scope, newest first, each row marked `overdue`."""
    qs = scope(user, Warning.objects.all())
    if len(f.township) == 12 and f.township.isdigit():
        qs = qs.filter(village_code__scope_range=code_range(f.township[:TOWNSHIP_PREFIX]))
    if f.village:
        qs = qs.filter(village_code=f.village)
    if f.state in WarningState.values:
        qs = qs.filter(state=f.state)
    if f.rule in RuleCode.values:
        qs = qs.filter(rule=f.rule)
    if f.overdue:
        qs = qs.filter(overdue_q(today))
    if f.raised_from:
        qs = qs.filter(raised_on__gte=f.raised_from)
    if f.raised_to:
        qs = qs.filter(raised_on__lte=f.raised_to)
    if f.run:
        qs = qs.filter(run_id=f.run)
    return (qs.annotate(overdue=ExpressionWrapper(overdue_q(today), output_field=BooleanField()))
            .select_related("person", "case").order_by("-raised_on", "-id"))


def days_late(warnings: list[Warning], today: date) -> dict[int, int]:
    """Working days each overdue warning is past its due date (one calendar query)."""
    late = [w for w in warnings if w.state == WarningState.OPEN and w.due_on < today]
    if not late:
        return {}
    counter = WorkingDayCounter(min(w.due_on for w in late), today)
    return {w.pk: counter.between(w.due_on, today) for w in late}


def warning_get(user: Any, warning_id: int) -> Warning:
    """One warning in the user's scope; missing and not-yours are the same 404."""
    return scoped_get_or_404(
        user, Warning.objects.select_related("person", "household", "case", "run", "acted_by",
                                             "contacted_by"), pk=warning_id)


def overdue_count(user: Any, today: date) -> int:
    return scope(user, Warning.objects.filter(overdue_q(today))).count()


def overdue_tile(user: Any) -> list[dict[str, Any]]:
    """The dashboard tile: overdue warnings in the user's region, for those who read the queue."""
    if not may_use(user, "monitoring:warning_list"):
        return []
    n = overdue_count(user, timezone.localdate())
    return [{"id": "warnings-overdue-stat", "n": n, "label": _("逾期未处置预警（条）"),
             "url": reverse("monitoring:warning_list") + "?overdue=1", "warn": n > 0}]


# -- the timeline -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    at: datetime
    label: str | Promise
    actor: str
    details: list[str]
    reason: str


TIMELINE_MAX = 100  # a warning takes four steps; bounds a pathological trail


def warning_timeline(warning: Warning) -> list[Step]:
    """The raising, then every step from the audit trail, oldest first."""
    raised_at = (warning.run.started_at if warning.run else datetime.combine(
        warning.raised_on, time.min, tzinfo=timezone.get_current_timezone()))
    steps = [Step(at=raised_at, label=gettext_lazy("系统预警"), actor=_("动态监测"),
                  details=[_("处置期限：%(d)s") % {"d": warning.due_on.isoformat()}],
                  reason=warning.evidence)]
    events = (AuditEvent.objects.filter(object_type="monitoring.warning",
                                        object_id=str(warning.pk))
              .select_related("actor").order_by("at", "id")[:TIMELINE_MAX])
    for e in events:
        move = MOVE_BY_ACTION.get(e.action.removeprefix("monitoring.warning_"))
        after = e.after or {}
        details = [_("救助申请：%(n)s") % {"n": after["case"]}] if after.get("case") else []
        steps.append(Step(at=e.at, label=move.label if move else e.action,
                          actor=e.actor.display_name if e.actor else _("系统"),
                          details=details, reason=e.reason))
    return steps


# -- the county's overview per township ---------------------------------------------------------

def _first_action_on() -> Any:
    # Contact, case or no action each count as acting on it (issue 8); contact comes first
    # when there is one.
    return TruncDate(Coalesce("contacted_at", "acted_at"))


@dataclass(frozen=True)
class TownshipRow:
    township: Region | None  # None: the total
    open: int
    overdue: int
    due: int  # deadline passed or acted on: the warnings timeliness is measured over
    in_time: int

    @property
    def in_time_percent(self) -> float | None:
        return round(100 * self.in_time / self.due, 1) if self.due else None


def _by_township(qs: QuerySet[Warning]) -> QuerySet[Any]:
    return qs.annotate(township=Substr("village_code", 1, TOWNSHIP_PREFIX)).values("township")


def _townships(prefixes: set[str]) -> dict[str, Region]:
    codes = [p.ljust(12, "0") for p in prefixes]
    return {r.code[:TOWNSHIP_PREFIX]: r
            for r in Region.objects.filter(code__in=codes, level=Level.TOWNSHIP)}


def township_overview(user: Any, today: date) -> list[TownshipRow]:
    """Per township in scope: open, overdue, and the share acted on by the due date."""
    acted = Q(contacted_at__isnull=False) | Q(acted_at__isnull=False)
    rows = (_by_township(scope(user, Warning.objects.alias(first_on=_first_action_on())))
            .annotate(open=Count("id", filter=Q(state=WarningState.OPEN)),
                      overdue=Count("id", filter=overdue_q(today)),
                      due=Count("id", filter=acted | Q(due_on__lt=today)),
                      in_time=Count("id", filter=acted & Q(first_on__lte=F("due_on"))))
            .order_by("township"))
    return _with_total(list(rows), TownshipRow, ("open", "overdue", "due", "in_time"))


def _with_total(rows: list[dict[str, Any]], cls: Any, fields: tuple[str, ...]) -> list[Any]:
    townships = _townships({r["township"] for r in rows})
    out = [cls(township=townships.get(r["township"]), **{k: r[k] for k in fields})
           for r in rows]
    out.append(cls(township=None, **{k: sum(r[k] for r in rows) for k in fields}))
    return out


@dataclass(frozen=True)
class ConversionRow:
    township: Region | None  # None: the total
    raised: int
    contacted: int
    case_opened: int
    approved: int

    @property
    def approved_percent(self) -> float | None:
        return round(100 * self.approved / self.raised, 1) if self.raised else None


def conversion(user: Any, start: date, end: date) -> list[ConversionRow]:
    """政策找人 from warning to assistance, per township, for warnings raised in [start, end]:
    raised, contacted, led to an application, and of those the applications approved. A 先行救助
    case counts as approved once its paperwork is complete (cases.workflow complete_paperwork)."""
    rows = (_by_township(scope(user, Warning.objects.filter(raised_on__range=(start, end))))
            .annotate(raised=Count("id"),
                      contacted=Count("id", filter=Q(contacted_at__isnull=False)),
                      case_opened=Count("id", filter=Q(case__isnull=False)),
                      approved=Count("id", filter=Q(case__state=CaseState.APPROVED)))
            .order_by("township"))
    return _with_total(list(rows), ConversionRow, ("raised", "contacted", "case_opened",
                                                   "approved"))


# -- rule settings ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleSettings:
    code: str
    label: str | Promise
    spec: RuleSpec  # what the threshold and look-back mean for the rule, and its defaults
    default: WarningRule | None
    overrides: list[WarningRule]


def rule_table() -> list[RuleSettings]:
    """Every rule with its county default (None: the rule's own defaults and parameters) and
    its township overrides."""
    rows = list(WarningRule.objects.select_related("region").order_by("code", "region_id"))
    return [RuleSettings(code=code, label=label, spec=RULES[code],
                         default=next((r for r in rows if r.code == code and r.region is None),
                                      None),
                         overrides=[r for r in rows if r.code == code and r.region is not None])
            for code, label in RuleCode.choices]


def rule_get(code: str, region_code: str) -> WarningRule | None:
    return (WarningRule.objects.filter(code=code, region_id=region_code or None).first()
            if code in RuleCode.values else None)


# -- monitored households -----------------------------------------------------------------------

@dataclass(frozen=True)
class MonitoredFilter:
    village: str = ""
    kind: str = ""
    status: str = "active"  # active | ended | all


def monitored_list(user: Any, f: MonitoredFilter) -> QuerySet[MonitoredHousehold]:
    qs = scope(user, MonitoredHousehold.objects.all())
    if f.village:
        qs = qs.filter(household__village_id=f.village)
    if f.kind in LowIncomeKind.values:
        qs = qs.filter(kind=f.kind)
    if f.status == "active":
        qs = qs.filter(until__isnull=True)
    elif f.status == "ended":
        qs = qs.filter(until__isnull=False)
    return qs.select_related("household__village__parent", "created_by").order_by("-id")


def with_applicants(rows: list[MonitoredHousehold]) -> list[tuple[MonitoredHousehold, Any]]:
    applicants = applicants_for([r.household for r in rows])
    return [(r, applicants.get(r.household_id)) for r in rows]


def monitored_open(user: Any, household_id: int) -> MonitoredHousehold:
    """The household's open registration in the user's scope, or 404."""
    return scoped_get_or_404(user, MonitoredHousehold.objects.filter(until__isnull=True)
                             .select_related("household__village__parent"),
                             household_id=household_id)


# -- runs ---------------------------------------------------------------------------------------

def run_list(user: Any) -> QuerySet[MonitoringRun]:
    """Runs over the user's region and over the regions above it (a county-wide run covers the
    township too); a run holds counts only, the warnings it raised are read through scope."""
    return (scope_with_ancestors(user, MonitoringRun.objects.all())
            .select_related("started_by").order_by("-started_at", "-id"))


def run_get(user: Any, mrun_id: int) -> MonitoringRun:
    run = run_list(user).filter(pk=mrun_id).first()
    if run is None:
        raise Http404
    return run


def run_counts(run: MonitoringRun) -> list[tuple[str, Any, int]]:
    """(code, label, warnings raised) per rule, in the rules' order."""
    raised = run.raised or {}
    return [(code, label, int(raised.get(code, 0))) for code, label in RuleCode.choices
            if code in raised]
