"""Reads of the 清单 ledgers, the weekly warning list and the risk register, always through
regions.scoping.

Overdue: not closed and past the deadline (整改时限). Due soon: not closed and due within
`ledger.warning_days` working days from today (today included), read per item's region so a
township may set its own window. Seed 002: "业务工作群每周发预警提醒单" is the two together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditEvent
from calendar_days.workdays import WorkingDayCounter, add_working_days
from jiuzhu.access import permission_for
from jiuzhu.errors import ApplicationError
from policies.params import MissingParameter, param
from regions.models import Region
from regions.scoping import code_range, scope, scoped_get_or_404

from ..models import Evidence, ItemSource, ItemState, LedgerItem, ListKind, Risk, RiskLevel, RiskState
from ..services.ledgers import MOVE_BY_ACTION

WARNING_DAYS_KEY = "ledger.warning_days"


def overdue_q(today: date) -> Q:
    return ~Q(state=ItemState.CLOSED) & Q(due_on__lt=today)


def may_use(user: Any, route: str) -> bool:
    """Whether to offer a page; the route map (jiuzhu.access) decides and enforces."""
    rule = permission_for(route)
    return isinstance(rule, frozenset) and bool(user.has_role(rule))


# -- the weekly warning window ------------------------------------------------------------------

def warning_days(region_code: str, on: date) -> int:
    try:
        return int(param(WARNING_DAYS_KEY, region_code, on))
    except MissingParameter as exc:
        raise ApplicationError(
            _("未设置清单事项到期预警天数（参数 %(key)s），请联系县级管理员") % {
                "key": WARNING_DAYS_KEY}, code="conflict") from exc


def warning_cutoffs(region_codes: set[str], today: date) -> dict[str, date]:
    """Each region's last due date that is "due soon" today: `ledger.warning_days` working
    days after today (the day itself not counted)."""
    return {code: add_working_days(today, warning_days(code, today)).date
            for code in region_codes}


def due_soon_q(base: QuerySet[LedgerItem], today: date) -> Q:
    """Not closed and due from today to the region's cutoff. One parameter read per region
    that has such items (a county has a few dozen), then one condition per distinct cutoff."""
    pending = ~Q(state=ItemState.CLOSED) & Q(due_on__gte=today)
    regions = set(base.filter(pending).values_list("region_id", flat=True).distinct())
    by_cutoff: dict[date, list[str]] = defaultdict(list)
    for code, cutoff in warning_cutoffs(regions, today).items():
        by_cutoff[cutoff].append(code)
    within = Q(pk__in=[])
    for cutoff, codes in by_cutoff.items():
        within |= Q(region_id__in=codes, due_on__lte=cutoff)
    return pending & within


# -- the ledger ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class LedgerFilter:
    list_kind: str = ""
    source: str = ""
    state: str = ""
    township: str = ""
    overdue: bool = False
    warning: bool = False  # the weekly list: overdue or due soon
    q: str = ""


def item_list(user: Any, f: LedgerFilter, today: date) -> QuerySet[LedgerItem]:
    """The ledger in the user's scope, newest first, each row marked `overdue`. With
    `f.warning` it reads the warning parameter (ApplicationError if it is not set)."""
    qs = scope(user, LedgerItem.objects.all())
    if f.list_kind in ListKind.values:
        qs = qs.filter(list_kind=f.list_kind)
    if f.source in ItemSource.values:
        qs = qs.filter(source=f.source)
    if f.state in ItemState.values:
        qs = qs.filter(state=f.state)
    if len(f.township) == 12 and f.township.isdigit():
        qs = qs.filter(region__code__scope_range=code_range(f.township[:9]))
    if f.overdue:
        qs = qs.filter(overdue_q(today))
    if f.warning:
        qs = qs.filter(overdue_q(today) | due_soon_q(qs, today))
    q = f.q.strip()
    if q:
        # An item number (TZ + year + serial) by its prefix; anything else is in the title.
        qs = (qs.filter(number__startswith=q.upper()) if q[:2].upper() == "TZ"
              and q[2:].isdigit() else qs.filter(title__contains=q))
    return (qs.annotate(overdue=ExpressionWrapper(overdue_q(today), output_field=BooleanField()))
            .select_related("region", "closed_by").order_by("-id"))


def item_get(user: Any, item_id: int) -> LedgerItem:
    """One item in the user's scope; missing and not-yours are the same 404."""
    return scoped_get_or_404(
        user, LedgerItem.objects.select_related(
            "region", "created_by", "submitted_by", "closed_by", "ticket", "meeting",
            "sample_check"), pk=item_id)


def evidence_get(user: Any, item_id: int, evidence_id: int) -> Evidence:
    return scoped_get_or_404(user, Evidence.objects.filter(item_id=item_id), pk=evidence_id)


def is_overdue(item: LedgerItem, today: date) -> bool:
    return bool(item.state != ItemState.CLOSED and item.due_on and item.due_on < today)


def overdue_count(user: Any, today: date) -> int:
    return scope(user, LedgerItem.objects.filter(overdue_q(today))).count()


