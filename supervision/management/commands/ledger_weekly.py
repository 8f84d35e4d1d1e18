"""Weekly cron: the 预警提醒单 (seed 002 "业务工作群每周发预警提醒单"): every item past its
deadline or due within `ledger.warning_days` working days, printed per region, optionally
written as an Excel file for the work group."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date

from jiuzhu.errors import ApplicationError
from regions.models import Region
from regions.scoping import code_range
from supervision import ledger_export as export
from supervision.models import LedgerItem
from supervision.selectors.ledgers import weekly_items, weekly_list


class Command(BaseCommand):
    help = "列出逾期和即将到期（按工作日）的清单事项，按地区输出每周预警提醒单，可另存为 Excel"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="以该日期为今天（YYYY-MM-DD），用于补发")
        parser.add_argument("--region", help="只列该地区（12位区划代码）及其下级的事项")
        parser.add_argument("--xlsx", metavar="PATH", help="同时写出 Excel 文件到该路径")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = parse_date(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:  # well-formed but impossible, e.g. 2026-02-30
            today = None
        if today is None:
            raise CommandError("--date 的格式应为 YYYY-MM-DD")
        # A county-wide operator's job: the whole ledger, or one region's part of it.
        base = LedgerItem.objects.all()
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError("--region 应为已有地区的12位区划代码")
            base = base.filter(region__code__scope_range=code_range(region.prefix))
        try:
            groups = weekly_list(base, today)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        overdue = sum(len(g.overdue) for g in groups)
        due_soon = sum(len(g.due_soon) for g in groups)
        self.stdout.write(f"清单事项预警提醒单（{today:%Y-%m-%d}）：逾期 {overdue} 件，"
                          f"即将到期 {due_soon} 件")
        for group in groups:
            self.stdout.write(f"【{group.region.name}】逾期 {len(group.overdue)} 件，"
                              f"即将到期 {len(group.due_soon)} 件")
            for row in [*group.overdue, *group.due_soon]:
                item = row.item
                when = (f"逾期{row.working_days}个工作日" if row.overdue
                        else f"剩余{row.working_days}个工作日")
                self.stdout.write(
                    f"  {item.number} {item.title} 责任单位：{item.responsible_unit} "
                    f"责任人：{item.responsible_person} 整改时限：{item.due_on:%Y-%m-%d} {when}")
        if options["xlsx"]:
            with open(options["xlsx"], "wb") as out:
                export.ledger_xlsx(weekly_items(groups),
                                   title=f"清单事项预警提醒单（{today:%Y-%m-%d}）", out=out)
            self.stdout.write(f"已写出 {options['xlsx']}")
