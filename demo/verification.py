"""Department data for the demo county (部门数据, domain.md §6): thirteen sources from twelve
departments, one active snapshot each drawn from the demo population, and the county's rules.

The extracts go through the real import (verification.importing) as the county administrator,
so they have upload and activation audit rows like a liaison's file. Deterministic for a seed:
people are taken in ID-number order with a seeded RNG. Recipients (active members of active
enrollments) get no random vehicle, business or death record and only small deposits, so the
batch re-verification shows exactly the planted stories: a car over 50,000, a registered
business, a death, deposits over 30,000 — each on a recipient of a different household.
Run again on a database that has department data, it only refreshes the source definitions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from benefits.models import EnrollmentMember, EnrollmentStatus
from policies.models import Department
from registry.idcard import age_on
from registry.models import Person
from verification import importing
from verification.models import (
    Consequence,
    DataSource,
    Rule,
    Snapshot,
    SourceItem,
    ValueKind,
)

from .reference import COUNTY

FLAG, AMOUNT, DATE, TEXT = ValueKind.FLAG, ValueKind.AMOUNT, ValueKind.DATE, ValueKind.TEXT
ID_COLUMN = "身份证号码"

# Departments missing from the reference data are created with these (demo) phones.
DEPARTMENTS = [
    ("区公安分局", "0933-8211010"),
    ("区公安分局交通警察大队", "0933-8211011"),
    ("区民政局婚姻登记处", "0933-8211012"),
    ("区卫生健康局", "0933-8211013"),
    ("区人力资源和社会保障局", "0933-8211005"),
    ("区住房和城乡建设局", "0933-8211003"),
    ("区市场监督管理局", "0933-8211014"),
    ("国家税务总局平凉市崆峒区税务局", "0933-8211015"),
    ("平凉市住房公积金管理中心崆峒区管理部", "0933-8211016"),
    ("辖区银行业金融机构（人民银行崆峒区支行汇总）", "0933-8211017"),
]

# (code, name, department, max_age_days, [(item, label, column, kind, feeds)])
SOURCES: list[tuple[str, str, str, int, list[tuple[str, str, str, str, str]]]] = [
    ("hukou", "公安户籍", "区公安分局", 120,
     [("registered_address", "户籍地址", "户籍地址", TEXT, "")]),
    ("marriage", "婚姻登记", "区民政局婚姻登记处", 120,
     [("marital_status", "婚姻状况", "婚姻状况", TEXT, ""),
      ("registered_on", "登记日期", "登记日期", DATE, "")]),
    ("death", "死亡登记", "区卫生健康局", 60,
     [("death_date", "死亡日期", "死亡日期", DATE, "")]),
    ("pension", "养老金领取", "区人力资源和社会保障局", 120,
     [("monthly_amount", "月养老金", "月养老金（元）", AMOUNT, "income:pension")]),
    ("unemployment", "失业登记", "区人力资源和社会保障局", 120,
     [("registered", "失业登记", "是否失业登记", FLAG, "")]),
    ("property", "不动产登记", "区住房和城乡建设局", 180,
     [("house_count", "房产套数", "房产套数", AMOUNT, "asset:house")]),
    ("vehicles", "机动车登记", "区公安分局交通警察大队", 120,
     [("vehicle_value", "车辆价值", "车辆价值（元）", AMOUNT, "asset:vehicle")]),
    ("business", "市场主体登记", "区市场监督管理局", 120,
     [("registered", "登记经营主体", "是否登记经营主体", FLAG, "asset:business")]),
    ("tax", "个人所得税", "国家税务总局平凉市崆峒区税务局", 365,
     [("annual_income", "年度收入", "年度收入额（元）", AMOUNT, "")]),
    ("provident_fund", "住房公积金", "平凉市住房公积金管理中心崆峒区管理部", 120,
     [("monthly_deposit", "月缴存额", "月缴存额（元）", AMOUNT, "")]),
    ("deposits", "银行存款", "辖区银行业金融机构（人民银行崆峒区支行汇总）", 90,
     [("balance", "存款余额", "存款余额（元）", AMOUNT, "asset:deposit")]),
    # Read by low-income monitoring's rules (monitoring.rules): large medical spending, disasters.
    ("medical", "医疗费用结算", "区医疗保障局", 120,
     [("out_of_pocket_12m", "近12个月个人自付医疗费用", "近12个月个人自付费用（元）", AMOUNT, "")]),
    ("disaster", "受灾登记", "区应急管理局", 120,
     [("disaster_date", "受灾日期", "受灾日期", DATE, ""),
      ("loss_amount", "直接经济损失", "直接经济损失（元）", AMOUNT, "")]),
]

# (source, item, operator, threshold, consequence, note): county-wide demo rules.
RULES = [
    ("vehicles", "vehicle_value", Rule.Operator.GT, "50000", Consequence.INELIGIBLE,
     "车辆价值超过5万元（演示值）"),
    ("business", "registered", Rule.Operator.PRESENT, None, Consequence.REVIEW,
     "登记有经营主体，需核实经营收入"),
    ("death", "death_date", Rule.Operator.PRESENT, None, Consequence.SUSPEND,
     "死亡记录：暂停发放，3个月内复查家庭"),
    ("deposits", "balance", Rule.Operator.GT, "30000", Consequence.INELIGIBLE,
     "存款超过3万元（演示值）"),
]

# The planted stories: (story, source, column, value); death's value is set from today.
PLANTED = [
    ("死亡记录", "death", "死亡日期", ""),
    ("车辆价值超过5万元", "vehicles", "车辆价值（元）", "86,000"),
    ("登记经营主体", "business", "是否登记经营主体", "是"),
    ("存款超过3万元", "deposits", "存款余额（元）", "52,000.00"),
]


@dataclass
class Seeded:
    sources: int = 0
    snapshots: int = 0
    facts: int = 0
    planted: dict[str, str] = field(default_factory=dict)  # story → ID number


@dataclass(frozen=True)
class _Person:
    id_number: str
    birth_date: date
    address: str
    applicant: bool
    household: int


def ensure_sources() -> list[DataSource]:
    """Departments, sources, items and rules; safe to run again (reference data)."""
    for name, phone in DEPARTMENTS:
        Department.objects.get_or_create(name=name, defaults={"phone": phone})
    sources = []
    for order, (code, name, dept, max_age, items) in enumerate(SOURCES):
        source, _created = DataSource.objects.update_or_create(code=code, defaults={
            "name": name, "department": Department.objects.get(name=dept),
            "id_column": ID_COLUMN, "max_age_days": max_age, "sort_order": order})
        for item, label, column, kind, feeds in items:
            SourceItem.objects.update_or_create(source=source, code=item, defaults={
                "label": label, "column": column, "kind": kind, "feeds": feeds})
        sources.append(source)
    for code, item, operator, threshold, consequence, note in RULES:
        # get_or_create: a rule the county has since switched off or reworded stays so.
        Rule.objects.get_or_create(
            region_id=COUNTY[0], source_id=code, item=item, operator=operator,
            defaults={"threshold": threshold, "consequence": consequence, "note": note})
    return sources


def _money(rng: random.Random, low: int, high: int, step: int = 1) -> str:
    return f"{rng.randrange(low, high, step):,}"


def _extracts(seed: int, today: date) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str]]:
    rng = random.Random(f"{seed}-department-data")
    people = [_Person(i, b, a, r == "applicant", h) for i, b, a, r, h in Person.objects
              .order_by("id_number")
              .values_list("id_number", "birth_date", "household__address", "relation",
                           "household_id")]
    recipient_ids = set(EnrollmentMember.objects.filter(
        active=True, enrollment__status=EnrollmentStatus.ACTIVE
    ).values_list("person__id_number", flat=True))
    recipients = [p for p in people if p.id_number in recipient_ids]
    # One story per household: the oldest recipient dies; the next households' first
    # recipients get the car, the business and the deposits.
    planted: dict[str, str] = {}
    households: set[int] = set()
    ordered = sorted(recipients, key=lambda p: (p.birth_date, p.id_number))[:1] + recipients
    stories = iter(PLANTED)
    for person in ordered:
        if person.household in households:
            continue
        plan = next(stories, None)
        if plan is None:
            break
        planted[plan[0]] = person.id_number
        households.add(person.household)
    planted_ids = set(planted.values())

    rows: dict[str, list[dict[str, Any]]] = {code: [] for code, *_rest in SOURCES}

    def add(source: str, person: _Person, **values: str) -> None:
        rows[source].append({ID_COLUMN: person.id_number, **values})

    for p in people:
        age = age_on(p.birth_date, today)
        recipient = p.id_number in recipient_ids
        add("hukou", p, 户籍地址=p.address)
        if age >= 20 and rng.random() < 0.35:
            married = date(p.birth_date.year + rng.randint(21, 35), p.birth_date.month,
                           min(p.birth_date.day, 28))
            add("marriage", p, 婚姻状况=rng.choice(["已婚"] * 6 + ["离婚", "丧偶"]),
                登记日期=min(married, today - timedelta(days=1)).isoformat())
        if p.id_number in planted_ids:
            continue  # the planted person's other rows come from their story only
        if not recipient and age >= 70 and rng.random() < 0.02:
            add("death", p, 死亡日期=(today - timedelta(days=rng.randint(30, 300)))
                .strftime("%Y/%m/%d"))
        if age >= 60 and rng.random() < 0.2:
            add("pension", p, **{"月养老金（元）": f"{rng.uniform(900, 2800):.2f}"})
        if 18 <= age < 60:
            draw = rng.random()
            if draw < 0.05:
                add("unemployment", p, 是否失业登记="是")
            elif draw < 0.10:
                add("unemployment", p, 是否失业登记="否")  # listed, not registered: no record
            if rng.random() < 0.10:
                add("tax", p, **{"年度收入额（元）": _money(rng, 12_000, 150_000, 100)})
            if rng.random() < 0.06:
                add("provident_fund", p, **{"月缴存额（元）": _money(rng, 200, 1_500)})
        if p.applicant:
            draw = rng.random()
            if draw < 0.5:
                add("property", p, 房产套数="1" if draw < 0.42 else "2")
        if age < 18:
            continue
        if not recipient and age <= 70 and rng.random() < 0.08:
            add("vehicles", p, **{"车辆价值（元）": _money(rng, 15_000, 180_000, 1_000)})
        if not recipient:
            draw = rng.random()
            if draw < 0.04:
                add("business", p, 是否登记经营主体="是")
            elif draw < 0.07:
                add("business", p, 是否登记经营主体="否")
        if recipient and rng.random() < 0.25:
            add("deposits", p, **{"存款余额（元）": _money(rng, 100, 20_000)})
        elif not recipient and rng.random() < 0.3:
            add("deposits", p, **{"存款余额（元）": _money(rng, 0, 200_000)})
    _monitoring_rows(seed, today, [p for p in people if p.id_number not in planted_ids], rows)
    by_id = {p.id_number: p for p in people}
    for story, source, column, value in PLANTED:
        if story in planted:
            died = (today - timedelta(days=20)).isoformat()
            add(source, by_id[planted[story]], **{column: value or died})
    return rows, planted


def _monitoring_rows(seed: int, today: date, people: list[_Person],
                     rows: dict[str, list[dict[str, Any]]]) -> None:
    """The medical and disaster extracts low-income monitoring reads: about one person in a
    hundred over the demo's 20,000 yuan medical line, one household in fifty hit by a disaster
    in the last half year. A generator of their own, so the other extracts stay as they were."""
    rng = random.Random(f"{seed}-monitoring-data")
    for p in people:
        if rng.random() < 0.15:
            high = 60_000 if rng.random() < 0.08 else 15_000
            rows["medical"].append({ID_COLUMN: p.id_number,
                                    "近12个月个人自付费用（元）": _money(rng, 200, high, 10)})
        if p.applicant and rng.random() < 0.02:
            rows["disaster"].append({
                ID_COLUMN: p.id_number,
                "受灾日期": (today - timedelta(days=rng.randint(3, 180))).isoformat(),
                "直接经济损失（元）": _money(rng, 2_000, 80_000, 100)})


def seed_department_data(seed: int) -> Seeded | None:
    """Sources and rules always; snapshots once (None when there is department data already)."""
    sources = ensure_sources()
    if Snapshot.objects.filter(source__in=sources).exists():
        return None
    today = timezone.localdate()
    admin = User.objects.get(username="county_admin")
    rows, planted = _extracts(seed, today)
    seeded = Seeded(sources=len(sources), planted=planted)
    for index, source in enumerate(sources):
        if not rows[source.code]:
            continue
        # Each department's extract is a few days old, all within the last month.
        snapshot = importing.snapshot_import_rows(
            actor=admin, source=source, rows=rows[source.code],
            as_of=today - timedelta(days=2 + 2 * index), file_name=f"{source.code}.csv")
        snapshot = importing.snapshot_activate(actor=admin, snapshot=snapshot,
                                               accept=importing.Accept.ALL)
        seeded.snapshots += 1
        seeded.facts += snapshot.facts
    return seeded