def dashboard_tiles(user: Any) -> list[dict[str, Any]]:
    """Overdue items in the user's region, for those who read the ledger."""
    if not may_use(user, "ledgers:item_list"):
        return []
    n = overdue_count(user, timezone.localdate())
    return [{"id": "ledger-overdue-stat", "n": n, "label": _("逾期未销号清单事项（件）"),
             "url": reverse("ledgers:item_list") + "?overdue=1", "warn": n > 0}]


# -- the weekly warning list --------------------------------------------------------------------

@dataclass(frozen=True)
class WarningRow:
    item: LedgerItem
    overdue: bool
    working_days: int  # working days overdue, or working days left until the deadline


@dataclass
class RegionWarnings:
    region: Region
    overdue: list[WarningRow] = field(default_factory=list)
    due_soon: list[WarningRow] = field(default_factory=list)


def weekly_list(base: QuerySet[LedgerItem], today: date) -> list[RegionWarnings]:
    """The 预警提醒单 over `base` (already scoped by the caller: a user's scope on the page, the
    whole county or one region in `manage.py ledger_weekly`), grouped by region in code order,
    each group's rows by deadline. Its size is the open items near or past their deadline, not
    the population, so rows are built in Python with one calendar read."""
    rows = list(base.filter(overdue_q(today) | due_soon_q(base, today))
                .select_related("region").order_by("region_id", "due_on", "id"))
    if not rows:
        return []
    dues = [r.due_on for r in rows if r.due_on]
    counter = WorkingDayCounter(min([*dues, today]), max([*dues, today]))
    groups: dict[str, RegionWarnings] = {}
    for item in rows:
        assert item.due_on is not None  # both conditions need a deadline
        group = groups.setdefault(item.region_id, RegionWarnings(item.region))
        if item.due_on < today:
            group.overdue.append(WarningRow(item, True, counter.between(item.due_on, today)))
        else:
            group.due_soon.append(WarningRow(item, False, counter.between(today, item.due_on)))
    return list(groups.values())


def weekly_for_user(user: Any, today: date) -> list[RegionWarnings]:
    return weekly_list(scope(user, LedgerItem.objects.all()), today)


def weekly_items(groups: list[RegionWarnings]) -> list[LedgerItem]:
    """The list's items in print order, each marked `overdue` (for the Excel export)."""
    out = []
    for group in groups:
        for row in [*group.overdue, *group.due_soon]:
            row.item.overdue = row.overdue  # type: ignore[attr-defined]
            out.append(row.item)
    return out


# -- the timeline -------------------------------------------------------------------------------

EXTRA_LABELS: dict[str, str | Promise] = {
    "create": gettext_lazy("登记"),
    "evidence": gettext_lazy("上传佐证材料"),
}
TIMELINE_MAX = 200  # far more steps than an item takes; bounds a pathological trail


@dataclass(frozen=True)
class Step:
    at: datetime
    label: str | Promise
    actor: str
    details: list[str]
    reason: str


def _details(after: dict[str, Any]) -> list[str]:
    out = []
    if after.get("responsible_unit"):
        out.append(_("责任单位：%(v)s") % {"v": after["responsible_unit"]})
    if after.get("responsible_person"):
        out.append(_("责任人：%(v)s") % {"v": after["responsible_person"]})
    if after.get("due_on"):
        out.append(_("整改时限：%(v)s") % {"v": after["due_on"]})
    if after.get("name"):
        out.append(_("文件：%(v)s") % {"v": after["name"]})
    return out


def item_timeline(item: LedgerItem) -> list[Step]:
    """Every step of the item from the audit trail, oldest first."""
    events = (AuditEvent.objects.filter(object_type="supervision.ledgeritem",
                                        object_id=str(item.pk))
              .select_related("actor").order_by("at", "id")[:TIMELINE_MAX])
    steps = []
    for e in events:
        action = e.action.removeprefix("supervision.ledger_")
        move = MOVE_BY_ACTION.get(action)
        label = move.label if move else EXTRA_LABELS.get(action, action)
        steps.append(Step(at=e.at, label=label,
                          actor=e.actor.display_name if e.actor else "",
                          details=_details(e.after or {}), reason=e.reason))
    return steps


# -- the risk register --------------------------------------------------------------------------

@dataclass(frozen=True)
class RiskFilter:
    level: str = ""
    state: str = ""
    township: str = ""
    review_due: bool = False  # open risks whose next 研判 date has come
    q: str = ""


def review_due_q(today: date) -> Q:
    return ~Q(state=RiskState.CLOSED) & Q(review_on__lte=today)


def risk_list(user: Any, f: RiskFilter, today: date) -> QuerySet[Risk]:
    qs = scope(user, Risk.objects.all())
    if f.level in RiskLevel.values:
        qs = qs.filter(level=f.level)
    if f.state in RiskState.values:
        qs = qs.filter(state=f.state)
    if len(f.township) == 12 and f.township.isdigit():
        qs = qs.filter(region__code__scope_range=code_range(f.township[:9]))
    if f.review_due:
        qs = qs.filter(review_due_q(today))
    if f.q.strip():
        qs = qs.filter(title__contains=f.q.strip())
    return (qs.annotate(review_due=ExpressionWrapper(review_due_q(today),
                                                     output_field=BooleanField()))
            .select_related("region").order_by("-id"))


def risk_get(user: Any, risk_id: int) -> Risk:
    return scoped_get_or_404(user, Risk.objects.select_related("region", "created_by"),
                             pk=risk_id)
