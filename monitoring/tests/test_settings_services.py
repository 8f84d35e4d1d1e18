"""Rule settings (county default and township overrides, validated and audited) and the
monitored-household register."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from audit.models import AuditEvent
from demo.reference import TOWNSHIP_A, VILLAGE_A
from jiuzhu.errors import ApplicationError
from monitoring.models import LowIncomeKind, MonitoredHousehold, RuleCode, WarningRule
from monitoring.services import settings as services

from .warning_data import clock_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    return clock_for(monkeypatch)
MEDICAL = RuleCode.MEDICAL_EXPENSE


def rule_state() -> tuple[Any, ...]:
    return (tuple(WarningRule.objects.order_by("id").values_list(
        "code", "region_id", "enabled", "threshold", "lookback_days", "note")),
        AuditEvent.objects.filter(action__startswith="monitoring.rule").count())


def set_rule(actor: Any, **kwargs: Any) -> WarningRule:
    values: dict[str, Any] = {"code": MEDICAL, "region_code": "", "enabled": True,
                              "threshold": Decimal("20000"), "lookback_days": 365} | kwargs
    return services.warning_rule_set(actor=actor, **values)


# -- rules ----------------------------------------------------------------------------------------

def test_default_and_township_override_are_audited(county_admin: Any) -> None:
    default = set_rule(county_admin)
    override = set_rule(county_admin, region_code=TOWNSHIP_A, threshold=Decimal("15000.50"),
                        note="山区乡镇医疗负担重")
    assert default.region is None and override.region_id == TOWNSHIP_A
    assert WarningRule.objects.count() == 2
    # Saving again updates the row, with what it was before.
    set_rule(county_admin, region_code=TOWNSHIP_A, enabled=False, threshold=None,
             lookback_days=None)
    override.refresh_from_db()
    assert (override.enabled, override.threshold, override.lookback_days, override.note) == (
        False, None, None, "")
    trail = list(AuditEvent.objects.filter(action="monitoring.rule_set").order_by("id"))
    assert len(trail) == 3 and all(e.actor == county_admin for e in trail)
    assert trail[0].before is None and trail[0].region_code == ""
    assert trail[1].after == {"enabled": True, "threshold": "15000.50", "lookback_days": 365,
                              "note": "山区乡镇医疗负担重"}
    assert trail[2].before == trail[1].after and trail[2].region_code == TOWNSHIP_A
    assert trail[2].after == {"enabled": False, "threshold": None, "lookback_days": None,
                              "note": ""}


def test_an_override_is_removed_but_the_default_is_not(county_admin: Any) -> None:
    set_rule(county_admin)
    set_rule(county_admin, region_code=TOWNSHIP_A)
    services.warning_rule_clear(actor=county_admin, code=MEDICAL, region_code=TOWNSHIP_A)
    assert list(WarningRule.objects.values_list("region_id", flat=True)) == [None]
    event = AuditEvent.objects.get(action="monitoring.rule_clear")
    assert event.before is not None and event.before["threshold"] == "20000.00"
    before = rule_state()
    for region in ("", TOWNSHIP_A):  # the default; an override that is no longer there
        with pytest.raises(ApplicationError) as exc:
            services.warning_rule_clear(actor=county_admin, code=MEDICAL, region_code=region)
        assert exc.value.field == "region"
    assert rule_state() == before


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"threshold": Decimal("-1")}, "threshold"),
    ({"threshold": Decimal("0.001")}, "threshold"),
    ({"threshold": Decimal("1e13")}, "threshold"),
    ({"threshold": Decimal("NaN")}, "threshold"),
    ({"lookback_days": 0}, "lookback_days"),
    ({"lookback_days": 731}, "lookback_days"),
    ({"code": "nonsense"}, "code"),
    ({"region_code": VILLAGE_A}, "region"),  # overrides are per township
    ({"region_code": "999999999000"}, "region"),
    ({"note": "长" * 201}, "note"),
    ({"code": RuleCode.JOB_LOSS}, "threshold"),  # the rule has no threshold
    ({"code": RuleCode.SCHOOL_ENTRY, "threshold": None}, "lookback_days"),  # nor a look-back
])
def test_bad_settings_are_refused_and_change_nothing(county_admin: Any, kwargs: dict[str, Any],
                                                     field: str) -> None:
    set_rule(county_admin)
    before = rule_state()
    with pytest.raises(ApplicationError) as exc:
        set_rule(county_admin, **kwargs)
    assert exc.value.field == field and exc.value.status == 400
    assert rule_state() == before


def test_the_edges_of_the_ranges_are_allowed(county_admin: Any) -> None:
    assert set_rule(county_admin, threshold=Decimal("0"), lookback_days=1).lookback_days == 1
    assert set_rule(county_admin, threshold=Decimal("0.30"), lookback_days=730).threshold == (
        Decimal("0.30"))


def test_only_the_county_admin_sets_rules(clerk_a: Any, auditor: Any,
                                          county_admin: Any) -> None:
    set_rule(county_admin, region_code=TOWNSHIP_A)
    before = rule_state()
    for actor in (clerk_a, auditor):
        with pytest.raises(ApplicationError) as exc:
            set_rule(actor, region_code=TOWNSHIP_A, threshold=Decimal("1"))
        assert exc.value.code == "forbidden"
        with pytest.raises(ApplicationError):
            services.warning_rule_clear(actor=actor, code=MEDICAL, region_code=TOWNSHIP_A)
    assert rule_state() == before


# -- monitored households -------------------------------------------------------------------------

def register(actor: Any, household: Any, **kwargs: Any) -> MonitoredHousehold:
    values: dict[str, Any] = {"household_id": household.pk, "kind": LowIncomeKind.EDGE,
                              "since": date(2026, 3, 1), "reason": "人均收入低于低保标准1.5倍"} | kwargs
    return services.monitored_household_register(actor=actor, **values)


def register_state() -> tuple[Any, ...]:
    return (tuple(MonitoredHousehold.objects.order_by("id").values_list(
        "household_id", "kind", "since", "until", "reason")),
        AuditEvent.objects.filter(action__startswith="monitoring.household").count())


def test_register_end_and_register_again(household_a: Any, clerk_a: Any, reviewer_a: Any,
                                         clock: Callable[[date], None]) -> None:
    clock(date(2026, 6, 30))
    row = register(clerk_a, household_a)
    assert (row.kind, row.since, row.until, row.created_by) == (
        LowIncomeKind.EDGE, date(2026, 3, 1), None, clerk_a)
    ended = services.monitored_household_end(actor=reviewer_a, household_id=household_a.pk,
                                             until=date(2026, 6, 30), reason="已纳入低保")
    assert ended.until == date(2026, 6, 30)
    again = register(clerk_a, household_a, kind=LowIncomeKind.RIGID, since=date(2026, 6, 30))
    assert again.pk != row.pk
    trail = AuditEvent.objects.filter(action__startswith="monitoring.household").order_by("id")
    assert [(e.action, e.actor, e.region_code) for e in trail] == [
        ("monitoring.household_register", clerk_a, VILLAGE_A),
        ("monitoring.household_end", reviewer_a, VILLAGE_A),
        ("monitoring.household_register", clerk_a, VILLAGE_A)]
    assert trail[1].reason == "已纳入低保" and trail[1].after == {"until": "2026-06-30"}


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"kind": "dibao"}, "kind"),
    ({"since": None}, "since"),
    ({"since": date(2026, 7, 1)}, "since"),  # after today
    ({"reason": "  "}, "reason"),
    ({"reason": "长" * 201}, "reason"),
    ({"household_id": 999999}, "household"),
    ({"household_id": None}, "household"),
])
def test_bad_registrations_change_nothing(household_a: Any, clerk_a: Any,
                                          clock: Callable[[date], None],
                                          kwargs: dict[str, Any], field: str) -> None:
    clock(date(2026, 6, 30))
    before = register_state()
    with pytest.raises(ApplicationError) as exc:
        register(clerk_a, household_a, **kwargs)
    assert exc.value.field == field
    assert register_state() == before


def test_one_open_registration_per_household(household_a: Any, clerk_a: Any) -> None:
    register(clerk_a, household_a)
    before = register_state()
    with pytest.raises(ApplicationError) as exc:
        register(clerk_a, household_a, kind=LowIncomeKind.OTHER)
    assert exc.value.code == "duplicate" and exc.value.field == "household"
    assert register_state() == before


def test_scope_and_roles(household_a: Any, clerk_b: Any, grid_a: Any, auditor: Any,
                         county_admin: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        register(clerk_b, household_a)
    assert exc.value.field == "household"  # township A's household reads as not found
    for actor in (grid_a, auditor):
        with pytest.raises(ApplicationError) as exc:
            register(actor, household_a)
        assert exc.value.code == "forbidden"
    assert register_state() == ((), 0)
    register(county_admin, household_a)
    with pytest.raises(ApplicationError) as exc:
        services.monitored_household_end(actor=clerk_b, household_id=household_a.pk,
                                         until=date(2026, 4, 1), reason="x")
    assert exc.value.field == "household"
    assert MonitoredHousehold.objects.get().until is None


@pytest.mark.parametrize(("until", "reason", "field"), [
    (date(2026, 2, 28), "迁出", "until"),  # before it began
    (date(2026, 7, 1), "迁出", "until"),  # after today
    (None, "迁出", "until"),
    (date(2026, 4, 1), "", "reason"),
])
def test_bad_ends_change_nothing(household_a: Any, clerk_a: Any,
                                 clock: Callable[[date], None], until: date | None, reason: str,
                                 field: str) -> None:
    clock(date(2026, 6, 30))
    register(clerk_a, household_a)
    before = register_state()
    with pytest.raises(ApplicationError) as exc:
        services.monitored_household_end(actor=clerk_a, household_id=household_a.pk,
                                         until=until, reason=reason)
    assert exc.value.field == field
    assert register_state() == before


def test_ending_a_household_not_monitored(household_a: Any, clerk_a: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.monitored_household_end(actor=clerk_a, household_id=household_a.pk,
                                         until=date(2026, 4, 1), reason="x")
    assert exc.value.code == "conflict"
