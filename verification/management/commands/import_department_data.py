"""Load a department extract from the server's disk, for files too big for the web upload."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from jiuzhu.errors import ApplicationError
from verification import importing
from verification.models import DataSource, Snapshot


class Command(BaseCommand):
    help = (
        "导入部门数据文件（CSV 或 .xlsx）为一批暂存数据，每处理 10 万行报告一次进度；"
        "加 --activate 则在导入后启用（有错误行时不启用，除非同时加 --good-rows-only）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="数据源代码，如 vehicles")
        parser.add_argument("file", help="CSV（UTF-8 或 GBK）或 .xlsx 文件")
        parser.add_argument("--as-of", required=True, help="数据截止日期 YYYY-MM-DD")
        parser.add_argument("--mode", choices=Snapshot.Mode.values,
                            default=Snapshot.Mode.REPLACE)
        parser.add_argument("--activate", action="store_true")
        parser.add_argument("--good-rows-only", action="store_true",
                            help="与 --activate 同用：只启用无错误的行")
        parser.add_argument("--user", default="",
                            help="记入审计日志的用户名（默认为系统导入）")

    def handle(self, *args: Any, **options: Any) -> None:
        source = DataSource.objects.filter(pk=options["source"]).first()
        if source is None:
            raise CommandError(f"没有代码为 {options['source']} 的数据源")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件 {path}")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"没有用户 {options['user']}")
        started = time.monotonic()

        def progress(rows: int) -> None:
            rate = rows / max(time.monotonic() - started, 1e-6)
            self.stdout.write(f"已处理 {rows:,} 行（{rate:,.0f} 行/秒）")

        try:
            with path.open("rb") as stream:
                snapshot = importing.snapshot_import_file(
                    actor=actor, source=source, file_name=path.name, stream=stream,
                    as_of=options["as_of"], mode=options["mode"], progress=progress)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        seconds = time.monotonic() - started
        self.stdout.write(
            f"数据批次 #{snapshot.pk}（{source.name}，截止 {snapshot.as_of}）：数据行 "
            f"{snapshot.rows_total:,}，错误行 {snapshot.rows_bad:,}，写入数据项 "
            f"{snapshot.facts:,}，用时 {seconds:.1f} 秒"
            f"（{snapshot.rows_total / max(seconds, 1e-6):,.0f} 行/秒）")
        for error in snapshot.errors[:20]:
            self.stdout.write(f"  第{error['row']}行 {error['column']}：{error['message']}"
                              f"（{error['value'] or '空'}）")
        if snapshot.rows_bad > 20:
            self.stdout.write(f"  ……共 {snapshot.rows_bad:,} 行有错误，详见数据批次页面")
        if not options["activate"]:
            self.stdout.write("已暂存，尚未启用：请在数据批次页面核对后启用或取消。")
            return
        accept = importing.Accept.GOOD_ONLY if options["good_rows_only"] else importing.Accept.ALL
        try:
            snapshot = importing.snapshot_activate(actor=actor, snapshot=snapshot, accept=accept)
        except ApplicationError as exc:
            raise CommandError(f"未启用（数据批次 #{snapshot.pk} 仍为暂存）：{exc.message}") from exc
        self.stdout.write(self.style.SUCCESS(f"已启用数据批次 #{snapshot.pk}。"))
