"""Reference data of the demo county: regions, departments, programmes, parameters, Q&A, users.

The county is modelled on 平凉市崆峒区 (seed 003) with synthetic township and village codes;
parameter values are the demo values of domain.md §14 and are marked as such.
"""

from __future__ import annotations

import json
from datetime import date

from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from policies.models import Department, Parameter, PolicyQA, Programme, ValueType
from regions.models import Level, Region
from registry.choices import NATIONAL_INCOME_EXCLUSIONS

DEMO_PASSWORD = "jiuzhu-demo"  # noqa: S105 - documented demo credential
PROVINCE = ("620000000000", "甘肃省")
CITY = ("620800000000", "平凉市")
COUNTY = ("620802000000", "崆峒区（演示）")
TOWNSHIP_A = "620802100000"
TOWNSHIP_B = "620802101000"

# (code, name, [(village code suffix, name, urban-rural class)])
TOWNSHIPS = [
    ("620802001000", "东关街道", [("001", "东关社区", "111"), ("002", "中山社区", "111"),
                                 ("003", "广场社区", "111")]),
    ("620802002000", "西郊街道", [("001", "西郊社区", "112"), ("002", "纸坊社区", "112"),
                                 ("003", "三里村", "220")]),
    (TOWNSHIP_A, "崆峒镇", [("200", "崆峒镇社区", "210"), ("201", "大寨村", "220"),
                          ("202", "太统村", "220"), ("203", "寨河村", "220"),
                          ("204", "峡门村", "220")]),
    (TOWNSHIP_B, "白水镇", [("200", "白水镇社区", "210"), ("201", "白水村", "220"),
                          ("202", "刘湾村", "220"), ("203", "向阳村", "220")]),
    ("620802102000", "花所镇", [("200", "花所镇社区", "210"), ("201", "花所村", "220"),
                              ("202", "十里铺村", "220")]),
    ("620802103000", "安国镇", [("200", "安国镇社区", "210"), ("201", "安国村", "220"),
                              ("202", "油坊村", "220")]),
]
VILLAGE_A = TOWNSHIP_A[:9] + "201"  # 大寨村, grid_a's village

DEPARTMENTS = [
    ("区民政局社会救助股", "0933-8211001"),
    ("区医疗保障局", "0933-8211002"),
    ("区住房和城乡建设局", "0933-8211003"),
    ("区教育局学生资助中心", "0933-8211004"),
    ("区人力资源和社会保障局", "0933-8211005"),
    ("区应急管理局", "0933-8211006"),
]

PROGRAMMES = [
    ("dibao_urban", "城市最低生活保障", "basic", "区民政局社会救助股",
     "共同生活的家庭成员人均收入低于当地城市低保标准，且财产状况符合规定的城镇家庭，按差额给予保障。",
     "家庭人均月收入低于城市低保标准；家庭财产符合规定；户籍在本区城镇。", "社会救助暂行办法第九条；民发〔2021〕57号"),
    ("dibao_rural", "农村最低生活保障", "basic", "区民政局社会救助股",
     "共同生活的家庭成员人均收入低于当地农村低保标准，且财产状况符合规定的农村家庭，按差额给予保障。",
     "家庭人均月收入低于农村低保标准；家庭财产符合规定；户籍在本区农村。", "社会救助暂行办法第九条；民发〔2021〕57号"),
    ("tekun", "特困人员救助供养", "basic", "区民政局社会救助股",
     "无劳动能力、无生活来源、无法定赡养抚养扶养义务人或其义务人无履行能力的老年人、残疾人和未成年人，给予基本生活和照料护理供养。",
     "年满60周岁、未满16周岁或重度残疾；无生活来源；无法定义务人或义务人无能力。", "民发〔2021〕43号"),
    ("temporary", "临时救助", "temporary", "区民政局社会救助股",
     "因意外事件、突发重大疾病或生活必需支出突然增加，导致基本生活暂时出现严重困难的家庭或个人，给予应急性、过渡性救助。",
     "急难型：先行救助后补手续；支出型：人均收入低于上年度人均可支配收入。", "民发〔2018〕23号"),
    ("medical", "医疗救助", "special", "区医疗保障局",
     "对低保、特困等困难群众参加居民医保给予资助，对基本医保、大病保险报销后的个人负担费用按比例救助。",
     "低保对象、特困人员、低保边缘家庭成员等。", "社会救助暂行办法第二十七条至三十条"),
    ("education", "教育救助", "special", "区教育局学生资助中心",
     "对在义务教育阶段就学的低保、特困家庭学生给予资助，其他阶段视情况给予救助。",
     "低保、特困家庭在校学生。", "社会救助暂行办法第三十三条至三十六条"),
    ("housing", "住房救助", "special", "区住房和城乡建设局",
     "对符合条件的低保、分散供养特困家庭，通过配租公租房、发放租赁补贴、农村危房改造等方式给予救助。",
     "低保家庭、分散供养特困人员，住房困难。", "社会救助暂行办法第三十七条至四十条"),
    ("employment", "就业救助", "special", "区人力资源和社会保障局",
     "对低保家庭中有劳动能力并处于失业状态的成员，给予贷款贴息、社保补贴、岗位补贴、公益性岗位安置等就业救助。",
     "低保家庭中有劳动能力的失业成员。", "社会救助暂行办法第四十二条至四十五条"),
    ("edge", "低保边缘家庭认定", "status", "区民政局社会救助股",
     "家庭人均收入低于当地低保标准1.5倍、财产符合规定的家庭，认定为低保边缘家庭，可单独申请专项救助。",
     "人均收入低于低保标准的1.5倍；不属于低保、特困。", "民发〔2021〕57号第八条"),
    ("rigid", "刚性支出困难家庭认定", "status", "区民政局社会救助股",
     "因病、因学等刚性支出较大，导致基本生活出现严重困难的家庭，经认定后给予相应救助。",
     "申请前12个月刚性支出超过家庭收入的规定比例。", "刚性支出困难家庭认定办法（2025）"),
]

