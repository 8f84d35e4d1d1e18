"""Intake through three doors (counter, online, 帮办) and the moves before investigation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import audit_record
from benefits.models import EnrollmentMember
from jiuzhu.errors import ApplicationError
from policies.models import Programme
from policies.params import param_or
from regions.scoping import region_in_scope
from registry.models import Household, Person
from registry.services import parse_money

from ..choices import (
    NUMBER_PREFIX,
    OPEN_STATES,
    PROGRAMME_FAMILY,
    CaseState,
    Channel,
    DocumentKind,
    Family,
    PublicityStatus,
    SupporterStatus,
    SupportForm,
    TemporaryKind,
)
from ..deadlines import start_acceptance_clocks
from ..models import Case, CaseDocument, CaseTransition
from ..workflow import family_of, lock, move


@dataclass
class IntakeInput:
    programme: str
    applicant_id: int | None = None
    channel: str = Channel.COUNTER
    reason: str = ""
    consent_signed_on: date | None = None
    mandate_note: str = ""
    temporary_kind: str = ""
    requested_amount: str = ""
    support_form: str = ""
    supporter_status: str = ""
    accept_now: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _programme(code: str) -> Programme:
    programme = Programme.objects.filter(code=code, active=True).first()
    if programme is None or code not in PROGRAMME_FAMILY:
        raise ApplicationError(_("请选择救助项目"), field="programme")
    return programme


def _check_family_fields(family: str, data: IntakeInput) -> dict[str, Any]:
    """Fields only some procedures need; each missing one is named."""
    values: dict[str, Any] = {}
    if family == Family.TEMPORARY:
        if data.temporary_kind not in TemporaryKind.values:
            raise ApplicationError(_("请选择临时救助类型"), field="temporary_kind")
        if not str(data.requested_amount).strip():
            raise ApplicationError(_("请填写申请救助金额"), field="requested_amount")
        amount = parse_money(data.requested_amount, "requested_amount")
        if amount <= 0:
            raise ApplicationError(_("金额须大于零"), field="requested_amount")
        values |= {"temporary_kind": data.temporary_kind, "requested_amount": amount}
    if family == Family.TEKUN:
        if data.support_form not in SupportForm.values:
            raise ApplicationError(_("请选择供养方式"), field="support_form")
        if data.supporter_status not in SupporterStatus.values:
            raise ApplicationError(_("请选择法定义务人情况"), field="supporter_status")
        values |= {"support_form": data.support_form, "supporter_status": data.supporter_status}
    return values


def _refuse_duplicates(programme: Programme, applicant: Person) -> None:
    open_case = Case.objects.filter(applicant=applicant, programme=programme,
                                    state__in=sorted(OPEN_STATES)).first()
    if open_case is not None:
        raise ApplicationError(
            _("该申请人已有正在办理的%(p)s申请（%(n)s），不能重复申请") % {
                "p": programme.name, "n": open_case.number},
            field="programme", code="duplicate",
        )
    if EnrollmentMember.objects.filter(person=applicant, programme=programme,
                                       active=True).exists():
        raise ApplicationError(_("该申请人正在享受%(p)s") % {"p": programme.name},
                               field="programme", code="duplicate")


def new_case(*, actor: Any, household: Household, applicant: Person, programme: Programme,
            channel: str, data: IntakeInput, actor_label: str = "") -> Case:
    family = PROGRAMME_FAMILY[programme.code]
    extra = _check_family_fields(family, data)
    if len(data.reason) > 2000:
        raise ApplicationError(_("申请理由不超过2000字"), field="reason")
    _refuse_duplicates(programme, applicant)
    staff = actor if getattr(actor, "pk", None) else None
    try:
        with transaction.atomic():
            case = Case.objects.create(
                programme=programme, household=household, applicant=applicant,
                village_id=household.village_id, urban_rural=household.urban_rural,
                channel=channel, reason=data.reason.strip(),
                consent_signed_on=data.consent_signed_on,
                helper=staff if channel == Channel.PROXY else None,
                mandate_note=data.mandate_note.strip(), created_by=staff, **extra,
            )
    except IntegrityError as exc:  # a concurrent application for the same person got there first
        raise ApplicationError(_("该申请人已有正在办理的同类申请"), field="programme",
                               code="duplicate") from exc
    year = timezone.localdate().year
    case.number = f"{NUMBER_PREFIX[Family(family)]}{year}{case.pk:06d}"
    case.save(update_fields=["number"])
    CaseTransition.objects.create(case=case, action="submit", from_state="",
                                  to_state=CaseState.SUBMITTED, actor=staff,
                                  actor_label=actor_label)
    audit_record(actor=staff, action="case.submit", obj=case, region_code=case.village_id,
                 after={"number": case.number, "programme": programme.code, "channel": channel})
    return case


def _accept(case: Case, actor: Any, accepted_on: date) -> None:
    family = family_of(case)
    move(case, "accept", actor=actor)
    case.delegated = bool(param_or("township.delegated_approval", case.village_id,
                                   accepted_on, False))
    start_acceptance_clocks(case, family, accepted_on)
    case.save()


@transaction.atomic
def case_create(*, actor: Any, household: Household, data: IntakeInput) -> Case:
    """An application taken by staff: at the counter (clerk) or on someone's behalf (帮办)."""
    if not region_in_scope(actor, household.village_id):
        raise ApplicationError(_("家庭不在您的辖区内"), field="household")
    if data.channel not in {Channel.COUNTER, Channel.PROXY}:
        raise ApplicationError(_("请选择申请渠道"), field="channel")
    if actor.role == Role.GRID_WORKER and data.channel != Channel.PROXY:
        raise ApplicationError(_("网格员只能帮办代办申请"), field="channel")
    if data.channel == Channel.PROXY and not data.mandate_note.strip():
        raise ApplicationError(_("帮办代办须说明委托情况（谁委托、为何不能本人申请）"),
                               field="mandate_note")
    if data.consent_signed_on and data.consent_signed_on > timezone.localdate():
        raise ApplicationError(_("授权书签署日期不能晚于今天"), field="consent_signed_on")
    programme = _programme(data.programme)
    applicant = household.applicant_person() if data.applicant_id is None else (
        household.members.filter(pk=data.applicant_id).first())
    if applicant is None or applicant.excluded:
        raise ApplicationError(_("请选择本家庭的共同生活成员作为申请人"), field="applicant")
    case = new_case(actor=actor, household=household, applicant=applicant, programme=programme,
                   channel=data.channel, data=data)
    if data.accept_now:
        if actor.role != Role.CLERK and not actor.is_superuser:
            raise ApplicationError(_("只有乡镇经办人员可以受理"), field="accept_now")
        _accept(case, actor, timezone.localdate())
    return case


