from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from cases.choices import CaseState
from demo.cases import CASE_USERS, seed_cases
from demo.loader import insert_households
from demo.outreach import seed_outreach
from demo.payroll import seed_payroll
from demo.population import Population
from demo.reference import DEMO_PASSWORD, DEMO_USERS, load_reference_data
from demo.supervision import seed_supervision
from demo.verification import seed_department_data
from regions.models import Level, Region
from registry.models import Household


class Command(BaseCommand):
    help = (
        "载入演示县：区划、救助项目与参数、演示账户，N 户合成家庭，"
        "以及各办理环节的演示案件和乡镇备用金（同一 seed 结果相同）。"
        "再次运行只更新参考数据：已有家庭则不再生成家庭，已有案件则不再生成案件。"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--households", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        load_reference_data()
        if Household.objects.exists():
            self.stdout.write("已有家庭数据，跳过生成家庭（参考数据已更新）。")
        else:
            villages = [
                (v.code, v.name, v.is_urban)
                for v in Region.objects.filter(level=Level.VILLAGE).order_by("code")
            ]
            population = Population(options["seed"], villages)
            n = insert_households(population.households(options["households"]))
            self.stdout.write(f"已生成 {n} 户家庭。")
        made = seed_cases(options["seed"])
        if made is None:
            self.stdout.write("已有案件数据，跳过生成演示案件。")
        else:
            summary = "，".join(f"{s.label} {made[s]}" for s in CaseState if made[s])
            self.stdout.write(
                f"已生成 {sum(made.values())} 件演示案件（{summary}），并为各乡镇拨付备用金。")
        paid = seed_payroll(options["seed"])
        if paid is None:
            self.stdout.write("已有发放批次，跳过生成在册对象和发放记录。")
        else:
            self.stdout.write(
                f"已迁入 {paid[0]} 户在册救助对象（含一卡通账户），"
                f"并生成、审批近12个月的 {paid[1]} 个发放批次。")
        reached = seed_outreach(options["seed"], timezone.localdate())
        if reached is None:
            self.stdout.write("已有联系卡、走访、微心愿、工单或活动数据，跳过生成走访和热线演示数据。")
        else:
            self.stdout.write(
                f"已为在册家庭制作 {reached.cards} 张暖心关怀联系卡（{reached.delivered} 张已入户送达），"
                f"登记近4个月的 {reached.visits} 次走访、{sum(reached.wishes.values())} 件微心愿、"
                f"{sum(reached.tickets.values())} 件热线工单和 {reached.events} 场救助赶大集活动"
                f"（现场咨询 {reached.consultations} 人次）。")
        data = seed_department_data(options["seed"])
        if data is None:
            self.stdout.write("已有部门数据，跳过导入部门数据（数据源和核对规则已更新）。")
        else:
            self.stdout.write(
                f"已导入并启用 {data.snapshots} 个部门数据源的数据（共 {data.facts} 条数据项），"
                f"其中在保对象命中：{'、'.join(data.planted) or '无'}。")
        supervised = seed_supervision(options["seed"], timezone.localdate())
        if supervised is None:
            self.stdout.write("已有监测预警或清单台账数据，跳过生成督查考评演示数据。")
        else:
            self.stdout.write(
                f"已对监测对象运行一次动态监测（新增预警 {supervised.warnings} 条），登记清单事项 "
                f"{sum(supervised.items.values())} 项、风险隐患 {supervised.risks} 项，抽查核查 "
                f"{supervised.checks} 户，完成 {supervised.evaluations} 份乡镇绩效考评。")
        self.stdout.write(f"演示账户（密码均为 {DEMO_PASSWORD}）：")
        accounts = [(u, n, r, region) for u, n, r, region, _d in DEMO_USERS] + CASE_USERS
        for username, full_name, role, region in accounts:
            name = Region.objects.get(code=region).name
            self.stdout.write(f"  {username:<14} {full_name:<6} {role.label:<10} {name}")