# (key, value, type, unit, note) — county-level demo values unless noted.
PARAMETERS = [
    ("dibao.standard.urban", "750.00", ValueType.DECIMAL, "元/人/月", "演示值"),
    ("dibao.standard.rural", "600.00", ValueType.DECIMAL, "元/人/月", "演示值"),
    ("dibao.calc_mode", "gap", ValueType.TEXT, "", "补差"),
    ("dibao.addon.rate", "0.10", ValueType.DECIMAL, "×标准", "分类施保 演示值"),
    ("dibao.min_payment_per_person", "30.00", ValueType.DECIMAL, "元", "演示值"),
    ("dibao.rounding", "jiao", ValueType.TEXT, "", "fen 分 / jiao 角 / yuan 元；演示值"),
    ("dibao.income_lookback_months", "12", ValueType.INTEGER, "月", "演示值"),
    ("dibao.work_cost_deduction", "0.20", ValueType.DECIMAL, "比例", "演示值"),
    ("edge.multiplier", "1.5", ValueType.DECIMAL, "×标准", "57号§8"),
    ("tekun.basic_multiplier", "1.3", ValueType.DECIMAL, "×低保标准", "常见做法"),
    ("tekun.care_standard.self", "600.00", ValueType.DECIMAL, "元/月", "seed 001"),
    ("tekun.care_standard.partial", "800.00", ValueType.DECIMAL, "元/月", "seed 001"),
    ("tekun.care_standard.full", "1200.00", ValueType.DECIMAL, "元/月", "seed 001"),
    ("temp.township_cap", "3000.00", ValueType.DECIMAL, "元/次", "演示值"),
    ("temp.prepay_paperwork_days", "5", ValueType.INTEGER, "工作日", "演示值"),
    ("temp.joint_meeting_threshold", "20000.00", ValueType.DECIMAL, "元/次", "一事一议 演示值"),
    ("dibao.addon.categories", '["severely_disabled"]', ValueType.LIST, "",
     "分类施保对象：elderly 老年人 / minor 未成年人 / severely_disabled 重度残疾人；演示值"),
    ("temp.reserve_fund.low_alert", "10000.00", ValueType.DECIMAL, "元", "演示值"),
    ("township.delegated_approval", "false", ValueType.BOOLEAN, "", "演示值"),
    ("payroll.pay_day", "10", ValueType.INTEGER, "日", "演示值"),
    ("verification.batch_months", "3", ValueType.INTEGER, "月", "在保对象批量复核周期 演示值"),
    ("gradual_exit.months", "6", ValueType.INTEGER, "月", "渐退期 通知2022 不超过6个月"),
    ("recheck.notice_days", "20", ValueType.INTEGER, "工作日", "复核到期前提前生成任务 演示值"),
    ("visit.cycle.tekun", "30", ValueType.INTEGER, "天", "分散供养特困人员走访周期 演示值"),
    ("visit.cycle.elderly_alone", "30", ValueType.INTEGER, "天", "独居老人走访周期 演示值"),
    ("visit.cycle.dibao", "90", ValueType.INTEGER, "天", "低保家庭走访周期 演示值"),
    ("visit.cycle.monitored", "90", ValueType.INTEGER, "天", "低保边缘、刚性支出家庭走访周期 演示值"),
    ("wish.due_days", "10", ValueType.INTEGER, "工作日", "微心愿办理期限 演示值"),
    ("ticket.sla.urgent_h", "24", ValueType.INTEGER, "小时", "紧急诉求答复时限 演示值"),
    ("ticket.sla.general_wd", "10", ValueType.INTEGER, "工作日", "一般诉求答复时限 演示值"),
    ("hotline.numbers.county", "0933-8211001", ValueType.TEXT, "", "区救助热线（24小时值守）演示值"),
    ("hotline.numbers.city", "0933-8212349", ValueType.TEXT, "", "市级救助热线 演示值"),
    ("hotline.numbers.province", "0931-12349", ValueType.TEXT, "", "省级救助热线 演示值"),
    ("hotline.numbers.gov", "12345", ValueType.TEXT, "", "政务服务便民热线"),
    ("warning.action_days", "5", ValueType.INTEGER, "工作日", "监测预警处置时限 演示值"),
    ("warning.thresholds.medical", "20000.00", ValueType.DECIMAL, "元", "12个月医疗自付费用预警线 演示值"),
    ("warning.thresholds.rigid_ratio", "0.30", ValueType.DECIMAL, "比例", "刚性支出占收入比预警线 演示值"),
    ("supervision.sample_rate", "0.05", ValueType.DECIMAL, "比例", "每季度每乡镇在保对象抽查比例 演示值"),
    ("ledger.warning_days", "3", ValueType.INTEGER, "工作日", "清单事项到期前预警 演示值"),
]
NATIONAL_PARAMETERS = [
    ("deadline.dibao.investigate", "3", ValueType.INTEGER, "工作日", "57号§15"),
    ("deadline.dibao.verify", "3", ValueType.INTEGER, "工作日", "57号§17"),
    ("deadline.dibao.county", "10", ValueType.INTEGER, "工作日", "57号§20"),
    ("deadline.dibao.reject", "3", ValueType.INTEGER, "工作日", "57号§21"),
    ("deadline.dibao.overall", "30", ValueType.INTEGER, "工作日", "57号§22"),
    ("deadline.dibao.delegated", "20", ValueType.INTEGER, "工作日", "57号§22"),
    ("deadline.dibao.extended", "45", ValueType.INTEGER, "工作日", "57号§22"),
    ("deadline.tekun.township", "15", ValueType.INTEGER, "工作日", "43号§12"),
    ("deadline.tekun.county", "15", ValueType.INTEGER, "工作日", "43号§16"),
    ("deadline.tekun.objection", "15", ValueType.INTEGER, "工作日", "43号§15"),
    ("deadline.tekun.reassess", "10", ValueType.INTEGER, "工作日", "43号§23"),
    ("publicity.length", "7", ValueType.INTEGER, "天", "57号§19"),
    ("publicity.unit", "calendar", ValueType.TEXT, "", "calendar 自然日 / working 工作日"),
    ("publicity.includes_start_day", "true", ValueType.BOOLEAN, "", "公示当日计入"),
    ("enrollment.start_offset_months", "1", ValueType.INTEGER, "月", "57号§21 次月起发放"),
    ("dibao.income_exclusions", None, ValueType.LIST, "", "57号§13"),
    ("recheck.interval.stable", "12", ValueType.INTEGER, "月", "57号§31 收入稳定 每年复核"),
    ("recheck.interval.unstable", "6", ValueType.INTEGER, "月", "57号§31 收入不稳定 每半年复核"),
    ("recheck.interval.tekun", "12", ValueType.INTEGER, "月", "意见2020 特困每年复核"),
    ("death_recheck.months", "3", ValueType.INTEGER, "月", "通知2022 成员死亡3个月内复核"),
]

