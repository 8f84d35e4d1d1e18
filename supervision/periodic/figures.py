"""What the periodic report shows: its figures in order, and what each one counts.

The definitions are printed under every table (page, Excel and PDF), as the monthly report
prints its formulas, so a reader can check any figure against the records it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.choices import Family


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    unit: str | Promise
    money: bool = False
    by_family: bool = False  # broken down by 低保 / 特困 / 临时救助 under the total
    # A percentage computed from two counted figures: (numerator key, denominator key).
    ratio: tuple[str, str] | None = None
    alarm: bool = False  # something late: highlighted when not zero
    # The label of a stock taken now (the dashboard's running month has no "period end" yet).
    label_now: str | Promise = ""

    @property
    def tile_label(self) -> str | Promise:
        return self.label_now or self.label


@dataclass(frozen=True)
class Section:
    label: str | Promise
    figures: tuple[Figure, ...]


FAMILIES = ((Family.DIBAO, _("低保")), (Family.TEKUN, _("特困")),
            (Family.TEMPORARY, _("临时救助")))

CASES, TIMES, ITEMS, YUAN = _("件"), _("人次"), _("条"), _("元")

SECTIONS = (
    Section(_("救助申请"), (
        Figure("cases_new", _("新申请"), CASES, by_family=True),
        Figure("cases_approved", _("批准"), CASES, by_family=True),
        Figure("cases_rejected", _("不予批准"), CASES, by_family=True),
        Figure("cases_overdue", _("期末超期在办"), CASES, by_family=True, alarm=True,
               label_now=_("超期在办")),
    )),
    Section(_("资金发放"), (
        Figure("pay_funds", _("发放保障金"), YUAN, money=True, by_family=True),
        Figure("pay_persons", _("发放人次"), TIMES, by_family=True),
        Figure("prepaid_cases", _("先行救助"), _("笔")),
        Figure("prepaid_amount", _("先行救助金额"), YUAN, money=True),
    )),
    Section(_("低收入人口动态监测"), (
        Figure("warn_raised", _("新增预警"), ITEMS),
        Figure("warn_acted", _("处置预警"), ITEMS),
        Figure("warn_on_time", _("其中按时处置"), ITEMS),
        Figure("warn_to_case", _("转入救助申请"), ITEMS),
        Figure("warn_overdue", _("期末逾期未处置"), ITEMS, alarm=True,
               label_now=_("逾期未处置")),
    )),
    Section(_("热线工单"), (
        Figure("tk_received", _("受理工单"), CASES),
        Figure("tk_on_time", _("按时答复"), CASES),
        Figure("tk_breached", _("超时"), CASES, alarm=True, label_now=_("超时工单")),
        Figure("tk_rated", _("回访评价"), CASES),
        Figure("tk_satisfaction", _("满意率"), "%", ratio=("tk_satisfied", "tk_rated")),
    )),
    Section(_("微心愿"), (
        Figure("wish_collected", _("收集心愿"), ITEMS),
        Figure("wish_closed", _("办结心愿"), ITEMS),
        Figure("wish_overdue", _("期末逾期心愿"), ITEMS, alarm=True,
               label_now=_("逾期心愿")),
    )),
    Section(_("问题清单"), (
        Figure("ledger_opened", _("新增事项"), ITEMS),
        Figure("ledger_closed", _("销号事项"), ITEMS),
        Figure("ledger_overdue", _("期末逾期未销号"), ITEMS, alarm=True,
               label_now=_("逾期未销号")),
    )),
    Section(_("走访与宣传"), (
        Figure("visits", _("入户走访"), _("次")),
        Figure("events", _("救助赶大集"), _("场")),
        Figure("consultations", _("现场政策咨询"), TIMES),
    )),
)
FIGURES = {f.key: f for s in SECTIONS for f in s.figures}

# The sub-region table: the figures a township or village answers for, grouped by section.
CHILD_COLUMNS = (
    "cases_new", "cases_approved", "cases_rejected", "cases_overdue", "pay_funds",
    "pay_persons", "warn_raised", "warn_overdue", "tk_received", "tk_breached",
    "wish_collected", "wish_overdue", "ledger_opened", "ledger_closed", "ledger_overdue",
    "visits",
)

# The dashboard's figures at a glance, and its per-township columns (a subset of the above).
KEY_FIGURES = (
    "cases_new", "cases_approved", "cases_overdue", "pay_funds", "warn_raised", "warn_overdue",
    "tk_received", "tk_breached", "wish_collected", "wish_overdue", "ledger_overdue",
)
KEY_COLUMNS = ("cases_new", "cases_approved", "cases_overdue", "warn_overdue", "tk_breached",
               "wish_overdue", "ledger_overdue")


def section_of(key: str) -> Section:
    return next(s for s in SECTIONS if any(f.key == key for f in s.figures))


DEFINITIONS = (
    _("新申请：提交时间在本期内的救助申请件数（窗口受理、网上申请、帮办代办），按申请所在村（社区）统计。"),
    _("批准、不予批准：决定日期在本期内、目前处于“批准”或“不予批准”的申请件数；先行救助补齐手续后计入批准。"),
    _("期末超期在办：期末仍在办理、当时所处环节的期限或整体办结期限已过的申请件数，口径与“办理时限”页相同；"
      "期末所处环节按办理记录还原。"),
    _("发放保障金、发放人次：月报、季报为本期各月已审批发放批次（当前版本）的实发金额和保障人数之和，"
      "与统计月报口径一致；日报、周报为审批时间在本期内的发放批次。"),
    _("先行救助：乡镇临时救助备用金台账中支出时间在本期内的先行救助笔数和金额，按案件所在村统计。"),
    _("新增预警：预警日期在本期内的动态监测预警条数。处置预警：首次处置（联系、转入申请或无需救助，"
      "以最早的记录为准）在本期内的条数；其中按时处置指首次处置日期不晚于处置期限。"),
    _("转入救助申请：关联的救助申请提交时间在本期内的预警条数（政策找人）。"
      "期末逾期未处置：处置期限已过、至期末仍未首次处置的预警条数。"),
    _("受理工单：受理时间在本期内的热线工单件数。按时答复：答复时间在本期内且不晚于答复时限的件数。"
      "超时：答复时限在本期内届满、届满时仍未答复或超时后才答复的件数（与工单列表“超时（含超时答复）”口径一致）。"),
    _("回访评价、满意率：评价时间在本期内的工单件数，及其中“满意”“基本满意”所占比例。"),
    _("收集心愿、办结心愿：登记时间、办结时间在本期内的微心愿条数。期末逾期心愿：交办后办理期限已过、"
      "至期末仍未解决的条数。"),
    _("新增事项、销号事项：登记时间、销号时间在本期内的问题、责任、任务清单事项条数。"
      "期末逾期未销号：整改时限已过、至期末仍未销号的事项条数（含已提交待审核的）。"),
    _("入户走访：走访日期在本期内的走访记录次数。救助赶大集：活动日期在本期内的活动场次，"
      "现场政策咨询为这些活动记录的政策咨询人次之和。"),
    _("“期末”指本期最后一天结束时；本期尚未结束的，为统计时点。“本级”为登记在所选地区本身、"
      "未落到下级地区的事项（如县级登记的工单、清单事项）。"),
    _("环比为与上一期相比的增减，同比为与上年同期相比的增减（月报、季报）；满意率的增减为百分点。"),
)
