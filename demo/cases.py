"""Cases in every state for the demo county, made through the real case services.

Deterministic for a seed: households are picked from the generated population (ordered by id)
with a seeded RNG, and every move goes through `cases.services.*` and `relief.services` as the
persona who would make it, so the demo's timelines, audit rows, 公示 and enrollments are the
real ones. Services date everything today; a few rows are backdated afterwards (each says why).

Townships: 崆峒镇 (clerk_a / reviewer_a) carries the full procedure; 白水镇 has no reviewer
account, so its cases stop at the township opinion; 东关街道 is urban, for 城市低保, with its own
clerk_c / reviewer_c accounts created here. The county acts as county_admin.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from calendar_days.workdays import add_working_days, working_days_between
from cases.benefit import TEKUN_EXTRA_EXCLUSIONS
from cases.choices import CaseState, Channel, TemporaryKind
from cases.deadlines import start_acceptance_clocks
from cases.models import (
    Case,
    CaseTransition,
    Publicity,
    SelfCareAssessment,
    Survey,
    VerificationRecord,
)
from cases.services import decision, intake, investigation, online, publicity, temporary
from cases.services.intake import IntakeInput
from cases.services.investigation import SurveyInput
from cases.workflow import decider_roles, family_of
from policies.params import param
from regions.models import Level, Region
from registry.models import Household, IncomeRecord, Person
from registry.services import income_exclusions
from relief.services import reserve_allocate

from .reference import DEMO_PASSWORD, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A

S = CaseState
TOWNSHIP_C = "620802001000"  # 东关街道: urban communities (城乡分类 111)
# Demo staff that only the seeded cases need (username, name, role, township).
CASE_USERS = [
    ("clerk_c", "陈静", Role.CLERK, TOWNSHIP_C),
    ("reviewer_c", "周伟", Role.REVIEWER, TOWNSHIP_C),
]
STAFF = {  # township → (clerk, reviewer or None)
    TOWNSHIP_A: ("clerk_a", "reviewer_a"),
    TOWNSHIP_B: ("clerk_b", None),
    TOWNSHIP_C: ("clerk_c", "reviewer_c"),
}
# Below the standard by at least this much, so rounding and add-ons never tip a pick over.
MARGIN = Decimal("60")


@dataclass(frozen=True)
class Plan:
    township: str
    programme: str
    target: str
    pool: str = "any"  # eligible | ineligible | tekun | any | village
    channel: str = Channel.COUNTER
    opinion_eligible: bool = True
    verification: str = "pass"
    overdue: int = 0  # accepted this many working days ago (backdated), past the 3-day start
    temporary_kind: str = ""
    amount: str = ""
    supporter: str = "none"
    care_lost: int = 0
    meeting: bool = False
    story: str = ""


def _p(township: str, programme: str, target: str, **kw: Any) -> Plan:
    return Plan(township, programme, target, **kw)


A, B, C = TOWNSHIP_A, TOWNSHIP_B, TOWNSHIP_C
R, U, TK, LS = "dibao_rural", "dibao_urban", "tekun", "temporary"
EMERGENCY, EXPENDITURE = TemporaryKind.EMERGENCY, TemporaryKind.EXPENDITURE
# One case per state first, so even a small population shows every state; then the rest.
CORE = [
    _p(A, R, S.SUBMITTED),
    _p(A, R, S.SUBMITTED, pool="village", channel=Channel.PROXY),
    _p(A, R, S.RETURNED),
    _p(A, R, S.ACCEPTED, pool="eligible", overdue=8),
    _p(A, R, S.INVESTIGATING, pool="eligible"),
    _p(A, R, S.VERIFYING, pool="eligible"),
    _p(A, R, S.TOWNSHIP_OPINION, pool="eligible"),
    _p(A, R, S.PUBLICITY, pool="eligible"),
    _p(A, R, S.OBJECTION, pool="eligible"),
    _p(A, R, S.REINVESTIGATING, pool="eligible"),
    _p(A, R, S.COUNTY_REVIEW, pool="eligible"),
    _p(A, R, S.APPROVED, pool="eligible"),
    _p(A, R, S.REJECTED, pool="eligible", verification="fail", opinion_eligible=False,
       story="car"),
    _p(A, R, S.WITHDRAWN),
    _p(A, R, S.TERMINATED),
    _p(A, LS, S.PREPAID, temporary_kind=EMERGENCY, amount="2000.00"),
    _p(A, TK, S.APPROVED, pool="tekun", care_lost=2, channel=Channel.PROXY),
    _p(C, U, S.PUBLICITY, pool="eligible"),
    _p(C, U, S.APPROVED, pool="eligible"),
]
EXTRA = [
    _p(A, R, S.SUBMITTED, channel=Channel.ONLINE),
    _p(A, R, S.ACCEPTED, pool="eligible"),
    _p(A, R, S.ACCEPTED, pool="eligible", overdue=5),
    _p(A, R, S.PUBLICITY, pool="eligible"),
    _p(A, R, S.PUBLICITY, pool="eligible"),
    _p(A, R, S.APPROVED, pool="eligible"),
    _p(A, R, S.APPROVED, pool="eligible"),
    _p(A, R, S.APPROVED, pool="eligible"),
    _p(A, R, S.COUNTY_REVIEW, pool="ineligible", opinion_eligible=False, story="income"),
    _p(A, R, S.REJECTED, pool="ineligible", opinion_eligible=False, story="income"),
    _p(A, TK, S.ACCEPTED, pool="tekun"),
    _p(A, TK, S.TOWNSHIP_OPINION, pool="tekun", care_lost=1),
    _p(A, TK, S.PUBLICITY, pool="tekun", care_lost=0),
    _p(A, TK, S.APPROVED, pool="tekun", care_lost=5, channel=Channel.PROXY),
    _p(A, TK, S.REJECTED, pool="tekun", supporter="able", opinion_eligible=False,
       story="supporter"),
    _p(A, LS, S.PREPAID, temporary_kind=EMERGENCY, amount="3000.00"),
    _p(A, LS, S.APPROVED, temporary_kind=EMERGENCY, amount="1500.00"),
    _p(A, LS, S.COUNTY_REVIEW, temporary_kind=EXPENDITURE, amount="8000.00"),
    _p(A, LS, S.APPROVED, temporary_kind=EXPENDITURE, amount="12000.00"),
    _p(A, LS, S.APPROVED, temporary_kind=EXPENDITURE, amount="25000.00", meeting=True),
    _p(B, R, S.SUBMITTED),
    _p(B, R, S.RETURNED),
    _p(B, R, S.ACCEPTED, pool="eligible", overdue=10),
    _p(B, R, S.ACCEPTED, pool="eligible"),
    _p(B, R, S.INVESTIGATING, pool="eligible"),
    _p(B, R, S.VERIFYING, pool="eligible"),
    _p(B, R, S.TOWNSHIP_OPINION, pool="eligible"),
    _p(B, R, S.WITHDRAWN),
    _p(B, TK, S.INVESTIGATING, pool="tekun", care_lost=3, channel=Channel.PROXY),
    _p(B, LS, S.ACCEPTED, temporary_kind=EXPENDITURE, amount="5000.00"),
    _p(C, U, S.SUBMITTED, channel=Channel.ONLINE),
    _p(C, U, S.ACCEPTED, pool="eligible"),
    _p(C, U, S.INVESTIGATING, pool="eligible"),
    _p(C, U, S.TOWNSHIP_OPINION, pool="eligible"),
    _p(C, U, S.PUBLICITY, pool="eligible"),
    _p(C, U, S.COUNTY_REVIEW, pool="eligible"),
    _p(C, U, S.APPROVED, pool="eligible"),
    _p(C, U, S.APPROVED, pool="eligible"),
    _p(C, U, S.REJECTED, pool="ineligible", opinion_eligible=False, story="income"),
    _p(C, LS, S.PREPAID, temporary_kind=EMERGENCY, amount="2500.00"),
]
PLANS = CORE + EXTRA

REASONS = {
    "dibao": ["家中主要劳动力因病丧失劳动能力，收入微薄，难以维持基本生活",
              "夫妻二人年老体弱，仅靠少量养老金和务农收入生活",
              "单亲家庭，子女在校读书，收入不足以维持基本生活",
              "家庭成员患慢性病长期服药，务工收入不稳定"],
    "tekun": ["年老体弱，无儿无女，独自生活，无生活来源",
              "孤寡老人，无劳动能力，无法定赡养人"],
    EMERGENCY: ["家中突发火灾，房屋及生活用品受损", "家庭成员遭遇交通事故，急需救治",
                "突发重病住院，家庭无力支付基本生活开支"],
    EXPENDITURE: ["长期住院治疗，医保报销后个人自付费用较高", "子女考入大学，学费和生活费支出较大"],
}
HOUSING = ["自有砖木结构平房三间", "自有土木结构房屋两间，年久失修", "租住楼房一套，约50平方米",
           "自有楼房一套，约60平方米，无其他房产"]
LIVING = ["家中无大件家电，生活用品简陋", "收入来源单一，主要依靠务农收入",
          "家中有长期病人，医药费支出较大", "子女在校读书，生活较为拮据"]
WORKERS = ["村委会委员王五", "村文书刘军", "社区网格员杨梅", "乡镇民政干部韩亮"]
VERIFIED_CLEAN = ("民政、公安、人社、住建、市场监管、银行等部门核对："
                  "未发现车辆、商品房、工商登记和大额存款")
VERIFIED_CAR = "车辆管理部门：家庭成员名下登记小型普通客车一辆（2021年登记）"
OBJECTION_TEXT = "反映该户儿子在外地务工，收入较高，申请时未如实申报，请核实"
OPINION = {
    "dibao": "经入户调查和家庭经济状况核对，家庭人均收入低于当地低保标准，"
             "财产状况符合规定，拟同意纳入低保",
    "tekun": "申请人无劳动能力、无生活来源，无法定义务人或义务人无履行能力，"
             "符合特困人员认定条件，拟同意纳入供养",
    "temporary": "经调查核实，申请人家庭遭遇的困难情况属实，建议给予临时救助",
}
STORIES = {
    "car": ("经核对，家庭成员名下有机动车辆，不符合条件，建议不予批准",
            "经家庭经济状况核对，家庭成员名下有小型普通客车一辆，不符合当地低保家庭财产条件。"),
    "income": ("经入户调查和核对，家庭人均收入高于当地低保标准，建议不予批准",
               "经入户调查和家庭经济状况核对，家庭人均月收入%(pc)s元，高于当地低保标准%(std)s元，"
               "不符合最低生活保障条件。"),
    "supporter": ("申请人有法定赡养义务人且义务人有履行能力，建议不予批准",
                  "申请人有法定赡养义务人，且义务人具备履行赡养义务的能力，不符合特困人员认定条件。"),
}


def ensure_case_users() -> list[User]:
    """The extra township staff the seeded cases need; existing accounts are left alone."""
    users = []
    for username, full_name, role, region in CASE_USERS:
        user, created = User.objects.get_or_create(username=username, defaults={
            "role": role, "region_id": region, "first_name": full_name,
        })
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        users.append(user)
    return users


@dataclass
class Pools:
    """Household ids per township and kind, shuffled once; a household is used at most once."""

    rng: random.Random
    today: date
    pools: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)

    def take(self, township: str, kind: str) -> Household | None:
        if (township, kind) not in self.pools:
            self._build(township)
        ids = self.pools[(township, kind)]
        while ids:
            pk = ids.pop()
            if pk not in self.used:
                self.used.add(pk)
                return Household.objects.get(pk=pk)
        return None

    def _build(self, township: str) -> None:
        """Classify the township's households with the same rules the services apply: dibao
        counts every member's non-excluded income (57号§13); tekun only the applicant's, with
        the pension-type exclusions of 43号§5."""
        today = self.today
        prefix = township[:9]
        households = list(Household.objects.filter(village__code__startswith=prefix)
                          .order_by("id").values_list("id", "village_id", "urban_rural"))
        members: Counter[int] = Counter()
        elderly_applicant: set[int] = set()
        sixty = date(today.year - 60, today.month, min(today.day, 28))  # 60 by today (29 Feb)
        for hid, relation, birth in Person.objects.filter(
                household__village__code__startswith=prefix, excluded=False).values_list(
                "household_id", "relation", "birth_date"):
            members[hid] += 1
            if relation == "applicant" and birth <= sixty:
                elderly_applicant.add(hid)
        excluded, _rule = income_exclusions(township, today)
        active = Q(start_month__lte=today) & (Q(end_month__isnull=True) | Q(end_month__gte=today))
        counted: dict[int, Decimal] = defaultdict(Decimal)
        own: dict[int, Decimal] = defaultdict(Decimal)
        for hid, relation, kind, amount in IncomeRecord.objects.filter(
                active, person__excluded=False,
                person__household__village__code__startswith=prefix).values_list(
                "person__household_id", "person__relation", "income_type", "monthly_amount"):
            if kind not in excluded:
                counted[hid] += amount
            if relation == "applicant" and kind not in excluded | TEKUN_EXTRA_EXCLUSIONS:
                own[hid] += amount
        kinds: dict[str, list[int]] = {k: [] for k in
                                       ("any", "eligible", "ineligible", "tekun", "village")}
        standards: dict[tuple[str, str], Decimal] = {}
        for hid, village, urban_rural in households:
            if not members[hid]:
                continue
            if (village, urban_rural) not in standards:
                standards[(village, urban_rural)] = Decimal(
                    param(f"dibao.standard.{urban_rural}", village, today))
            standard = standards[(village, urban_rural)]
            per_capita = counted[hid] / members[hid]
            kinds["any"].append(hid)
            if per_capita < standard - MARGIN:
                kinds["eligible"].append(hid)
            if per_capita > standard + MARGIN:
                kinds["ineligible"].append(hid)
            if hid in elderly_applicant and own[hid] < standard - MARGIN:
                kinds["tekun"].append(hid)
            if village == VILLAGE_A:
                kinds["village"].append(hid)
        for kind, ids in kinds.items():
            self.rng.shuffle(ids)
            self.pools[(township, kind)] = ids


class Seeder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed * 7919 + 17)  # independent of the population's stream
        self.today = timezone.localdate()
        self.pools = Pools(self.rng, self.today)
        self.users = {u.username: u for u in User.objects.filter(
            username__in=["county_admin", "grid_a", *[n for t in STAFF.values() for n in t if n]])}
        self.county = self.users["county_admin"]
        self._working: dict[date, bool] = {}

    def pick(self, options: list[str]) -> str:
        return self.rng.choice(options)

    # -- reserve funds ---------------------------------------------------------------------

    def reserve_funds(self) -> None:
        """Seed 002 reports 50,000–200,000 yuan per township; the county allocates each."""
        for township in Region.objects.filter(level=Level.TOWNSHIP).order_by("code"):
            amount = self.rng.randrange(50_000, 200_001, 10_000)
            reserve_allocate(actor=self.county, township_code=township.code, amount=amount,
                             note=f"{self.today.year}年度临时救助备用金拨付")

    # -- one case --------------------------------------------------------------------------

    def run(self, plan: Plan) -> Case | None:
        household = self.pools.take(plan.township, plan.pool)
        if household is None:
            return None
        clerk_name, reviewer_name = STAFF[plan.township]
        clerk = self.users[clerk_name]
        reviewer = self.users[reviewer_name] if reviewer_name else None
        case = self._intake(plan, household, clerk)
        steps: list[tuple[str, Callable[[Case], Case]]] = [
            (S.SUBMITTED, lambda c: c),
            (S.ACCEPTED, lambda c: intake.case_accept(actor=clerk, case_id=c.pk)),
            (S.INVESTIGATING, lambda c: self._investigate(c, plan, clerk)),
            (S.VERIFYING, lambda c: self._survey(c, clerk)),
            (S.TOWNSHIP_OPINION, lambda c: investigation.verification_record(
                actor=self.county, case_id=c.pk, result=plan.verification,
                summary=VERIFIED_CAR if plan.verification == "fail" else VERIFIED_CLEAN)),
        ]
        detour: dict[str, tuple[str, Callable[[Case], Case]]] = {
            S.RETURNED: (S.SUBMITTED, lambda c: intake.case_return(
                actor=clerk, case_id=c.pk,
                reason="请一次性补齐：1. 共同生活家庭成员签署的核对授权书；2. 户口簿复印件；"
                       "3. 近6个月收入证明")),
            S.WITHDRAWN: (S.ACCEPTED, lambda c: intake.case_withdraw(
                actor=clerk, case_id=c.pk, reason="申请人外出务工，家庭收入增加，主动撤回申请")),
            S.TERMINATED: (S.INVESTIGATING, lambda c: intake.case_terminate(
                actor=self.county, case_id=c.pk,
                reason="申请人两次拒绝入户调查，经告知仍不配合（57号§29）")),
            S.PREPAID: (S.ACCEPTED, lambda c: temporary.case_prepay(
                actor=reviewer, case_id=c.pk, reason="情况紧急，先行救助，手续后补")),
        }
        stop = detour[plan.target][0] if plan.target in detour else plan.target
        for state, step in steps:
            case = step(case)
            if state == stop:
                break
        if plan.target in detour:
            case = detour[plan.target][1](case)
        elif case.state == S.TOWNSHIP_OPINION and plan.target != S.TOWNSHIP_OPINION:
            case = self._beyond_opinion(case, plan, reviewer)
        if plan.overdue:
            self._backdate_acceptance(case, plan.overdue)
        assert case.state == plan.target, (plan, case.state)
        return case

    def _intake(self, plan: Plan, household: Household, clerk: User) -> Case:
        family = "dibao" if plan.programme.startswith("dibao") else plan.programme
        supporter = ""
        if plan.programme == TK:
            # 43号§6: a person living alone has no supporter at hand; others claim theirs unable.
            supporter = plan.supporter
            if supporter == "none" and household.members.count() > 1:
                supporter = "unable"
        data = IntakeInput(
            programme=plan.programme, channel=plan.channel,
            reason=self.pick(REASONS[plan.temporary_kind or family]),
            consent_signed_on=None if plan.target == S.RETURNED else self.today,
            temporary_kind=plan.temporary_kind, requested_amount=plan.amount,
            support_form="dispersed" if plan.programme == TK else "",
            supporter_status=supporter,
        )
        if plan.channel == Channel.ONLINE:
            # Through the portal's door, as the applicant would file it from a phone.
            applicant = household.applicant_person()
            assert applicant is not None
            others = household.members.exclude(pk=applicant.pk).order_by("id")
            return online.case_apply_online(data=online.OnlineApplication(
                programme=plan.programme, village_code=household.village_id,
                address=household.address, applicant_name=applicant.name,
                applicant_id_number=applicant.id_number, phone=household.phone,
                reason=data.reason, consent_agreed=True,
                members=[online.MemberRow(m.name, m.id_number, m.relation) for m in others]))
        if plan.channel == Channel.PROXY:
            # 帮办: the village's grid worker where there is one, else the township clerk.
            if household.village_id == VILLAGE_A:
                data.mandate_note = "申请人年老行动不便，委托网格员帮办"
                return intake.case_create(actor=self.users["grid_a"], household=household,
                                          data=data)
            data.mandate_note = "申请人年老体弱、行动不便，由乡镇经办人员上门帮办"
            return intake.case_create(actor=clerk, household=household, data=data)
        return intake.case_create(actor=clerk, household=household, data=data)

    def _investigate(self, case: Case, plan: Plan, clerk: User) -> Case:
        case = investigation.case_start_investigation(actor=clerk, case_id=case.pk)
        if plan.programme == TK:
            # 43号§20–23: the county's contracted assessor; `care_lost` activities not achieved.
            lost = dict.fromkeys(SelfCareAssessment.ACTIVITIES[:plan.care_lost], True)
            investigation.selfcare_assess(actor=clerk, case_id=case.pk, lost=lost,
                                          assessor="区社会福利评估中心", assessed_on=self.today)
        return Case.objects.get(pk=case.pk)

    def _survey(self, case: Case, clerk: User) -> Case:
        investigation.survey_record(actor=clerk, case_id=case.pk, data=SurveyInput(
            surveyed_on=self.today, worker_2_name=self.pick(WORKERS), housing=self.pick(HOUSING),
            living_conditions=self.pick(LIVING), conclusion="家庭情况与申报基本一致",
            health_and_work="主要劳动力健康状况一般", family_signed=True))
        return investigation.case_complete_survey(actor=clerk, case_id=case.pk)

    def _beyond_opinion(self, case: Case, plan: Plan, reviewer: User | None) -> Case:
        assert reviewer is not None, plan
        family = family_of(case)
        opinion = OPINION[family] if plan.opinion_eligible else STORIES[plan.story][0]
        case = decision.case_township_opinion(actor=reviewer, case_id=case.pk,
                                              eligible=plan.opinion_eligible,
                                              opinion_text=opinion)
        if case.state == S.PUBLICITY:
            # Still running: posted in the last five days; over: posted 8–12 days ago.
            still_running = plan.target in {S.PUBLICITY, S.OBJECTION, S.REINVESTIGATING}
            ends_on = self._backdate_to_publicity(case, self.posting_day(
                *((self.today - timedelta(days=5), self.today) if still_running else
                  (self.today - timedelta(days=12), self.today - timedelta(days=8)))))
            if not still_running:
                # The nightly job of the day after the period closes it, as it would have.
                publicity.publicity_close_due(ends_on + timedelta(days=1))
                self._stamp(case, {"close_publicity": ends_on + timedelta(days=1)}, time(1, 0))
            case = Case.objects.get(pk=case.pk)
        if plan.target == S.PUBLICITY:
            return case
        if plan.target in {S.OBJECTION, S.REINVESTIGATING}:
            notice = case.publicities.get()
            publicity.objection_file(token=notice.public_token, content=OBJECTION_TEXT,
                                     contact_name="本村村民（不愿透露姓名）")
            if plan.target == S.REINVESTIGATING:
                return publicity.case_reinvestigate(actor=self.users[STAFF[plan.township][0]],
                                                    case_id=case.pk)
            return Case.objects.get(pk=case.pk)
        if plan.target == S.COUNTY_REVIEW:
            return case
        if plan.meeting:
            temporary.meeting_record(
                actor=self.county, case_id=case.pk, held_on=self.today,
                attendees="区民政局、财政局、卫健局、医保局及乡镇分管负责人",
                decision="同意给予临时救助，分两次发放", approved_amount=plan.amount)
        if plan.target == S.REJECTED:
            reason = STORIES[plan.story][1] % {"pc": case.per_capita_income,
                                                "std": case.standard}
            return decision.case_reject(actor=self.county, case_id=case.pk, reason=reason)
        decider = reviewer if decider_roles(case) == frozenset({Role.REVIEWER}) else self.county
        return decision.case_approve(actor=decider, case_id=case.pk)

    # -- backdating --------------------------------------------------------------------------
    # The services date every step today. A 公示 runs 7 days and the service posts one from
    # three days ago at the earliest, so a demo that shows notices in their last days, cases
    # waiting for the county after a finished notice, and an overdue list needs some cases
    # whose earlier steps happened on earlier working days. They are moved back after the
    # real services made them, the timeline with them; audit rows keep the real time.

    def _is_working(self, day: date) -> bool:
        if day not in self._working:
            self._working[day] = working_days_between(day - timedelta(days=1), day) == 1
        return self._working[day]

    def before(self, day: date, n: int) -> date:
        """The n-th working day before `day`."""
        for _ in range(n):
            day -= timedelta(days=1)
            while not self._is_working(day):
                day -= timedelta(days=1)
        return day

    def posting_day(self, earliest: date, latest: date) -> date:
        """A working day in [earliest, latest] (village notices go up on working days)."""
        span = (latest - earliest).days + 1
        days = [d for d in (earliest + timedelta(days=i) for i in range(span))
                if self._is_working(d)]
        return self.rng.choice(days) if days else latest

    def _stamp(self, case: Case, when: dict[str, date], at: time) -> None:
        for action, day in when.items():
            CaseTransition.objects.filter(case=case, action=action).update(
                at=timezone.make_aware(datetime.combine(day, at)))

    def _accepted_on(self, case: Case, accepted_on: date) -> None:
        start_acceptance_clocks(case, family_of(case), accepted_on)
        Case.objects.filter(pk=case.pk).update(
            accepted_on=accepted_on, investigate_due=case.investigate_due,
            opinion_due=case.opinion_due, overall_due=case.overall_due,
            extended_due=case.extended_due, deadlines_provisional=case.deadlines_provisional,
            consent_signed_on=accepted_on if case.consent_signed_on else None,
            submitted_at=timezone.make_aware(datetime.combine(accepted_on, time(9, 30))),
        )
        self._stamp(case, {"submit": accepted_on}, time(9, 30))
        self._stamp(case, {"accept": accepted_on}, time(10, 0))

    def _backdate_acceptance(self, case: Case, workdays: int) -> None:
        """57号§15: the home visit starts within 3 working days; accepted `workdays` ago and
        not started, the case is on the overdue list."""
        self._accepted_on(case, self.before(self.today, workdays))

    def _backdate_to_publicity(self, case: Case, starts_on: date) -> date:
        """Accepted 6 working days before the notice posted on `starts_on`; survey, 核对 and
        the township opinion in between. Returns the notice's last day."""
        ends_on, warning = publicity.publicity_period(case.village_id, starts_on)
        surveyed, verified = self.before(starts_on, 4), self.before(starts_on, 2)
        self._accepted_on(case, self.before(starts_on, 6))
        Publicity.objects.filter(case=case).update(starts_on=starts_on, ends_on=ends_on,
                                                   warning=warning)
        Survey.objects.filter(case=case).update(surveyed_on=surveyed)
        SelfCareAssessment.objects.filter(case=case).update(assessed_on=surveyed)
        verify_due = add_working_days(surveyed, int(param("deadline.dibao.verify",
                                                          case.village_id, surveyed))).date
        VerificationRecord.objects.filter(case=case).update(
            requested_on=surveyed, due=verify_due, recorded_on=verified)
        Case.objects.filter(pk=case.pk).update(verify_due=verify_due, calculated_on=starts_on)
        self._stamp(case, {"start_investigation": self.before(starts_on, 5),
                           "complete_survey": surveyed,
                           "record_verification": verified}, time(15, 0))
        self._stamp(case, {"publish": starts_on}, time(16, 0))
        return ends_on


@transaction.atomic
def seed_cases(seed: int) -> Counter[str] | None:
    """Reserve funds and demo cases, once: None when the database already has cases."""
    ensure_case_users()
    if Case.objects.exists():
        return None
    seeder = Seeder(seed)
    seeder.reserve_funds()
    made: Counter[str] = Counter()
    for plan in PLANS:
        case = seeder.run(plan)
        if case is not None:
            made[case.state] += 1
    return made
