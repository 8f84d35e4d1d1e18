"""Each rule's setting in each village of a run, from WarningRule rows and the parameters.

A village's setting of a rule is built from the rows up its region chain, general to specific:
the blank-region row (the default everywhere), then province, city, county, township, village.
A more specific row's `enabled` wins; its threshold and look-back win where it sets them, so a
township row that only switches the rule off keeps the county's threshold for when it is
switched back on. Where no row sets a number, the rule's default applies: the threshold from
the parameters (warning.thresholds.medical; 1 × the village's dibao standard for income above
the standard), the look-back from monitoring.rules.RULES.

The result is a few rows per village (a few hundred villages per county), resolved here in
Python and joined by the rule statements as a table, so per-region settings stay set-based.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from monitoring.models import RuleCode, WarningRule
from policies.params import param, region_chain

from . import RULES, RuleSpec


@dataclass(frozen=True)
class VillageSetting:
    """One enabled rule in one village (and urban/rural class, where its threshold depends on
    it); a rule switched off in a village has no row."""

    rule: str
    village_code: str
    urban_rural: str
    threshold: Decimal | None
    since: date | None


@dataclass
class _Merged:
    enabled: bool = True
    threshold: Decimal | None = None
    lookback_days: int | None = None


def _rows_by_rule() -> dict[str, dict[str | None, WarningRule]]:
    rows: dict[str, dict[str | None, WarningRule]] = defaultdict(dict)
    for row in WarningRule.objects.all():
        rows[row.code][row.region_id] = row
    return rows


def _merge(spec: RuleSpec, rows: dict[str | None, WarningRule], chain: list[str]) -> _Merged:
    merged = _Merged(lookback_days=spec.lookback_days)
    for key in [None, *reversed(chain)]:
        row = rows.get(key)
        if row is None:
            continue
        merged.enabled = row.enabled
        if row.threshold is not None:
            merged.threshold = row.threshold
        if row.lookback_days is not None:
            merged.lookback_days = row.lookback_days
    return merged


def _settings(spec: RuleSpec, village: str, merged: _Merged, on: date) -> list[VillageSetting]:
    since = spec.since(on, merged.lookback_days)
    if spec.code == RuleCode.MEDICAL_EXPENSE:
        threshold = merged.threshold
        if threshold is None:
            threshold = Decimal(param("warning.thresholds.medical", village, on))
        return [VillageSetting(spec.code, village, "", threshold, since)]
    if spec.code == RuleCode.INCOME_ABOVE_STANDARD:
        multiple = merged.threshold if merged.threshold is not None else Decimal(1)
        return [VillageSetting(spec.code, village, kind,
                               Decimal(param(f"dibao.standard.{kind}", village, on)) * multiple,
                               since)
                for kind in ("urban", "rural")]
    return [VillageSetting(spec.code, village, "", None, since)]


def resolve(villages: Iterable[str], on: date) -> list[VillageSetting]:
    """The enabled rules' settings in `villages` on run date `on`."""
    rows = _rows_by_rule()
    settings: list[VillageSetting] = []
    for village in villages:
        chain = region_chain(village)
        for spec in RULES.values():
            merged = _merge(spec, rows.get(spec.code, {}), chain)
            if merged.enabled:
                settings += _settings(spec, village, merged, on)
    return settings
