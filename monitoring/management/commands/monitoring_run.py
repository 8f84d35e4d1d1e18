"""Daily cron (or by hand): the monitoring run over a county or township, one line per rule."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.errors import ApplicationError
from monitoring.models import RuleCode
from monitoring.services.runs import monitoring_run
from regions.models import Level, Region


class Command(BaseCommand):
    help = "低收入人口动态监测：按预警规则对监测对象运行一次，生成预警（默认各区县、今天）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help="区县或乡镇（街道）代码；默认逐个运行各区县")
        parser.add_argument("--date", help="监测日期 YYYY-MM-DD（默认今天），用于补跑")

    def _progress(self, code: str, raised: int, seconds: float) -> None:
        self.stdout.write(f"  {code:<18} {RuleCode(code).label:<16} 新增 {raised:>8,}"
                          f"  {seconds:7.2f} s")

    def handle(self, *args: Any, **options: Any) -> None:
        on_date = None
        if options["date"]:
            try:
                on_date = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date 应为 YYYY-MM-DD 格式的有效日期") from None
        regions = ([options["region"]] if options["region"] else
                   list(Region.objects.filter(level=Level.COUNTY, valid_to__isnull=True)
                        .values_list("code", flat=True)))
        for code in regions:
            self.stdout.write(f"监测运行 {code}")
            try:
                run = monitoring_run(actor=None, region_code=code, on_date=on_date,
                                     progress=self._progress)
            except ApplicationError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(self.style.SUCCESS(
                f"监测运行 #{run.pk}（{code}，{run.on_date}）：监测 {run.monitored_persons:,} 人，"
                f"新增预警 {sum(run.raised.values()):,} 条，用时 {run.seconds} 秒"))
