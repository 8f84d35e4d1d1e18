"""`manage.py payroll_run`: the same computation as the page, for big counties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from benefits.models import PayrollRun
from benefits.services.payroll import payroll_approve
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import VILLAGE_B, household_of

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("payroll_run", *args, stdout=out)
    return out.getvalue()


def test_command_computes_and_reports(county_admin: Any, county_checker: Any) -> None:
    enrolled(household_of(3), "900.00")
    enrolled(household_of(2, village=VILLAGE_B), "450.50")

    out = _run("--programme", "dibao_rural", "--month", "2026-12", "--county", "620802000000",
               "--user", "county_admin")

    run = PayrollRun.objects.get()
    assert (run.month, run.lines, run.total) == (date(2026, 12, 1), 2, Decimal("1350.50"))
    assert run.computed_by == county_admin
    assert "2 笔，5 人，合计 1,350.50 元" in out

    payroll_approve(actor=county_checker, run_id=run.pk)
    again = _run("--programme", "dibao_rural", "--month", "2026-12", "--user", "county_admin")
    assert "该月发放批次已审批锁定，未作任何更改" in again and "1,350.50" in again


@pytest.mark.parametrize(("args", "message"), [
    (["--month", "2026-13", "--user", "county_admin"], "发放月份格式"),
    (["--month", "2026-12", "--user", "nobody"], "没有用户 nobody"),
    (["--month", "2026-12", "--user", "clerk_a"], "发放批次由县级民政部门生成和审批"),
    (["--month", "2026-12", "--user", "county_admin", "--county", "620802100000"], "请选择区县"),
])
def test_command_refuses_bad_input(county: None, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        _run("--programme", "dibao_rural", *args)
    assert not PayrollRun.objects.exists()
