"""Daily cron: 督办 the wishes past their deadline (domain.md §11 "overdue items raise warnings")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date

from outreach.services.wishes import wishes_escalate


class Command(BaseCommand):
    help = "对超过办理期限仍未办结的微心愿升级督办（每日运行，同一工作日只督办一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="以该日期为今天（YYYY-MM-DD），用于补跑")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = parse_date(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:  # well-formed but impossible, e.g. 2026-02-30
            today = None
        if today is None:
            raise CommandError("--date 的格式应为 YYYY-MM-DD")
        escalated = wishes_escalate(today)
        self.stdout.write(f"已督办逾期微心愿 {escalated} 件")
