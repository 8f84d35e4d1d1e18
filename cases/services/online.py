"""Online applications from the citizen portal (57号§4: apply on paper or online).

The applicant is not logged in, so nothing here may tell a stranger who is registered: a known
ID number files under its household exactly as an unknown one creates a new household, and the
differences (another name, other members) are noted for the clerk who accepts the case. Only an
open application or a running benefit for the same programme is refused, as the counter would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import audit_record
from benefits.models import EnrollmentMember
from jiuzhu.errors import ApplicationError
from policies.models import Programme
from regions.models import Level, Region
from registry.choices import Relation
from registry.idcard import IdCheck
from registry.models import Household, Person
from registry.services import MemberInput, person_from_check, validated_id

from ..choices import OPEN_STATES, PROGRAMME_FAMILY, Channel
from ..models import Case, CaseTransition
from .intake import IntakeInput, new_case

ONLINE_PROGRAMMES = ("dibao_urban", "dibao_rural", "tekun", "temporary")
ACTOR_LABEL = gettext_lazy("申请人网上申请")
# 57号§9: the signed 授权书 is still collected at acceptance; this records what was ticked.
CONSENT_TEXT = gettext_lazy(
    "本人代表共同生活的家庭成员，同意并授权民政部门依法查询、核对家庭成员的户籍、收入、财产等"
    "经济状况信息；书面授权书在受理时由家庭成员签署。"
)


@dataclass
class MemberRow:
    name: str = ""
    id_number: str = ""
    relation: str = ""

    @property
    def blank(self) -> bool:
        return not (self.name.strip() or self.id_number.strip() or self.relation)


@dataclass
class OnlineApplication:
    programme: str
    village_code: str
    address: str
    applicant_name: str
    applicant_id_number: str
    phone: str
    reason: str
    consent_agreed: bool
    members: list[MemberRow] = field(default_factory=list)
    temporary_kind: str = ""
    requested_amount: str = ""
    support_form: str = ""
    supporter_status: str = ""


def _programme(code: str) -> Programme:
    programme = Programme.objects.filter(code=code, active=True).first()
    if programme is None or code not in ONLINE_PROGRAMMES or code not in PROGRAMME_FAMILY:
        raise ApplicationError(_("请选择救助项目"), field="programme")
    return programme


def _village(code: str) -> Region:
    village = Region.objects.filter(code=code, level=Level.VILLAGE, valid_to__isnull=True).first()
    if village is None:
        raise ApplicationError(_("请选择所在的村（社区）"), field="village")
    return village


def _phone(raw: str) -> str:
    phone = raw.strip()
    if not phone:
        raise ApplicationError(_("请填写联系电话，工作人员会电话联系您"), field="phone")
    if not (phone.replace("-", "").isdigit() and 7 <= len(phone) <= 20):
        raise ApplicationError(_("联系电话格式不正确"), field="phone")
    return phone


def _members(rows: list[MemberRow], applicant: IdCheck) -> list[tuple[MemberInput, IdCheck]]:
    """The declared other members, each checked like the registry checks them."""
    seen = {applicant.normalized}
    checked = []
    for i, row in enumerate(rows):
        if row.blank:
            continue
        prefix = f"m{i}_"
        if not row.name.strip():
            raise ApplicationError(_("请填写该成员的姓名"), field=f"{prefix}name")
        if len(row.name.strip()) > 50:
            raise ApplicationError(_("姓名不超过50字"), field=f"{prefix}name")
        if row.relation not in Relation.values or row.relation == Relation.APPLICANT:
            raise ApplicationError(_("请选择与申请人的关系"), field=f"{prefix}relation")
        idc = validated_id(row.id_number, f"{prefix}id_number")
        if idc.normalized in seen:
            raise ApplicationError(_("同一家庭中身份证号码重复"), field=f"{prefix}id_number")
        seen.add(idc.normalized)
        checked.append((MemberInput(name=row.name.strip(), id_number=idc.normalized,
                                    relation=row.relation, field_prefix=prefix), idc))
    return checked


def _refuse_duplicate(programme: Programme, applicant: Person) -> None:
    """As the counter refuses it, but without the other case's number: whoever knows an ID
    number must not learn a case number (the key to the progress query) from this page."""
    open_case = Case.objects.filter(applicant=applicant, programme=programme,
                                    state__in=sorted(OPEN_STATES)).exists()
    enrolled = EnrollmentMember.objects.filter(person=applicant, programme=programme,
                                               active=True).exists()
    if open_case or enrolled:
        raise ApplicationError(
            _("该申请人已有正在办理的%(p)s申请或正在享受该项救助，不能重复申请。"
              "如需了解办理进度，请使用“进度查询”，或联系乡镇（街道）民政窗口。")
            % {"p": programme.name},
            field="programme", code="duplicate",
        )


def _new_household(village: Region, data: OnlineApplication, applicant: MemberInput,
                   applicant_idc: IdCheck,
                   members: list[tuple[MemberInput, IdCheck]]) -> tuple[Household, list[str]]:
    """`registry.services.household_create` refuses an actor without a region, so the portal
    registers the household here with the same checks. A member whose ID number is registered
    elsewhere is left out and noted for the clerk instead of being reported to the public."""
    household = Household.objects.create(
        village=village, address=data.address.strip(), phone=applicant.phone,
        urban_rural=village.default_urban_rural, created_by=None,
    )
    registered = set(Person.objects.filter(
        id_number__in=[idc.normalized for _m, idc in members]).values_list("id_number", flat=True))
    left_out = [m.name for m, idc in members if idc.normalized in registered]
    rows = [(applicant, applicant_idc)] + [(m, idc) for m, idc in members
                                          if idc.normalized not in registered]
    try:
        with transaction.atomic():
            for member, idc in rows:
                person_from_check(household, member, idc).save()
    except IntegrityError as exc:  # a concurrent registration took one of the numbers
        raise ApplicationError(_("提交时发生冲突，请稍后重新提交"), code="conflict") from exc
    audit_record(actor=None, action="household.create", obj=household, region_code=village.code,
                 after={"members": [idc.normalized for _m, idc in rows], "channel": "online"})
    return household, left_out


def _staff_note(*, existing: Person | None, declared_name: str, village: Region,
                left_out: list[str], declared_count: int) -> str:
    notes = [_("网上申请：申请人已勾选同意授权核对家庭经济状况，书面授权书待受理时签署。")]
    if existing is not None:
        notes.append(_("申请人已有家庭档案，本申请登记在原家庭下。"))
        if declared_count:
            notes.append(_("网上申报的%(n)d名其他成员未写入档案（见审计记录），受理时请核实家庭成员。")
                         % {"n": declared_count})
        if existing.name != declared_name:
            notes.append(_("网上填写的姓名“%(d)s”与档案姓名不一致，受理时请核实身份。")
                         % {"d": declared_name})
        if existing.household.village_id != village.code:
            notes.append(_("网上填写的所在村（社区）为%(v)s，与档案不一致。")
                         % {"v": village.full_name()})
    if left_out:
        notes.append(_("申报成员%(names)s的身份证号码已登记在其他家庭，未写入本户，受理时请核实。")
                     % {"names": "、".join(left_out)})
    return "".join(notes)


@transaction.atomic
def case_apply_online(*, data: OnlineApplication) -> Case:
    """Register (or find) the household and file the application in state submitted."""
    programme = _programme(data.programme)
    if not data.consent_agreed:
        raise ApplicationError(_("须同意授权核对家庭经济状况后才能提交申请"), field="consent")
    village = _village(data.village_code)
    if not data.address.strip():
        raise ApplicationError(_("请填写居住地址"), field="address")
    if len(data.address.strip()) > 200:
        raise ApplicationError(_("居住地址不超过200字"), field="address")
    name = data.applicant_name.strip()
    if not name:
        raise ApplicationError(_("请填写申请人姓名"), field="applicant_name")
    if len(name) > 50:
        raise ApplicationError(_("姓名不超过50字"), field="applicant_name")
    applicant_idc = validated_id(data.applicant_id_number, "applicant_id_number")
    phone = _phone(data.phone)
    members = _members(data.members, applicant_idc)
    if not data.reason.strip():
        raise ApplicationError(_("请简要说明申请理由（家庭困难情况）"), field="reason")

    existing = Person.objects.select_related("household").filter(
        id_number=applicant_idc.normalized).first()
    left_out: list[str] = []
    if existing is not None:
        household, applicant = existing.household, existing
    else:
        applicant_input = MemberInput(name=name, id_number=applicant_idc.normalized,
                                      relation=Relation.APPLICANT, phone=phone)
        household, left_out = _new_household(village, data, applicant_input, applicant_idc,
                                             members)
        applicant = household.members.get(id_number=applicant_idc.normalized)
    _refuse_duplicate(programme, applicant)
    case = new_case(
        actor=None, household=household, applicant=applicant, programme=programme,
        channel=Channel.ONLINE, actor_label=str(ACTOR_LABEL),
        data=IntakeInput(
            programme=programme.code, channel=Channel.ONLINE, reason=data.reason,
            consent_signed_on=None, temporary_kind=data.temporary_kind,
            requested_amount=data.requested_amount, support_form=data.support_form,
            supporter_status=data.supporter_status,
        ),
    )
    # The note rides on the submit step of the case's own timeline, where the accepting clerk
    # reads it; the public progress page shows dates and states only.
    note = _staff_note(existing=existing, declared_name=name, village=village, left_out=left_out,
                       declared_count=len(members))
    CaseTransition.objects.filter(case=case, action="submit").update(reason=note)
    audit_record(actor=None, action="case.online_consent", obj=case, region_code=case.village_id,
                 after=_declaration(data, name, phone, village, members))
    return case


def _declaration(data: OnlineApplication, name: str, phone: str, village: Region,
                 members: list[tuple[MemberInput, IdCheck]]) -> dict[str, Any]:
    """What the applicant declared and agreed to, as submitted (staff-only audit trail)."""
    return {
        "consent_agreed": True,
        "consent_text": str(CONSENT_TEXT),
        "agreed_at": timezone.now().isoformat(),
        "declared": {
            "name": name, "phone": phone, "village": village.code,
            "address": data.address.strip(),
            "members": [{"name": m.name, "id_number": idc.normalized, "relation": m.relation}
                        for m, idc in members],
        },
    }
