"""Reads of the 微心愿 ledger, always through regions.scoping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditEvent
from jiuzhu.access import permission_for
from regions.scoping import code_range, scope, scoped_get_or_404
from registry.selectors import name_prefix_range

from ..models import Satisfaction, Wish, WishCategory, WishSource, WishState
from ..models.wishes import OVERDUE_STATES, overdue_q
from ..services.wishes import MOVE_BY_ACTION


@dataclass(frozen=True)
class WishFilter:
    township: str = ""
    village: str = ""
    state: str = ""
    category: str = ""
    source: str = ""
    overdue: bool = False
    registered_from: date | None = None
    registered_to: date | None = None
    q: str = ""


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def wish_list(user: Any, f: WishFilter, today: date) -> QuerySet[Wish]:
    """The ledger in the user's scope, newest first, each row marked `overdue`."""
    qs = scope(user, Wish.objects.all())
    if len(f.township) == 12 and f.township.isdigit():
        qs = qs.filter(village__code__scope_range=code_range(f.township[:9]))
    if f.village:
        qs = qs.filter(village_id=f.village)
    if f.state in WishState.values:
        qs = qs.filter(state=f.state)
    if f.category in WishCategory.values:
        qs = qs.filter(category=f.category)
    if f.source in WishSource.values:
        qs = qs.filter(source=f.source)
    if f.overdue:
        qs = qs.filter(overdue_q(today))
    # Registration dates are local days; compare the stored instants with the days' bounds.
    if f.registered_from:
        qs = qs.filter(created_at__gte=_day_start(f.registered_from))
    if f.registered_to:
        qs = qs.filter(created_at__lt=_day_start(f.registered_to + timedelta(days=1)))
    q = f.q.strip()
    if q:
        # A wish number (XY + year + serial) by its prefix; anything else is the person's name.
        qs = (qs.filter(number__startswith=q.upper()) if q[:2].upper() == "XY"
              and q[2:].isdigit() else qs.filter(person_name__range=name_prefix_range(q)))
    return (qs.annotate(overdue=ExpressionWrapper(overdue_q(today), output_field=BooleanField()))
            .select_related("village__parent", "department").order_by("-id"))


def wish_get(user: Any, wish_id: int) -> Wish:
    """One wish in the user's scope; missing and not-yours are the same 404."""
    return scoped_get_or_404(
        user, Wish.objects.select_related("village__parent", "household", "department",
                                          "created_by"), pk=wish_id)


def is_overdue(wish: Wish, today: date) -> bool:
    return bool(wish.state in OVERDUE_STATES and wish.due_on and wish.due_on < today)


def overdue_count(user: Any, today: date) -> int:
    return scope(user, Wish.objects.filter(overdue_q(today))).count()


def may_use(user: Any, route: str) -> bool:
    """Whether to offer a page of the ledger; the route map (jiuzhu.access) decides and
    enforces, so who may is written down once."""
    rule = permission_for(route)
    return isinstance(rule, frozenset) and bool(user.has_role(rule))


def overdue_tile(user: Any) -> list[dict[str, Any]]:
    """The dashboard tile: overdue wishes in the user's region, for those who read the ledger."""
    if not may_use(user, "wishes:wish_list"):
        return []
    n = overdue_count(user, timezone.localdate())
    return [{"id": "wishes-overdue-stat", "n": n, "label": _("逾期微心愿（件）"),
             "url": reverse("wishes:wish_list") + "?overdue=1", "warn": n > 0}]


# -- the timeline -------------------------------------------------------------------------------

EXTRA_LABELS: dict[str, str | Promise] = {
    "record": gettext_lazy("登记心愿"),
    "escalate": gettext_lazy("逾期督办"),
}
TIMELINE_MAX = 200  # far more steps than a wish takes; bounds a pathological trail


@dataclass(frozen=True)
class Step:
    at: datetime
    label: str | Promise
    actor: str
    details: list[str]
    reason: str


def _details(after: dict[str, Any]) -> list[str]:
    """The facts a step set, in words (the audit row stores them as data)."""
    out = []
    if after.get("source"):
        out.append(_("来源：%(v)s") % {"v": WishSource(after["source"]).label})
    if after.get("category"):
        out.append(_("类别：%(v)s") % {"v": WishCategory(after["category"]).label})
    if after.get("department"):
        out.append(_("责任部门：%(v)s") % {"v": after["department"]})
    if after.get("responsible_person"):
        out.append(_("责任人：%(v)s") % {"v": after["responsible_person"]})
    if after.get("due_on"):
        out.append(_("办理期限：%(v)s") % {"v": after["due_on"]})
    if after.get("satisfaction"):
        out.append(_("满意度：%(v)s") % {"v": Satisfaction(after["satisfaction"]).label})
    if after.get("reopen_count"):
        out.append(_("第%(n)s次重新办理") % {"n": after["reopen_count"]})
    if after.get("escalation_level"):
        out.append(_("第%(n)s次督办") % {"n": after["escalation_level"]})
    return out


def wish_timeline(wish: Wish) -> list[Step]:
    """Every step of the wish from the audit trail, oldest first."""
    events = (AuditEvent.objects.filter(object_type="outreach.wish", object_id=str(wish.pk))
              .select_related("actor").order_by("at", "id")[:TIMELINE_MAX])
    steps = []
    for e in events:
        action = e.action.removeprefix("outreach.wish_")
        move = MOVE_BY_ACTION.get(action)
        label = move.label if move else EXTRA_LABELS.get(action, action)
        steps.append(Step(at=e.at, label=label,
                          actor=e.actor.display_name if e.actor else _("系统（逾期督办）"),
                          details=_details(e.after or {}), reason=e.reason))
    return steps
