"""Compute a month's payroll run from the server, for counties too big for the web request."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from benefits.payroll_forms import LOCKED_UNCHANGED, month_from_text
from benefits.services.payroll import payroll_compute
from jiuzhu.errors import ApplicationError


class Command(BaseCommand):
    help = ("生成（或在审批前重新计算）某救助项目某月的一卡通发放批次；"
            "已审批的月份不作任何更改。审批仍在发放批次页面由另一名县级人员完成。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", required=True, help="救助项目代码，如 dibao_rural")
        parser.add_argument("--month", required=True, help="发放月份 YYYY-MM，如 2026-12")
        parser.add_argument("--county", default=None,
                            help="区县代码（默认为操作用户所属区县）")
        parser.add_argument("--user", required=True,
                            help="以该县级用户的身份生成（记为制表人，写入审计日志）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.select_related("region").filter(
            username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"没有用户 {options['user']}")
        started = time.monotonic()
        try:
            result = payroll_compute(actor=actor, programme_id=options["programme"],
                                     month=month_from_text(options["month"]),
                                     county_code=options["county"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        run = result.run
        summary = (f"发放批次 #{run.pk}（{run.programme_id}，{run.month:%Y-%m}，"
                   f"区县 {run.region_code}，第 {run.version} 版）：{run.lines:,} 笔，"
                   f"{run.persons:,} 人，合计 {run.total:,.2f} 元")
        if not result.computed:
            self.stdout.write(self.style.WARNING(f"{LOCKED_UNCHANGED}。{summary}"))
            return
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"{summary}，用时 {seconds:.1f} 秒；"
                                             f"请由另一名县级人员在发放批次页面审批。"))
