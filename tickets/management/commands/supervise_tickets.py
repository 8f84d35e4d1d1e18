"""Scheduled 督办 (run at least once every working day): press every overdue, unreplied ticket
that has not been supervised since the start of the last working day (domain.md §12)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tickets.services import tickets_supervise_overdue


class Command(BaseCommand):
    help = "对超过答复时限仍未答复的热线工单自动督办（每个工作日运行）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="以该时刻为当前时间（YYYY-MM-DD HH:MM，本地时间），用于补跑")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["at"]:
            parsed = parse_datetime(options["at"])
            if parsed is None:
                raise CommandError("--at 的格式应为 YYYY-MM-DD HH:MM")
            now = timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
        count = tickets_supervise_overdue(now=now)
        self.stdout.write(f"已自动督办超时工单 {count} 件")
