"""Evaluation schemes of the demo county, as data (domain.md §13; issue 8 §4).

Two schemes, each for the demo year and the year before (so the year-on-year page has a
"before"):

- The national four-dimension framework (民发〔2016〕242号): 工作保障, 工作管理, 工作效果,
  工作创新, 100 points, 优秀 ≥ 90, 良好 80–<90, 合格 60–<80, 不合格 < 60. 工作保障 has the 30 points
  it had in 2016; the other dimensions' weights and every indicator are demo values (the content
  is adjusted yearly).
- Seed 002's local five-dimension scheme: 制度体系, 动态监测, 巩固成果, 资金保障, 督察督办 (the
  seed names the dimensions only; the points are demo values).

Indicators marked with a source other than MANUAL are computed from the platform
(supervision.metrics); the rest are scored by the evaluators.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from supervision.models import EvaluationScheme, Indicator, IndicatorSource

S = IndicatorSource
GRADES = [[90, "优秀"], [80, "良好"], [60, "合格"], [0, "不合格"]]
YEARS = (2025, 2026)

# name → [(dimension, indicator, points, source)]
SCHEMES: dict[str, list[tuple[str, str, str, str]]] = {
    "社会救助工作绩效评价（民发〔2016〕242号四维度）": [
        ("工作保障", "组织领导、机构人员和工作经费落实", "10", S.MANUAL),
        ("工作保障", "救助资金按时足额发放", "10", S.PAYMENT_TIMELINESS),
        ("工作保障", "信息化建设和数据共享", "10", S.MANUAL),
        ("工作管理", "审核确认按时办结", "10", S.CASE_TIMELINESS),
        ("工作管理", "救助对象识别精准", "10", S.ACCURACY),
        ("工作管理", "问题整改销号", "10", S.LEDGER_CLOSURE),
        ("工作管理", "档案管理和政策公开", "5", S.MANUAL),
        ("工作效果", "监测预警按时处置", "10", S.WARNING_TIMELINESS),
        ("工作效果", "热线诉求按时答复", "5", S.TICKET_TIMELINESS),
        ("工作效果", "微心愿按期办结", "5", S.WISH_TIMELINESS),
        ("工作效果", "群众满意度", "5", S.MANUAL),
        ("工作创新", "创新举措和典型经验", "10", S.MANUAL),
    ],
    "困难群众基本生活救助绩效考核（五维度）": [
        ("制度体系", "制度建设和落实", "10", S.MANUAL),
        ("制度体系", "容错纠错和作风建设", "5", S.MANUAL),
        ("动态监测", "监测预警按时处置", "15", S.WARNING_TIMELINESS),
        ("动态监测", "救助申请按时办结", "10", S.CASE_TIMELINESS),
        ("巩固成果", "救助对象识别精准", "15", S.ACCURACY),
        ("巩固成果", "微心愿按期办结", "5", S.WISH_TIMELINESS),
        ("巩固成果", "兜底保障政策落实", "5", S.MANUAL),
        ("资金保障", "救助资金按时发放", "10", S.PAYMENT_TIMELINESS),
        ("资金保障", "临时救助备用金落实", "5", S.MANUAL),
        ("督察督办", "问题整改销号", "10", S.LEDGER_CLOSURE),
        ("督察督办", "热线诉求按时答复", "10", S.TICKET_TIMELINESS),
    ],
}


@transaction.atomic
def load_evaluation_schemes(years: tuple[int, ...] = YEARS) -> None:
    """Create or update the schemes; an indicator is matched by its name within the scheme,
    so re-running keeps the scores already given."""
    for year in years:
        for name, indicators in SCHEMES.items():
            scheme, _ = EvaluationScheme.objects.update_or_create(
                name=name, year=year, defaults={"grades": GRADES})
            for order, (dimension, title, points, source) in enumerate(indicators):
                Indicator.objects.update_or_create(
                    scheme=scheme, name=title, defaults={
                        "dimension": dimension, "points": Decimal(points), "source": source,
                        "sort_order": order})
