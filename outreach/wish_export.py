"""The 微心愿 ledger as an Excel workbook, with the columns a county keeps it in (layout:
jiuzhu.ledger_xlsx)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import IO, Any

from django.utils.translation import gettext as _

from jiuzhu.ledger_xlsx import local_day, write_ledger

from .models import Wish


def columns() -> list[tuple[str, int]]:
    """(header, width) in the county's order."""
    return [
        (_("编号"), 15), (_("乡镇（街道）"), 12), (_("村（社区）"), 12), (_("心愿人"), 9),
        (_("来源"), 10), (_("心愿内容"), 30), (_("类别"), 10), (_("责任部门"), 16),
        (_("责任人"), 9), (_("联系电话"), 14), (_("办理期限"), 11), (_("状态"), 9),
        (_("是否逾期"), 8), (_("办理结果"), 30), (_("反馈情况"), 24), (_("回访满意度"), 10),
        (_("登记日期"), 11), (_("办结日期"), 11),
    ]


def row_values(wish: Wish, overdue: bool) -> list[Any]:
    return [
        wish.number, wish.village.parent.name if wish.village.parent else "", wish.village.name,
        wish.person_name, wish.get_source_display(), wish.content, wish.get_category_display(),
        wish.department.name if wish.department else "", wish.responsible_person,
        wish.responsible_phone, wish.due_on, wish.get_state_display(),
        _("是") if overdue else _("否"), wish.result, wish.feedback,
        wish.get_satisfaction_display(), local_day(wish.created_at), local_day(wish.closed_at),
    ]


def ledger_xlsx(wishes: Iterable[Wish], *, title: str, out: IO[bytes]) -> None:
    """Write the ledger to `out`. Each wish must carry the `overdue` annotation of
    `selectors.wishes.wish_list`."""
    rows = (row_values(wish, bool(getattr(wish, "overdue", False))) for wish in wishes)
    write_ledger(rows, sheet=_("微心愿台账"), title=title, header=columns(), out=out)


def file_name(region_code: str, today: date) -> str:
    return f"weixinyuan-{region_code or 'all'}-{today:%Y%m%d}.xlsx"
