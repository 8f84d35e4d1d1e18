from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from jiuzhu.errors import ApplicationError
from regions.models import Region
from regions.scoping import region_in_scope

from .models import Parameter, ValueType
from .params import parse_value


@transaction.atomic
def parameter_set(
    *, actor: Any, key: str, region_code: str, value: str, value_type: str,
    effective_from: date, unit: str = "", note: str = "",
) -> Parameter:
    """Add a new version of a parameter; old versions stay for decisions already taken."""
    key = key.strip()
    if not key:
        raise ApplicationError(_("参数名不能为空"), field="key")
    if value_type not in ValueType.values:
        raise ApplicationError(_("参数类型无效"), field="value_type")
    parse_value(value, value_type)
    region = None
    if region_code:
        region = Region.objects.filter(code=region_code).first()
        if region is None or not region_in_scope(actor, region_code):
            raise ApplicationError(_("请选择本辖区内的区划"), field="region")
    elif not getattr(actor, "is_superuser", False):
        raise ApplicationError(_("全国性参数只能由系统管理员设置"), field="region")
    if Parameter.objects.filter(key=key, region=region, effective_from=effective_from).exists():
        raise ApplicationError(_("该区划在该日期已有此参数的版本"), field="effective_from",
                               code="duplicate")
    row = Parameter.objects.create(
        key=key, region=region, value=value.strip(), value_type=value_type, unit=unit,
        effective_from=effective_from, note=note,
    )
    audit_record(actor=actor, action="parameter.set", obj=row, region_code=region_code,
                 after={"key": key, "value": value, "effective_from": effective_from.isoformat()})
    return row
