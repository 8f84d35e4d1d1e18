"""Reads of the public portal. Only what domain.md §7 allows leaves here: masked names,
household size, programme, amounts, dates, states and department phones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from benefits.models import Enrollment
from cases.choices import OPEN_STATES, PROGRAMME_FAMILY, CaseState, Family, ObjectionOutcome
from cases.choices import PublicityStatus as PS
from cases.deadlines import Clock, clocks_for
from cases.models import Case, Objection, Publicity
from policies.models import Programme
from policies.params import param_or
from regions.models import Level, Region
from regions.scoping import code_range
from registry.masking import mask_name

S = CaseState
OUTCOME_DAYS = 30


def portal_county() -> Region | None:
    return (Region.objects.filter(level=Level.COUNTY, valid_to__isnull=True)
            .order_by("code").first())


def site_context() -> dict[str, Any]:
    """Header and footer of every public page: the county's name and the 民政 phone."""
    county = portal_county()
    dibao = Programme.objects.select_related("department").filter(code="dibao_rural").first()
    return {
        "county_name": county.name if county else "",
        "service_department": dibao.department.name if dibao else "",
        "service_phone": dibao.department.phone if dibao else "",
    }


def county_villages() -> list[Region]:
    county = portal_county()
    qs = Region.objects.filter(level=Level.VILLAGE, valid_to__isnull=True).select_related("parent")
    if county is not None:
        qs = qs.filter(code__range=code_range(county.prefix))
    return list(qs.order_by("code"))


def village_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Villages grouped by township, for an <optgroup> select."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for v in county_villages():
        groups.setdefault(v.parent.name if v.parent else "", []).append((v.code, v.name))
    return list(groups.items())


def online_programmes() -> list[Programme]:
    return list(Programme.objects.filter(code__in=PROGRAMME_FAMILY, active=True)
                .select_related("department"))


# ---- 公示 -----------------------------------------------------------------------------------

def _current(today: date) -> Any:
    """Notices in their period today. A notice of a withdrawn or terminated case is not one."""
    return Publicity.objects.filter(
        starts_on__lte=today, ends_on__gte=today, status__in=[PS.ACTIVE, PS.OBJECTED],
        case__state__in=sorted(OPEN_STATES),
    )


@dataclass(frozen=True)
class VillageNotices:
    village: Region
    count: int


def villages_with_notices(today: date) -> list[tuple[str, list[VillageNotices]]]:
    counts = dict(_current(today).values("village_id").annotate(n=Count("case_id", distinct=True))
                  .values_list("village_id", "n"))
    villages = Region.objects.filter(code__in=counts).select_related("parent").order_by("code")
    groups: dict[str, list[VillageNotices]] = {}
    for v in villages:
        groups.setdefault(v.parent.name if v.parent else "", []).append(
            VillageNotices(v, counts[v.code]))
    return list(groups.items())


@dataclass(frozen=True)
class Notice:
    masked_name: str
    household_size: int
    programme_name: str
    amount: Any
    starts_on: date
    ends_on: date
    opinion: str
    status_label: str | Promise
    phone: str
    token: str
    objected: bool


def village_notices(village_code: str, today: date) -> list[Notice]:
    rows = (_current(today).filter(village_id=village_code)
            .select_related("case__programme__department").order_by("-round", "starts_on", "id"))
    latest: dict[int, Publicity] = {}
    for p in rows:  # a case posted again after an objection shows its latest round only
        latest.setdefault(p.case_id, p)
    notices = []
    for p in sorted(latest.values(), key=lambda p: (p.starts_on, p.id)):
        objected = p.status == PS.OBJECTED
        notices.append(Notice(
            masked_name=p.masked_name, household_size=p.household_size,
            programme_name=p.programme_name, amount=p.amount, starts_on=p.starts_on,
            ends_on=p.ends_on, opinion=p.opinion,
            status_label=_("有异议，正在复查") if objected else _("公示中"),
            phone=p.case.programme.department.phone, token=p.public_token, objected=objected,
        ))
    return notices