QA = [
    ("dibao_rural", "农村低保的标准是多少？", "本区农村低保标准为每人每月600元（演示值）。家庭人均月收入低于该标准、且财产符合规定的，可以申请，按差额补足。", "低保 标准 农村"),
    ("dibao_urban", "城市低保怎么申请？", "由共同生活的家庭成员之一向户籍所在地乡镇人民政府（街道办事处）提出书面申请，也可以在网上申请；行动不便的可以请村（社区）或网格员帮办代办。", "低保 申请 城市 帮办"),
    ("tekun", "哪些人可以申请特困供养？", "年满60周岁、未满16周岁，或者重度残疾的，同时无劳动能力、无生活来源、无法定赡养抚养扶养义务人（或义务人无能力履行）的，可以申请特困人员救助供养。", "特困 五保 老人 残疾"),
    ("temporary", "家里突然遇到大病或意外怎么办？", "可以向所在乡镇（街道）或拨打救助热线申请临时救助；情况紧急的，乡镇可以先行救助，再补办手续。", "临时救助 急难 看病 意外"),
    ("medical", "看病花费大，有什么救助？", "低保对象、特困人员、低保边缘家庭成员等，在基本医保、大病保险报销后，个人负担的合规费用可按比例获得医疗救助。", "医疗 看病 住院 报销"),
    ("edge", "什么是低保边缘家庭？", "家庭人均收入高于低保标准、但低于低保标准1.5倍，且财产符合规定的家庭。认定后可以获得医疗、教育、住房等专项救助。", "低保边缘 认定"),
    (None, "收入中哪些不计算在内？", "优待抚恤金、计划生育奖励与扶助金、奖学金、见义勇为奖励、政府发放的各类救助款物、城乡居民基础养老金等，不计入家庭收入。", "收入 计算 养老金 抚恤"),
]

