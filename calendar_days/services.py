"""Admin edits of the calendar, for years the package does not cover yet."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from jiuzhu.errors import ApplicationError

from .models import CalendarDay, DayKind, ScheduleYear


@transaction.atomic
def calendar_day_set(*, actor: Any, day: date, kind: str, name: str = "") -> CalendarDay | None:
    """Mark a date as holiday or 调休 workday; kind "" restores the ordinary weekday rule."""
    if kind not in {"", *DayKind.values}:
        raise ApplicationError(_("日期类型无效"), field="kind")
    existing = CalendarDay.objects.select_for_update().filter(date=day).first()
    before = {"kind": existing.kind, "name": existing.name} if existing else None
    if kind == "":
        if existing is None:
            raise ApplicationError(_("该日期没有特殊安排，无需清除"), field="date")
        audit_record(actor=actor, action="calendar.clear", obj=existing, before=before)
        existing.delete()
        return None
    row, _created = CalendarDay.objects.update_or_create(
        date=day, defaults={"kind": kind, "name": name[:32], "source": "admin"}
    )
    audit_record(actor=actor, action="calendar.set", obj=row, before=before,
                 after={"kind": kind, "name": name})
    return row


@transaction.atomic
def schedule_year_publish(*, actor: Any, year: int, published: bool) -> ScheduleYear:
    if not 2000 <= year <= 2100:
        raise ApplicationError(_("年份超出范围"), field="year")
    row, _created = ScheduleYear.objects.update_or_create(
        year=year, defaults={"published": published, "note": "admin"}
    )
    audit_record(actor=actor, action="calendar.publish_year", obj=row,
                 after={"published": published})
    return row