@transaction.atomic
def case_accept(*, actor: Any, case_id: int) -> Case:
    case = lock(case_id)
    _accept(case, actor, timezone.localdate())
    return case


def _simple(action: str, *, actor: Any, case_id: int, reason: str = "") -> Case:
    case = lock(case_id)
    move(case, action, actor=actor, reason=reason)
    case.save()
    return case


@transaction.atomic
def case_return(*, actor: Any, case_id: int, reason: str) -> Case:
    """退回补正: 57号§10 asks for every missing item at once, so the reason lists them all."""
    return _simple("return", actor=actor, case_id=case_id, reason=reason)


@transaction.atomic
def case_resubmit(*, actor: Any, case_id: int, reason: str = "") -> Case:
    return _simple("resubmit", actor=actor, case_id=case_id, reason=reason)


def _take_down_notices(case: Case) -> None:
    """A closed case leaves no notice on the village page and takes no more objections."""
    case.publicities.filter(
        status__in=[PublicityStatus.ACTIVE, PublicityStatus.OBJECTED]
    ).update(status=PublicityStatus.WITHDRAWN)


@transaction.atomic
def case_withdraw(*, actor: Any, case_id: int, reason: str) -> Case:
    case = _simple("withdraw", actor=actor, case_id=case_id, reason=reason)
    _take_down_notices(case)
    return case


@transaction.atomic
def case_terminate(*, actor: Any, case_id: int, reason: str) -> Case:
    case = _simple("terminate", actor=actor, case_id=case_id, reason=reason)
    _take_down_notices(case)
    return case


MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# Recognised by their first bytes, not by the name or the browser's claim.
SIGNATURES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg",
              b"\x89PNG\r\n\x1a\n": "image/png"}


def _sniff(upload: UploadedFile) -> str:
    head = upload.read(8)
    upload.seek(0)
    for magic, content_type in SIGNATURES.items():
        if head.startswith(magic):
            return content_type
    raise ApplicationError(_("只能上传 PDF、JPG 或 PNG 文件"), field="file")


@transaction.atomic
def document_attach(*, actor: Any, case: Case, kind: str, upload: UploadedFile) -> CaseDocument:
    if not region_in_scope(actor, case.village_id):
        raise ApplicationError(_("案件不在您的辖区内"), code="forbidden")
    if kind not in DocumentKind.values:
        raise ApplicationError(_("请选择材料类型"), field="kind")
    if not upload.size:
        raise ApplicationError(_("文件为空"), field="file")
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ApplicationError(_("文件不能超过10MB"), field="file")
    content_type = _sniff(upload)
    document = CaseDocument(case=case, kind=kind, token=secrets.token_hex(16),
                            original_name=(upload.name or "file")[:200],
                            content_type=content_type, size=upload.size, uploaded_by=actor)
    document.file.save(document.token, upload, save=False)
    document.save()
    audit_record(actor=actor, action="case.document_attach", obj=case,
                 region_code=case.village_id,
                 after={"document": document.pk, "kind": kind, "name": document.original_name})
    return document