DEMO_USERS = [
    ("county_admin", "王建国", Role.COUNTY_ADMIN, COUNTY[0], "区民政局"),
    # The second county account approves what county_admin computes (maker-checker).
    ("county_checker", "陈芳", Role.COUNTY_ADMIN, COUNTY[0], "区民政局"),
    ("clerk_a", "李娟", Role.CLERK, TOWNSHIP_A, ""),
    ("reviewer_a", "张明", Role.REVIEWER, TOWNSHIP_A, ""),
    ("clerk_b", "赵丽", Role.CLERK, TOWNSHIP_B, ""),
    ("grid_a", "马小军", Role.GRID_WORKER, VILLAGE_A, ""),
    ("auditor", "孙审", Role.AUDITOR, COUNTY[0], "区纪委监委"),
    ("liaison_hrss", "刘社保", Role.LIAISON, COUNTY[0], "区人力资源和社会保障局"),
]

EFFECTIVE_FROM = date(2026, 1, 1)
# The demo's payroll history reaches back into 2025, and evaluating 2025 (year-on-year) asks
# whether those runs were approved by the pay day; the pay day applies from then on.
EARLIER_FROM = {"payroll.pay_day": date(2025, 1, 1)}


def _regions() -> None:
    Region.objects.update_or_create(code=PROVINCE[0], defaults={"name": PROVINCE[1], "level": Level.PROVINCE})
    Region.objects.update_or_create(code=CITY[0], defaults={"name": CITY[1], "level": Level.CITY, "parent_id": PROVINCE[0]})
    Region.objects.update_or_create(code=COUNTY[0], defaults={"name": COUNTY[1], "level": Level.COUNTY, "parent_id": CITY[0]})
    for code, name, villages in TOWNSHIPS:
        Region.objects.update_or_create(code=code, defaults={"name": name, "level": Level.TOWNSHIP, "parent_id": COUNTY[0]})
        for suffix, vname, klass in villages:
            Region.objects.update_or_create(
                code=code[:9] + suffix,
                defaults={"name": vname, "level": Level.VILLAGE, "parent_id": code, "urban_rural_class": klass},
            )


def _policies() -> None:
    departments = {
        name: Department.objects.update_or_create(name=name, defaults={"phone": phone})[0]
        for name, phone in DEPARTMENTS
    }
    for i, (code, name, category, dept, desc, cond, basis) in enumerate(PROGRAMMES):
        Programme.objects.update_or_create(code=code, defaults={
            "name": name, "category": category, "department": departments[dept],
            "description": desc, "conditions": cond, "legal_basis": basis, "sort_order": i,
            "how_to_apply": "向户籍所在地乡镇人民政府（街道办事处）申请，或在网上申请；可请村（社区）、网格员帮办代办。",
        })
    for key, value, vtype, unit, note in PARAMETERS:
        Parameter.objects.update_or_create(
            key=key, region_id=COUNTY[0], effective_from=EARLIER_FROM.get(key, EFFECTIVE_FROM),
            defaults={"value": value, "value_type": vtype, "unit": unit, "note": note},
        )
    exclusions = json.dumps([str(t) for t in NATIONAL_INCOME_EXCLUSIONS])
    for nkey, nvalue, ntype, nunit, nnote in NATIONAL_PARAMETERS:
        Parameter.objects.update_or_create(
            key=nkey, region=None, effective_from=date(2021, 7, 1),
            defaults={"value": exclusions if nvalue is None else nvalue, "value_type": ntype,
                      "unit": nunit, "note": nnote},
        )
    for i, (programme, question, answer, keywords) in enumerate(QA):
        PolicyQA.objects.update_or_create(question=question, defaults={
            "programme_id": programme, "answer": answer, "keywords": keywords, "sort_order": i,
        })


def _users() -> None:
    for username, full_name, role, region, department in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username, defaults={
            "role": role, "region_id": region, "first_name": full_name, "department": department,
        })
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()


@transaction.atomic
def load_reference_data() -> None:
    _regions()
    _policies()
    _users()

