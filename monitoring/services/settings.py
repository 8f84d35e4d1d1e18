"""Settings of low-income monitoring: rule thresholds per region and the monitored households.

Rules (domain.md §11 triggers, LOCAL thresholds): a WarningRule row without a region is the
county's default for a rule; a row for a township overrides it there (whether the rule is on,
its threshold, its look-back). Only the county admin sets them, and every change is audited
with the values before and after, because a threshold decides who is found.

Monitored households (通知2022: 低保边缘, 刚性支出, 防返贫 and other low-income families) are
registered by the township or the county with a reason, and end on a date; a household has at
most one open registration (the table's constraint; checked here under the household's lock).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import COUNTY_ONLY, Role
from audit.services import audit_record
from jiuzhu.errors import ApplicationError, clean_text
from regions.models import Level, Region
from regions.scoping import scope
from registry.models import Household

from ..models import LowIncomeKind, MonitoredHousehold, RuleCode, WarningRule
from ..rules import RULES

LOOKBACK_MIN, LOOKBACK_MAX = 1, 730  # up to two years of history, e.g. 12-month medical costs
THRESHOLD_MAX = Decimal("999999999999.99")  # WarningRule.threshold: 14 digits, 2 decimals
NOTE_MAX = 200
REGISTRARS = frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER})


def _require_role(actor: Any, roles: frozenset[str]) -> None:
    if not (actor.is_superuser or getattr(actor, "role", None) in roles):
        raise ApplicationError(_("您的角色不能修改此设置"), code="forbidden")


_text = partial(clean_text, limit=NOTE_MAX)


# -- warning rules ------------------------------------------------------------------------------

def _rule_code(code: str) -> str:
    if code not in RuleCode.values:
        raise ApplicationError(_("请选择预警规则"), field="code")
    return code


def _override_region(region_code: str) -> Region | None:
    """"" is the county's default; otherwise a township in force."""
    if not region_code:
        return None
    region = Region.objects.filter(code=region_code, level=Level.TOWNSHIP,
                                   valid_to__isnull=True).first()
    if region is None:
        raise ApplicationError(_("请选择乡镇（街道）"), field="region")
    return region


