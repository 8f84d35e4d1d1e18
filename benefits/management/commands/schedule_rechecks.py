"""Daily cron: open the re-check tasks falling due within the notice window (domain.md §2.6)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date

from benefits.services.rechecks import rechecks_schedule


class Command(BaseCommand):
    help = "按复核周期为在保对象生成到期复核任务（每日运行）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="以该日期为今天（YYYY-MM-DD），用于补跑")

    def handle(self, *args: Any, **options: Any) -> None:
        today = parse_date(options["date"]) if options["date"] else timezone.localdate()
        if today is None:
            raise CommandError("--date 的格式应为 YYYY-MM-DD")
        created = rechecks_schedule(today)
        self.stdout.write(f"已生成复核任务 {created} 个")
