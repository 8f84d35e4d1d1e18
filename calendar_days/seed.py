"""Load the State Council schedules shipped in the `chinesecalendar` package."""

from __future__ import annotations

from typing import Any

from chinese_calendar import constants

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _name(value: Any) -> str:
    english = getattr(value, "value", value)
    english = english[0] if isinstance(english, tuple) else english
    return HOLIDAY_NAMES_ZH.get(str(english), str(english))[:32]


def seed_calendar(calendar_day_model: Any, schedule_year_model: Any) -> int:
    """Insert the package's days without touching dates an admin has already set."""
    existing = set(calendar_day_model.objects.values_list("date", flat=True))
    rows = [
        calendar_day_model(date=d, kind="holiday", name=_name(v), source="chinesecalendar")
        for d, v in constants.holidays.items() if d not in existing
    ] + [
        calendar_day_model(date=d, kind="workday", name=_name(v), source="chinesecalendar")
        for d, v in constants.workdays.items() if d not in existing
    ]
    calendar_day_model.objects.bulk_create(rows, batch_size=500)
    years = {d.year for d in constants.holidays} | {d.year for d in constants.workdays}
    for year in sorted(years):
        schedule_year_model.objects.update_or_create(
            year=year, defaults={"published": True, "note": "chinesecalendar"}
        )
    return len(rows)
