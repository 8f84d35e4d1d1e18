from datetime import date

import pytest

from calendar_days.models import ScheduleYear
from calendar_days.services import calendar_day_set, schedule_year_publish
from calendar_days.workdays import add_working_days
from jiuzhu.errors import ApplicationError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # domain.md §15 example 7: the 2026 Spring Festival with 调休 Saturdays 02-14 and 02-28.
        (date(2026, 2, 12), 3, date(2026, 2, 24)),
        (date(2026, 2, 13), 3, date(2026, 2, 25)),
        (date(2026, 2, 12), 30, date(2026, 4, 1)),
        (date(2026, 2, 12), 20, date(2026, 3, 18)),
        (date(2026, 2, 12), 45, date(2026, 4, 23)),
        (date(2026, 3, 10), 10, date(2026, 3, 24)),
        (date(2026, 3, 24), 3, date(2026, 3, 27)),
        (date(2026, 2, 12), 0, date(2026, 2, 12)),
    ],
)
def test_spring_festival_2026(start: date, days: int, expected: date) -> None:
    result = add_working_days(start, days)
    assert result.date == expected
    assert result.provisional is False


def test_unpublished_year_counts_weekends_only_and_is_provisional() -> None:
    assert not ScheduleYear.objects.filter(year=2027, published=True).exists()
    # Fri 2027-01-01 would be New Year's Day, but 2027's schedule is not published yet.
    result = add_working_days(date(2026, 12, 30), 3)
    assert result.date == date(2027, 1, 4)
    assert result.provisional is True


def test_admin_edits_change_deadlines_and_are_audited(county_admin: object) -> None:
    calendar_day_set(actor=county_admin, day=date(2027, 1, 1), kind="holiday", name="元旦")
    schedule_year_publish(actor=county_admin, year=2027, published=True)
    result = add_working_days(date(2026, 12, 30), 3)
    assert result == type(result)(date=date(2027, 1, 5), provisional=False)
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="calendar.set").count() == 1
    calendar_day_set(actor=county_admin, day=date(2027, 1, 1), kind="", name="")
    assert add_working_days(date(2026, 12, 30), 3).date == date(2027, 1, 4)


def test_bad_kind_is_refused(county_admin: object) -> None:
    with pytest.raises(ApplicationError) as exc:
        calendar_day_set(actor=county_admin, day=date(2027, 1, 1), kind="party")
    assert exc.value.field == "kind"


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 5), -1)


def test_api_contract(client: object) -> None:
    response = client.get(  # type: ignore[attr-defined]
        "/api/v1/calendar/add-working-days", {"start": "2026-02-12", "days": "30"}
    )
    assert response.status_code == 200
    assert response.json()["date"] == "2026-04-01"
    bad = client.get("/api/v1/calendar/add-working-days", {"start": "2026-02-30", "days": "3"})  # type: ignore[attr-defined]
    assert bad.status_code == 400
    assert "start" in bad.json()["detail"]