@dataclass(frozen=True)
class OutcomeRow:
    masked_name: str
    programme_name: str
    resolved_on: date
    outcome_label: str
    outcome_text: str


def objection_outcomes(village_code: str, today: date) -> list[OutcomeRow]:
    """Findings on objections of the last 30 days; never who objected or how to reach them."""
    since = today - timedelta(days=OUTCOME_DAYS)
    rows = (Objection.objects.filter(publicity__village_id=village_code,
                                     resolved_at__date__gte=since)
            .exclude(outcome=ObjectionOutcome.PENDING).select_related("publicity")
            .only("outcome", "outcome_text", "resolved_at", "publicity__masked_name",
                  "publicity__programme_name", "publicity_id")
            .order_by("-resolved_at", "-id"))
    seen, result = set(), []
    for o in rows:  # objections resolved together share one finding
        key = (o.publicity_id, o.outcome, o.outcome_text)
        if key in seen or o.resolved_at is None:
            continue
        seen.add(key)
        result.append(OutcomeRow(o.publicity.masked_name, o.publicity.programme_name,
                                 timezone.localtime(o.resolved_at).date(),
                                 o.get_outcome_display(), o.outcome_text))
    return result


def open_publicity(token: str, today: date) -> Publicity | None:
    return _current(today).filter(public_token=token).first()


# ---- progress -------------------------------------------------------------------------------

NEXT_STEP: dict[str, Promise] = {
    S.SUBMITTED: _("申请已提交。乡镇（街道）将审查申请材料：齐全的予以受理，不齐全的一次性告知"
                   "需要补正的全部内容。受理时请带身份证、户口簿，并由家庭成员签署经济状况核对授权书。"),
    S.RETURNED: _("申请材料需要补正。请按乡镇（街道）一次性告知的内容补齐材料后重新提交。"),
    S.ACCEPTED: _("已受理。工作人员将到您家中入户调查，请保持电话畅通并配合调查。"),
    S.INVESTIGATING: _("正在入户调查，了解家庭收入、财产和生活状况。请如实提供情况。"),
    S.VERIFYING: _("正在核对家庭经济状况（收入、存款、车辆、房产等），您无需另外办理。"),
    S.TOWNSHIP_OPINION: _("乡镇（街道）正在根据调查和核对结果提出审核意见。"),
    S.PUBLICITY: _("审核意见正在村（社区）公示，公示期满无异议后报送审批。"),
    S.OBJECTION: _("公示期间收到群众异议，乡镇（街道）将重新调查核实。"),
    S.REINVESTIGATING: _("正在对公示异议进行复查，复查后重新提出审核意见。"),
    S.COUNTY_REVIEW: _("正在审批。作出决定后会书面通知您。"),
    S.PREPAID: _("已先行发放救助金，工作人员将补办相关手续。"),
    S.APPROVED: _("已批准。救助金按月发放到您的一卡通账户，结果见下方。"),
    S.REJECTED: _("不予批准，理由见下方。如对决定不服，可以依法申请行政复议或者提起行政诉讼。"),
    S.WITHDRAWN: _("申请已撤回。如有需要，可以重新申请。"),
    S.TERMINATED: _("办理已终止。如有疑问，请联系乡镇（街道）民政窗口。"),
}
ONE_OFF_APPROVED = _("已批准。临时救助金一次性发放，结果见下方。")


@dataclass(frozen=True)
class Step:
    on: date
    label: str


@dataclass(frozen=True)
class Progress:
    case: Case
    masked_name: str
    state_label: str
    submitted_on: date
    clock: Clock | None
    next_step: str
    timeline: list[Step]
    enrollment: Enrollment | None
    notices: list[str]


