"""The navigation shown to each role: only entries whose route the role may use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .access import PUBLIC, permission_for

NAV_ITEMS = [
    ("dashboard:home", _("工作台")),
    ("registry:household_list", _("家庭档案")),
    ("registry:import_start", _("批量导入")),
    ("cases:case_list", _("救助申请")),
    ("cases:overdue", _("办理时限")),
    ("runs:run_list", _("批量复核")),
    ("verification:task_list", _("复查任务")),
    ("verification:integrity_list", _("廉政比对")),
    ("verification:source_list", _("部门数据")),
    ("relief:fund_list", _("临时救助备用金")),
    # payroll, enrollment and report entries go here
    ("report:monthly", _("统计月报")),
    ("enrollment:enrollment_list", _("在保对象")),
    ("payroll:run_list", _("资金发放")),
    # nav: visits
    ("visits:visit_list", _("走访")),
    # nav: wishes
    ("wishes:wish_list", _("微心愿")),
    # nav: tickets
    ("tickets:ticket_list", _("热线工单")),
    # nav: events
    ("events:event_list", _("救助赶大集")),
    # nav: cards
    # nav: monitoring
    ("monitoring:warning_list", _("监测预警")),
    # nav: ledgers
    ("ledgers:item_list", _("清单台账")),
    ("ledgers:risk_list", _("风险台账")),
    # nav: meetings
    ("meetings:meeting_list", _("联席会议")),
    # nav: sampling
    ("sampling:round_list", _("抽查核查")),
    # nav: evaluation
    ("evaluation:evaluation_list", _("绩效考评")),
    # nav: periodic
    ("periodic:report", _("定期报表")),
    ("cards:card_list", _("联系卡")),
    ("policies:programme_list", _("救助项目")),
    ("policies:parameter_list", _("政策参数")),
    ("calendar_days:year", _("工作日历")),
    ("policies:qa", _("政策一本通")),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label in NAV_ITEMS:
        rule = permission_for(name)
        roles = rule.get("GET", frozenset()) if isinstance(rule, dict) else rule
        if rule == PUBLIC or user.is_superuser or (roles and user.role in roles):
            url = reverse(name)
            items.append({"url": url, "label": label,
                          "active": request.path == url or (
                              url != "/" and request.path.startswith(url))})
    return {"nav_items": items}
