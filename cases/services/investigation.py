"""入户调查, 核对 and the 特困 self-care assessment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import audit_record
from jiuzhu.errors import ApplicationError
from regions.scoping import region_in_scope
from registry.choices import IncomeType, RecordSource
from registry.models import IncomeRecord
from registry.services import income_add, parse_money

from ..choices import CaseState, Family, VerificationResult
from ..deadlines import due_after
from ..models import Case, SelfCareAssessment, Survey, VerificationRecord
from ..tekun import care_class_for
from ..workflow import family_of, lock, move

SURVEY_STATES = {CaseState.INVESTIGATING, CaseState.REINVESTIGATING}


@dataclass
class IncomeCheck:
    """The survey's finding on one declared income record."""

    record_id: int
    action: str  # "confirm" | "correct" | "void"
    amount: str = ""


@dataclass
class NewIncome:
    person_id: int
    income_type: str
    amount: str


@dataclass
class SurveyInput:
    surveyed_on: date
    worker_2_name: str
    housing: str
    living_conditions: str
    conclusion: str
    health_and_work: str = ""
    family_signed: bool = False
    income_checks: list[IncomeCheck] = field(default_factory=list)
    new_incomes: list[NewIncome] = field(default_factory=list)


@transaction.atomic
def case_start_investigation(*, actor: Any, case_id: int) -> Case:
    case = lock(case_id)
    move(case, "start_investigation", actor=actor)
    case.save()
    return case


def _require(value: str, field_name: str, message: str) -> str:
    if not value.strip():
        raise ApplicationError(message, field=field_name)
    return value.strip()


def _review_incomes(case: Case, actor: Any, data: SurveyInput, on: date) -> list[dict[str, Any]]:
    """Confirm, correct or void declared incomes; corrections end the old record and add a
    survey-sourced one, so the registry keeps what was declared beside what was found."""
    review = []
    records = {r.pk: r for r in IncomeRecord.objects.filter(person__household=case.household)}
    for i, check in enumerate(data.income_checks):
        where = f"income_checks[{i}]"
        record = records.get(check.record_id)
        if record is None:
            raise ApplicationError(_("收入记录不属于该家庭"), field=where)
        if check.action not in {"confirm", "correct", "void"}:
            raise ApplicationError(_("请选择核实结果"), field=where)
        entry = {"record": record.pk, "action": check.action,
                 "declared": f"{record.monthly_amount:.2f}"}
        if check.action in {"correct", "void"}:
            # end_month is the last month counted, so the old record stops the month before.
            record.end_month = (on.replace(day=1) - timedelta(days=1)).replace(day=1)
            record.save(update_fields=["end_month"])
        if check.action == "correct":
            amount = parse_money(check.amount, f"{where}.amount")
            new = income_add(actor=actor, person=record.person, income_type=record.income_type,
                             monthly_amount=amount, start_month=on.replace(day=1),
                             source=RecordSource.SURVEY, note=_("入户调查更正"))
            entry |= {"found": f"{amount:.2f}", "new_record": new.pk}
        review.append(entry)
    members = {p.pk: p for p in case.household.members.all()}
    for i, found in enumerate(data.new_incomes):
        person = members.get(found.person_id)
        if person is None:
            raise ApplicationError(_("请选择本家庭成员"), field=f"new_incomes[{i}].person")
        if found.income_type not in IncomeType.values:
            raise ApplicationError(_("收入类型无效"), field=f"new_incomes[{i}].income_type")
        amount = parse_money(found.amount, f"new_incomes[{i}].amount")
        new = income_add(actor=actor, person=person, income_type=found.income_type,
                         monthly_amount=amount, start_month=on.replace(day=1),
                         source=RecordSource.SURVEY, note=_("入户调查发现"))
        review.append({"action": "new", "new_record": new.pk, "found": f"{amount:.2f}"})
    return review


@transaction.atomic
def survey_record(*, actor: Any, case_id: int, data: SurveyInput) -> Survey:
    """57号§15–16: the team has at least two people; the form is signed by staff and family."""
    case = lock(case_id)
    if not region_in_scope(actor, case.village_id):
        raise ApplicationError(_("案件不在您的辖区内"), code="forbidden")
    if actor.role not in {Role.CLERK, Role.GRID_WORKER} and not actor.is_superuser:
        raise ApplicationError(_("只有乡镇经办人员或网格员可以录入入户调查"), code="forbidden")
    if case.state not in SURVEY_STATES:
        raise ApplicationError(_("案件当前不在入户调查环节"), code="transition")
    today = timezone.localdate()
    if data.surveyed_on > today:
        raise ApplicationError(_("调查日期不能晚于今天"), field="surveyed_on")
    if case.accepted_on and data.surveyed_on < case.accepted_on:
        raise ApplicationError(_("调查日期不能早于受理日期"), field="surveyed_on")
    worker_2 = _require(data.worker_2_name, "worker_2_name", _("入户调查须有两名以上工作人员"))
    if worker_2 == actor.get_full_name():
        raise ApplicationError(_("第二名调查人不能是本人"), field="worker_2_name")
    survey = Survey.objects.create(
        case=case, surveyed_on=data.surveyed_on, worker_1=actor, worker_2_name=worker_2,
        housing=_require(data.housing, "housing", _("请填写住房情况")),
        living_conditions=_require(data.living_conditions, "living_conditions",
                                   _("请填写家庭生活状况")),
        health_and_work=data.health_and_work.strip(), family_signed=data.family_signed,
        conclusion=_require(data.conclusion, "conclusion", _("请填写调查结论")),
        income_review=_review_incomes(case, actor, data, data.surveyed_on),
    )
    audit_record(actor=actor, action="case.survey", obj=case, region_code=case.village_id,
                 after={"survey": survey.pk, "review": survey.income_review})
    return survey