def _threshold(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if not value.is_finite() or value < 0:
        raise ApplicationError(_("阈值不能小于0"), field="threshold")
    exponent = value.as_tuple().exponent
    if value > THRESHOLD_MAX or (isinstance(exponent, int) and exponent < -2):
        raise ApplicationError(_("阈值最多两位小数，且不超过%(max)s") % {"max": THRESHOLD_MAX},
                               field="threshold")
    # As the column stores it, so the audit row says what was saved.
    return value.quantize(Decimal("0.01"))


def _lookback(value: int | None) -> int | None:
    if value is None:
        return None
    if not LOOKBACK_MIN <= value <= LOOKBACK_MAX:
        raise ApplicationError(_("回溯天数应在%(lo)s至%(hi)s天之间") % {
            "lo": LOOKBACK_MIN, "hi": LOOKBACK_MAX}, field="lookback_days")
    return value


def _locked_rule(code: str, region: Region | None) -> WarningRule | None:
    # Ordered by id only: the model's default ordering joins the region (an outer join, which
    # PostgreSQL cannot lock).
    return (WarningRule.objects.select_for_update()
            .filter(code=code, region_id=region.code if region else None).order_by("id").first())


def _values(rule: WarningRule | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    return {"enabled": rule.enabled,
            "threshold": None if rule.threshold is None else str(rule.threshold),
            "lookback_days": rule.lookback_days, "note": rule.note}


@transaction.atomic
def warning_rule_set(*, actor: Any, code: str, region_code: str = "", enabled: bool,
                     threshold: Decimal | None = None, lookback_days: int | None = None,
                     note: str = "") -> WarningRule:
    """Set a rule's default (region_code "") or a township's override. A blank threshold or
    look-back keeps the more general setting (the county default, then the rule's own default
    or parameter: monitoring.rules.config) in force for it."""
    _require_role(actor, COUNTY_ONLY)
    code = _rule_code(code)
    region = _override_region(region_code)
    threshold = _threshold(threshold)
    lookback_days = _lookback(lookback_days)
    # A number the rule does not read would look like a setting and change nothing.
    spec = RULES[code]
    if threshold is not None and spec.threshold_label is None:
        raise ApplicationError(_("该规则不使用阈值，请留空"), field="threshold")
    if lookback_days is not None and spec.lookback_days is None:
        raise ApplicationError(_("该规则不使用回溯天数，请留空"), field="lookback_days")
    note = _text(note, "note", _("说明"), required=False)
    # The row under lock if it exists; a concurrent first save of the same pair fails on the
    # table's unique constraints rather than writing two rows.
    rule = _locked_rule(code, region)
    before = _values(rule)
    if rule is None:
        rule = WarningRule(code=code, region=region)
    rule.enabled, rule.threshold, rule.lookback_days, rule.note = (
        enabled, threshold, lookback_days, note)
    rule.save()
    audit_record(actor=actor, action="monitoring.rule_set", obj=rule,
                 region_code=region.code if region else "", before=before, after=_values(rule))
    return rule


@transaction.atomic
def warning_rule_clear(*, actor: Any, code: str, region_code: str) -> None:
    """Remove a township's override, so the county default applies there again. The default
    itself is not removed here: a rule is switched off by setting it disabled."""
    _require_role(actor, COUNTY_ONLY)
    code = _rule_code(code)
    region = _override_region(region_code)
    if region is None:
        raise ApplicationError(_("全县默认设置不能删除，可改为停用"), field="region")
    rule = _locked_rule(code, region)
    if rule is None:
        raise ApplicationError(_("该乡镇没有单独设置此规则"), field="region", code="conflict")
    audit_record(actor=actor, action="monitoring.rule_clear", obj=rule, region_code=region.code,
                 before=_values(rule))
    rule.delete()


# -- monitored households -----------------------------------------------------------------------

def _household(actor: Any, household_id: int | None) -> Household:
    household = None
    if household_id:
        # Locked, so two registrations of one household queue and the second sees the first.
        household = (scope(actor, Household.objects.select_for_update())
                     .filter(pk=household_id).first())
    if household is None:
        raise ApplicationError(_("未找到该家庭，或该家庭不在您的辖区内"), field="household")
    return household


def _past_or_today(day: date | None, field: str, label: str) -> date:
    if day is None:
        raise ApplicationError(_("请填写%(label)s") % {"label": label}, field=field)
    if day > timezone.localdate():
        raise ApplicationError(_("%(label)s不能晚于今天") % {"label": label}, field=field)
    return day


@transaction.atomic
def monitored_household_register(*, actor: Any, household_id: int | None, kind: str,
                                 since: date | None, reason: str) -> MonitoredHousehold:
    _require_role(actor, REGISTRARS)
    household = _household(actor, household_id)
    if kind not in LowIncomeKind.values:
        raise ApplicationError(_("请选择监测类别"), field="kind")
    since = _past_or_today(since, "since", _("纳入监测日期"))
    reason = _text(reason, "reason", _("纳入原因"))
    if MonitoredHousehold.objects.filter(household=household, until__isnull=True).exists():
        raise ApplicationError(_("该家庭已在监测中"), field="household", code="duplicate")
    row = MonitoredHousehold.objects.create(household=household, kind=kind, since=since,
                                            reason=reason, created_by=actor)
    audit_record(actor=actor, action="monitoring.household_register", obj=row,
                 region_code=household.village_id,
                 after={"household": household.pk, "kind": kind, "since": since.isoformat()},
                 reason=reason)
    return row


@transaction.atomic
def monitored_household_end(*, actor: Any, household_id: int, until: date | None,
                            reason: str) -> MonitoredHousehold:
    """End the household's open registration on `until` (income recovered, moved, now a
    recipient and so monitored through its enrollment)."""
    _require_role(actor, REGISTRARS)
    household = _household(actor, household_id)
    row = (MonitoredHousehold.objects.select_for_update()
           .filter(household=household, until__isnull=True).first())
    if row is None:
        raise ApplicationError(_("该家庭不在监测中"), code="conflict")
    until = _past_or_today(until, "until", _("退出监测日期"))
    if until < row.since:
        raise ApplicationError(_("退出监测日期不能早于纳入监测日期（%(d)s）") % {
            "d": row.since.isoformat()}, field="until")
    reason = _text(reason, "reason", _("退出原因"))
    row.until = until
    row.save(update_fields=["until"])
    audit_record(actor=actor, action="monitoring.household_end", obj=row,
                 region_code=household.village_id, before={"until": None},
                 after={"until": until.isoformat()}, reason=reason)
    return row
