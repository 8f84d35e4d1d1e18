"""Warnings and cases for the queue's tests, written straight to the tables: raising warnings is
the engine's job (monitoring.engine), and these tests are about acting on them."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime, time
from functools import partial
from typing import Any

import pytest
from django.utils import timezone

from cases.choices import CaseState
from cases.models import Case
from monitoring.models import RuleCode, Warning, WarningState
from registry.models import Household

_keys = itertools.count(1)
_numbers = itertools.count(1)


def raise_warning(household: Household, *, rule: str = RuleCode.JOB_LOSS,
                  raised_on: date = date(2026, 3, 2), due_on: date = date(2026, 3, 9),
                  state: str = WarningState.OPEN, **fields: Any) -> Warning:
    person = household.members.order_by("id").first()
    assert person is not None
    return Warning.objects.create(
        rule=rule, person=person, household=household, village_code=household.village_id,
        evidence=fields.pop("evidence", "人社部门失业登记 2026-02-27"),
        event_key=f"k{next(_keys)}", raised_on=raised_on, due_on=due_on, state=state, **fields)


def case_for(household: Household, *, state: str = CaseState.ACCEPTED,
             programme: str = "dibao_rural") -> Case:
    """An application of the household (its number like the real ones: DB + year + serial)."""
    applicant = household.members.order_by("id").first()
    assert applicant is not None
    return Case.objects.create(
        number=f"DB2026{900000 + next(_numbers):06d}", programme_id=programme,
        household=household, applicant=applicant, village_id=household.village_id,
        urban_rural=household.urban_rural, state=state, channel="proxy")


def set_today(monkeypatch: pytest.MonkeyPatch, day: date, at: time = time(10, 0)) -> None:
    """Set today (10:00 China time): timezone.localdate() and auto_now follow it."""
    moment = datetime.combine(day, at, tzinfo=timezone.get_current_timezone())
    monkeypatch.setattr(timezone, "now", lambda: moment)


def clock_for(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    """What each test module's `clock` fixture returns: a function that sets today."""
    return partial(set_today, monkeypatch)
