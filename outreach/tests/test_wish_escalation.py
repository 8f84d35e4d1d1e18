"""督办 of overdue wishes: only overdue ones, once per working day, counted and audited."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from outreach.models import Wish, WishState
from outreach.services.wishes import current_working_day, wishes_escalate

from .test_wish_lifecycle import in_state, set_today

pytestmark = pytest.mark.django_db
S = WishState
DUE = date(2026, 2, 11)


@pytest.fixture
def wishes(clerk_a: Any) -> dict[str, Wish]:
    return {
        "assigned_late": in_state(clerk_a, S.ASSIGNED, due_on=DUE),
        "in_progress_late": in_state(clerk_a, S.IN_PROGRESS, due_on=DUE),
        "due_today": in_state(clerk_a, S.IN_PROGRESS, due_on=date(2026, 2, 13)),
        "resolved_late": in_state(clerk_a, S.RESOLVED, due_on=DUE),
        "closed_late": in_state(clerk_a, S.CLOSED, due_on=DUE),
        "unassigned": in_state(clerk_a, S.CLASSIFIED),
    }


def levels(wishes: dict[str, Wish]) -> dict[str, int]:
    return {k: Wish.objects.get(pk=w.pk).escalation_level for k, w in wishes.items()}


def run(day: date) -> str:
    out = io.StringIO()
    call_command("escalate_wishes", "--date", day.isoformat(), stdout=out)
    return out.getvalue().strip()


def test_only_overdue_wishes_being_handled_are_escalated(
        wishes: dict[str, Wish], monkeypatch: pytest.MonkeyPatch) -> None:
    set_today(monkeypatch, date(2026, 2, 13))
    assert run(date(2026, 2, 13)) == "已督办逾期微心愿 2 件"
    assert levels(wishes) == {"assigned_late": 1, "in_progress_late": 1, "due_today": 0,
                              "resolved_late": 0, "closed_late": 0, "unassigned": 0}
    late = Wish.objects.get(pk=wishes["assigned_late"].pk)
    assert late.escalated_at is not None and late.escalated_at.date() == date(2026, 2, 13)
    events = AuditEvent.objects.filter(action="outreach.wish_escalate").order_by("object_id")
    assert sorted(e.object_id for e in events) == sorted(
        str(wishes[k].pk) for k in ("assigned_late", "in_progress_late"))
    first = events.first()
    assert first is not None and first.actor is None
    assert first.before == {"escalation_level": 0}
    assert first.after == {"escalation_level": 1, "due_on": "2026-02-11"}
    assert "2026-02-11" in first.reason and first.region_code == late.village_id


def test_once_per_working_day_following_the_calendar(
        wishes: dict[str, Wish], monkeypatch: pytest.MonkeyPatch) -> None:
    # 2026 Spring Festival: Sat 02-14 is a 调休 working day, 02-15 to 02-23 are holidays.
    steps = [
        (date(2026, 2, 13), 2, 1),   # Fri: first escalation
        (date(2026, 2, 13), 0, 1),   # the same day again: nothing
        # Sat, but a 调休 working day: escalated again, and the wish due on Friday joins.
        (date(2026, 2, 14), 3, 2),
        (date(2026, 2, 15), 0, 2),   # Sun, holiday: still the working day of 02-14
        (date(2026, 2, 23), 0, 2),   # Mon, last day of the holiday
        (date(2026, 2, 24), 3, 3),   # Tue, the next working day
    ]
    for day, expected, level in steps:
        set_today(monkeypatch, day)
        assert run(day) == f"已督办逾期微心愿 {expected} 件", day
        assert levels(wishes)["in_progress_late"] == level, day
    assert levels(wishes)["due_today"] == 2
    assert AuditEvent.objects.filter(action="outreach.wish_escalate").count() == 8


def test_a_wish_never_escalated_is_escalated_even_on_a_holiday(
        clerk_a: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    wish = in_state(clerk_a, S.ASSIGNED, due_on=DUE)
    set_today(monkeypatch, date(2026, 2, 17))
    assert wishes_escalate(date(2026, 2, 17)) == 1
    assert wishes_escalate(date(2026, 2, 17)) == 0
    assert Wish.objects.get(pk=wish.pk).escalation_level == 1


def test_the_current_working_day() -> None:
    assert current_working_day(date(2026, 2, 13)) == date(2026, 2, 13)
    assert current_working_day(date(2026, 2, 14)) == date(2026, 2, 14)  # 调休 Saturday
    assert current_working_day(date(2026, 2, 22)) == date(2026, 2, 14)
    assert current_working_day(date(2026, 3, 8)) == date(2026, 3, 6)  # Sun → Fri


def test_escalation_is_one_statement_not_one_per_wish(
        clerk_a: Any, monkeypatch: pytest.MonkeyPatch,
        django_assert_max_num_queries: Any) -> None:
    for _ in range(30):
        in_state(clerk_a, S.IN_PROGRESS, due_on=DUE)
    set_today(monkeypatch, date(2026, 2, 13))
    # The calendar, the UPDATE, the read-back and one bulk insert (+ savepoints): not 30 rows.
    with django_assert_max_num_queries(8):
        assert wishes_escalate(date(2026, 2, 13)) == 30
    assert AuditEvent.objects.filter(action="outreach.wish_escalate").count() == 30


def test_a_bad_date_is_refused(db: Any) -> None:
    for bad in ("2026-02-30", "tomorrow"):
        with pytest.raises(CommandError):
            call_command("escalate_wishes", "--date", bad)
