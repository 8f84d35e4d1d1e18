"""Supervision demo data (issue 8): a monitoring run over the demo county, ledger items in every
state of their 销号 lifecycle, the risk register, a sampling round with findings, evaluations of
every township under both schemes, and a 联席会议 with its follow-up task.

Everything goes through the services, as a caseworker would do it; deterministic with the seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.models import User
from cases.models import Case
from monitoring.models import MonitoringRun
from monitoring.services.runs import monitoring_run
from regions.models import Level, Region
from supervision.models import (
    EvaluationScheme,
    ItemSource,
    LedgerItem,
    ListKind,
    RiskLevel,
    SampleCheck,
)
from supervision.services.evaluation import evaluation_compute
from supervision.services.ledgers import (
    ledger_evidence_attach,
    ledger_item_assign,
    ledger_item_close,
    ledger_item_create,
    ledger_item_start,
    ledger_item_submit,
)
from supervision.services.meetings import meeting_create, meeting_item_add, meeting_task_create
from supervision.services.risks import RiskInput, risk_create, risk_start
from supervision.services.sampling import sample_check_record, sampling_round_create

from .evaluation import load_evaluation_schemes
from .reference import COUNTY, TOWNSHIP_A

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# (list, source, title, description) — seed 002's three kinds of problems and the lists.
ITEMS = [
    (ListKind.PROBLEM, ItemSource.INSPECTION, "低保对象档案资料不全",
     "市级督查抽查发现部分低保家庭缺少入户调查表签字。"),
    (ListKind.PROBLEM, ItemSource.INSPECTION, "临时救助先行救助后补手续超时",
     "省级反馈：个别先行救助案件未在规定时限内补齐审批手续。"),
    (ListKind.PROBLEM, ItemSource.SELF_CHECK, "在保对象家庭成员死亡未及时复核",
     "排查发现死亡人员所在家庭超过3个月未复核。"),
    (ListKind.PROBLEM, ItemSource.PUBLIC, "群众反映村级公示栏信息未更新",
     "群众来电反映公示栏仍张贴上季度名单。"),
    (ListKind.PROBLEM, ItemSource.AUDIT, "医疗救助资金拨付滞后",
     "审计发现季度医疗救助资金拨付晚于规定时间。"),
    (ListKind.RESPONSIBILITY, ItemSource.SELF_CHECK, "落实网格员每月走访分散供养特困人员责任",
     "明确各村网格员走访责任和记录要求。"),
    (ListKind.TASK, ItemSource.SELF_CHECK, "完成第四季度低收入人口动态监测比对",
     "与防返贫监测名单比对并反馈。"),
    (ListKind.PROBLEM, ItemSource.HOTLINE, "热线工单答复不及时",
     "本月有工单超过答复时限，需分析原因并整改。"),
]
RISKS = [
    ("乡镇临时救助备用金余额不足", RiskLevel.HIGH, "汛期前核查各乡镇备用金余额，低于预警线及时补拨。"),
    ("一卡通账户信息错误导致发放失败", RiskLevel.MEDIUM, "每月对发放失败清单逐户核实并变更账户。"),
    ("近亲属备案不全", RiskLevel.HIGH, "工作人员及村干部近亲属享受救助的全部备案并县级入户核查。"),
    ("部门数据共享更新不及时", RiskLevel.MEDIUM, "与人社、医保、不动产部门约定每月推送数据。"),
    ("低保渐退期满未及时停发", RiskLevel.LOW, "发放前自动核对渐退期，期满自动停发。"),
]


@dataclass
class Supervised:
    warnings: int = 0
    items: dict[str, int] = field(default_factory=dict)
    risks: int = 0
    checks: int = 0
    evaluations: int = 0


def _townships() -> list[Region]:
    return list(Region.objects.filter(level=Level.TOWNSHIP, parent_id=COUNTY[0]).order_by("code"))


def _ledger(rng: random.Random, admin: User, reviewer: User, clerk: User, today: date) -> None:
    townships = _townships()
    for i, (kind, source, title, description) in enumerate(ITEMS):
        # Township A's own self-check items go through its own clerk and reviewer; the county
        # registers and checks the rest (supervision.services.ledgers: the registering level checks).
        own = source in {ItemSource.SELF_CHECK, ItemSource.PUBLIC}
        region = TOWNSHIP_A if own else townships[i % len(townships)].code
        maker, checker = (clerk, reviewer) if own else (admin, User.objects.get(
            username="county_checker"))
        item = ledger_item_create(actor=maker, list_kind=kind, source=source, region_code=region,
                                  title=title, description=description)
        stage = i % 4  # 0 open, 1 rectifying (some overdue), 2 submitted, 3 closed
        if stage == 0:
            continue
        ledger_item_assign(actor=maker, item_id=item.pk, responsible_unit="乡镇民政办",
                           responsible_person=rng.choice(["李娟", "张明", "赵丽", "王强"]),
                           due_on=today + timedelta(days=rng.choice([5, 10, 20])),
                           measures="逐户核查，补齐资料，建立长效机制。")
        ledger_item_start(actor=maker, item_id=item.pk)
        if stage == 1:
            # Overdue on purpose: the weekly warning list must have something to show.
            LedgerItem.objects.filter(pk=item.pk).update(due_on=today - timedelta(days=3))
            continue
        ledger_evidence_attach(actor=maker, item_id=item.pk, description="整改佐证",
                               upload=SimpleUploadedFile("zhenggai.pdf", PDF, "application/pdf"))
        ledger_item_submit(actor=maker, item_id=item.pk, rectification="已逐户整改到位。")
        if stage == 3:
            ledger_item_close(actor=checker, item_id=item.pk, note="材料齐全，同意销号。")


@transaction.atomic
def seed_supervision(seed: int, today: date) -> Supervised | None:
    """Create the demo's supervision data; None when a ledger already exists."""
    load_evaluation_schemes()
    if LedgerItem.objects.exists() or MonitoringRun.objects.exists():
        return None
    rng = random.Random(seed)
    admin = User.objects.get(username="county_admin")
    reviewer = User.objects.get(username="reviewer_a")
    clerk = User.objects.get(username="clerk_a")
    made = Supervised()
    run = monitoring_run(actor=admin, region_code=COUNTY[0], on_date=today)
    made.warnings = sum(int(n) for n in run.raised.values())
    _ledger(rng, admin, reviewer, clerk, today)
    for i, (title, level, mitigations) in enumerate(RISKS):
        risk = risk_create(actor=admin, region_code=COUNTY[0], data=RiskInput(
            title=title, level=level, owner=["王建国", "陈芳"][i % 2], mitigations=mitigations,
            review_on=today + timedelta(days=30)))
        if i % 2 == 0:
            risk_start(actor=admin, risk_id=risk.pk)
        made.risks += 1
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    sampling = sampling_round_create(actor=admin, region_code=COUNTY[0], period=quarter,
                                     seed=f"demo{seed}")
    findings = ["correct"] * 8 + ["wrong_amount", "ineligible"]
    for check in SampleCheck.objects.filter(round=sampling).order_by("id"):
        sample_check_record(actor=admin, check_id=check.pk, finding=rng.choice(findings),
                            note="入户核查，比对收入财产。")
        made.checks += 1
    meeting = meeting_create(actor=admin, region_code=COUNTY[0], held_on=today - timedelta(days=7),
                             title="社会救助联席会议（第四季度）", chair="王建国",
                             attendees="民政局、医保局、人社局、教育局、住建局、各乡镇分管领导",
                             minutes="研究急难个案救助和低收入人口监测比对工作。")
    temporary = Case.objects.filter(programme_id="temporary").order_by("id").first()
    meeting_item_add(actor=admin, meeting_id=meeting.pk,
                     case_number=temporary.number if temporary else "",
                     subject="" if temporary else "重病家庭急难救助",
                     decision="超出乡镇审批额度，经一事一议同意给予临时救助，医保局同步落实医疗救助。")
    meeting_task_create(actor=admin, meeting_id=meeting.pk, region_code=TOWNSHIP_A,
                        title="落实会议议定的医疗救助衔接", responsible_unit="崆峒镇民政办",
                        responsible_person="李娟", due_on=today + timedelta(days=14),
                        measures="协调医保部门一站式结算，反馈办理结果。")
    for scheme in EvaluationScheme.objects.filter(year__in=(today.year - 1, today.year)):
        for township in _townships():
            evaluation_compute(actor=admin, scheme=scheme, region_code=township.code,
                               period_start=date(scheme.year, 1, 1),
                               period_end=min(date(scheme.year, 12, 31), today))
            made.evaluations += 1
    made.items = {s: LedgerItem.objects.filter(state=s).count()
                  for s in LedgerItem.objects.values_list("state", flat=True).distinct()}
    return made
