"""`param(key, region, on_date)`: the only way code reads a policy number (design.md)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from jiuzhu.errors import ApplicationError
from regions.models import PREFIX_LENGTH, Level

from .models import Parameter, ValueType


class MissingParameter(LookupError):
    pass


def region_chain(code: str) -> list[str]:
    """The 12-digit codes of a region and all its ancestors, most specific first."""
    chain = []
    for level in sorted(Level, reverse=True):
        prefix = code[: PREFIX_LENGTH[level]]
        full = prefix.ljust(12, "0")
        if prefix.strip("0") and full not in chain:
            chain.append(full)
    return chain


def parse_value(raw: str, value_type: str) -> Any:
    try:
        if value_type == ValueType.DECIMAL:
            return Decimal(raw)
        if value_type == ValueType.INTEGER:
            return int(raw)
        if value_type == ValueType.BOOLEAN:
            return raw.strip().lower() in {"1", "true", "yes", "是"}
        if value_type == ValueType.LIST:
            value = json.loads(raw)
            if not isinstance(value, list):
                raise ValueError
            return value
    except (InvalidOperation, ValueError, json.JSONDecodeError) as exc:
        raise ApplicationError(
            _("参数取值与类型不符：%(raw)s") % {"raw": raw}, field="value"
        ) from exc
    return raw


def param_row(key: str, region_code: str | None, on_date: date) -> Parameter:
    chain = region_chain(region_code) if region_code else []
    candidates = list(
        Parameter.objects.filter(key=key, effective_from__lte=on_date).filter(
            Q(region_id__in=chain) | Q(region__isnull=True)
        )
    )
    rank = {code: i for i, code in enumerate(chain)}
    candidates.sort(key=lambda p: (rank.get(p.region_id or "", len(chain)),
                                   -p.effective_from.toordinal()))
    if not candidates:
        raise MissingParameter(f"parameter {key} has no value for {region_code} on {on_date}")
    return candidates[0]


def param(key: str, region_code: str | None, on_date: date) -> Any:
    row = param_row(key, region_code, on_date)
    return parse_value(row.value, row.value_type)


def param_or(key: str, region_code: str | None, on_date: date, default: Any) -> Any:
    """`param`, or `default` where no region up the chain sets the key (LOCAL parameters a
    county may leave unset)."""
    try:
        return param(key, region_code, on_date)
    except MissingParameter:
        return default