def progress_of(case: Case, today: date) -> Progress:
    clock = clocks_for([case], today).get(case.pk)
    timeline = [Step(timezone.localtime(t.at).date(), str(CaseState(t.to_state).label))
                for t in case.transitions.only("at", "to_state").order_by("at", "id")]
    enrollment = (Enrollment.objects.filter(case=case).first()
                  if case.state == S.APPROVED else None)
    notices = []
    if case.accepted_on:
        notices.append("receipt")
    if case.state == S.APPROVED and enrollment is not None:
        notices.append("approval")
    if case.state == S.REJECTED:
        notices.append("rejection")
    return Progress(
        case=case, masked_name=mask_name(case.applicant.name),
        state_label=str(CaseState(case.state).label),
        submitted_on=timezone.localtime(case.submitted_at).date(), clock=clock,
        next_step=str(ONE_OFF_APPROVED if enrollment is not None and enrollment.one_off
                      else NEXT_STEP.get(case.state) or ""), timeline=timeline,
        enrollment=enrollment, notices=notices,
    )


def allowed_notice(case: Case, kind: str) -> bool:
    """The receipt always; otherwise only the notice that matches the outcome."""
    if kind == "receipt":
        return True
    return (kind, case.state) in {("approval", S.APPROVED), ("rejection", S.REJECTED)}


# ---- what happens next after applying (domain.md §2.5, §3.2, §4) -----------------------------

def next_steps(case: Case, today: date) -> list[tuple[str, str]]:
    """The procedure ahead with its time limits in working days, from the parameters in force."""
    family = PROGRAMME_FAMILY.get(case.programme_id)
    r = case.village_id

    def d(key: str, default: int) -> int:
        return int(param_or(key, r, today, default))

    publicity_days = d("publicity.length", 7)
    if family == Family.TEKUN:
        rows = [
            (_("受理"), _("乡镇（街道）审查材料，齐全的予以受理，不齐全的一次性告知补正内容")),
            (_("调查与初审"), _("受理后%(n)d个工作日内提出初审意见（含入户调查、自理能力评估）")
             % {"n": d("deadline.tekun.township", 15)}),
            (_("公示"), _("在村（社区）公示%(n)d天，有异议的重新调查") % {"n": publicity_days}),
            (_("审核确认"), _("县级民政部门收到材料后%(n)d个工作日内作出决定")
             % {"n": d("deadline.tekun.county", 15)}),
            (_("结果告知"), _("批准的次月起享受供养；不予批准的书面告知理由")),
        ]
    elif family == Family.TEMPORARY:
        rows = [
            (_("受理"), _("乡镇（街道）审查材料，齐全的予以受理，不齐全的一次性告知补正内容")),
            (_("调查"), _("受理后%(n)d个工作日内启动调查核实")
             % {"n": d("deadline.dibao.investigate", 3)}),
            (_("急难型"), _("情况紧急的可以先行救助，再补办手续")),
            (_("审批"), _("乡镇（街道）或县级民政部门按金额审批，作出决定后告知您")),
        ]
    else:
        rows = [
            (_("受理"), _("乡镇（街道）审查材料，齐全的予以受理，不齐全的一次性告知补正内容")),
            (_("入户调查"), _("受理后%(n)d个工作日内启动入户调查")
             % {"n": d("deadline.dibao.investigate", 3)}),
            (_("经济状况核对"), _("县级民政部门收到核对申请后%(n)d个工作日内启动核对")
             % {"n": d("deadline.dibao.verify", 3)}),
            (_("公示"), _("审核意见在村（社区）公示%(n)d天") % {"n": publicity_days}),
            (_("审批"), _("县级民政部门收到材料后%(n)d个工作日内作出决定")
             % {"n": d("deadline.dibao.county", 10)}),
            (_("办结时限"),
             _("自受理之日起%(n)d个工作日内办结；有异议等特殊情况可延长至%(m)d个工作日")
             % {"n": d("deadline.dibao.overall", 30), "m": d("deadline.dibao.extended", 45)}),
            (_("不予批准"), _("作出决定后%(n)d个工作日内书面告知理由")
             % {"n": d("deadline.dibao.reject", 3)}),
        ]
    return [(str(a), str(b)) for a, b in rows]