@transaction.atomic
def case_complete_survey(*, actor: Any, case_id: int) -> Case:
    """Survey done: ask the county for 核对 (57号§17: it starts within 3 WD of the request)."""
    case = lock(case_id)
    survey = case.surveys.order_by("-id").first()
    if survey is None:
        raise ApplicationError(_("请先录入入户调查表"), code="transition")
    if not survey.family_signed:
        raise ApplicationError(_("入户调查表须经家庭成员签字确认"), code="transition")
    if case.consent_signed_on is None:
        raise ApplicationError(_("未收到家庭成员签署的核对授权书，不能提请核对"),
                               field="consent_signed_on", code="transition")
    move(case, "complete_survey", actor=actor)
    today = timezone.localdate()
    case.verify_due = due_after(case, today, "deadline.dibao.verify")
    VerificationRecord.objects.create(case=case, requested_on=today, due=case.verify_due)
    case.save()
    return case


@transaction.atomic
def case_consent_record(*, actor: Any, case_id: int, signed_on: date) -> Case:
    case = lock(case_id)
    if not region_in_scope(actor, case.village_id) or not case.is_open:
        raise ApplicationError(_("案件不能登记授权书"), code="transition")
    if signed_on > timezone.localdate():
        raise ApplicationError(_("授权书签署日期不能晚于今天"), field="consent_signed_on")
    before = case.consent_signed_on
    case.consent_signed_on = signed_on
    case.save(update_fields=["consent_signed_on", "updated_at"])
    audit_record(actor=actor, action="case.consent", obj=case, region_code=case.village_id,
                 before={"consent_signed_on": str(before)},
                 after={"consent_signed_on": signed_on.isoformat()})
    return case


@transaction.atomic
def verification_record(*, actor: Any, case_id: int, result: str, summary: str) -> Case:
    case = lock(case_id)
    if result not in VerificationResult.values:
        raise ApplicationError(_("请选择核对结论"), field="result")
    if not summary.strip():
        raise ApplicationError(_("请填写核对情况"), field="summary")
    record = case.verifications.order_by("-id").first()
    move(case, "record_verification", actor=actor, reason=summary)
    assert record is not None  # complete_survey created it before the case reached VERIFYING
    record.result, record.summary = result, summary.strip()
    record.recorded_by, record.recorded_on = actor, timezone.localdate()
    record.save()
    case.save()
    return case


@transaction.atomic
def selfcare_assess(*, actor: Any, case_id: int, lost: dict[str, bool], assessor: str,
                    assessed_on: date) -> SelfCareAssessment:
    """43号§20–23: six activities; the class sets the care standard."""
    case = lock(case_id)
    if not region_in_scope(actor, case.village_id):
        raise ApplicationError(_("案件不在您的辖区内"), code="forbidden")
    if family_of(case) != Family.TEKUN:
        raise ApplicationError(_("只有特困供养申请需要生活自理能力评估"), code="transition")
    if not case.is_open or case.state in {CaseState.SUBMITTED, CaseState.RETURNED}:
        raise ApplicationError(_("案件受理后、审批前才能评估"), code="transition")
    if not assessor.strip():
        raise ApplicationError(_("请填写评估人或评估机构"), field="assessor")
    if assessed_on > timezone.localdate():
        raise ApplicationError(_("评估日期不能晚于今天"), field="assessed_on")
    unknown = set(lost) - set(SelfCareAssessment.ACTIVITIES)
    if unknown:
        raise ApplicationError(_("评估项目无效"), field=sorted(unknown)[0])
    flags = {a: bool(lost.get(a)) for a in SelfCareAssessment.ACTIVITIES}
    care_class = care_class_for(sum(flags.values()))
    assessment = SelfCareAssessment.objects.create(
        case=case, care_class=care_class, assessor=assessor.strip(), assessed_on=assessed_on,
        recorded_by=actor, **flags,
    )
    before = case.care_class
    case.care_class = care_class
    case.save(update_fields=["care_class", "updated_at"])
    audit_record(actor=actor, action="case.selfcare", obj=case, region_code=case.village_id,
                 before={"care_class": before}, after={"care_class": care_class, **flags})
    return assessment
