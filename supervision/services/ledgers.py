"""Writes of the 问题清单 / 责任清单 / 任务清单 with 销号 (domain.md §13, seed 002 "盯挂账销号").

The lifecycle is one transition table (`MOVES`), checked in one place (`_move`) under the item's
row lock:

    open → assigned → rectifying → submitted → closed (销号)
                          ↑______________|  (send_back, with the review note)

Seed 002's "三项要求" are the assignment: a responsible unit and person, rectification measures
and a deadline, all required. Evidence (PDF, JPG or PNG, recognised by its first bytes) is
attached while the item is assigned or being rectified; an item cannot be submitted, nor closed,
without at least one file.

Who does what: township clerks and reviewers register, assign and rectify their township's items;
the county admin does so for every township and for the county's own items; the auditor reads.

Who 销号 (decided here, the seed leaves it open): **the level that registered the item checks
it.** An item the county registered (省市督查反馈, audit findings, sampling, the county's meeting
tasks: whatever it hands down) is closed or sent back only by a county admin; an item a township
registered itself (排查发现, 群众反映) by that township's reviewer (乡镇审核) or the county.
Clerks never close. In every case the checker is not the person who submitted the item for 销号
(maker-checker); the check constraint `ledger_closed_by_checker` backs that in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import uuid4

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from audit.services import audit_record, save_transition
from jiuzhu.errors import ApplicationError, clean_text
from regions.models import Level, Region
from regions.scoping import region_in_scope, scope
from tickets.models import Ticket

from ..models import (
    Evidence,
    ItemSource,
    ItemState,
    LedgerItem,
    ListKind,
    Meeting,
    SampleCheck,
)

S = ItemState
WORKERS = frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER})
CHECKERS = frozenset({Role.COUNTY_ADMIN, Role.REVIEWER})
TITLE_MAX = 200  # LedgerItem.title
UNIT_MAX = 100  # LedgerItem.responsible_unit
PERSON_MAX = 50  # LedgerItem.responsible_person
NOTE_MAX = 300  # LedgerItem.review_note
EVIDENCE_NOTE_MAX = 200  # Evidence.description
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 20
# Recognised by their first bytes, not by the name or the browser's claim.
SIGNATURES = {b"%PDF-": ("application/pdf", "pdf"), b"\xff\xd8\xff": ("image/jpeg", "jpg"),
              b"\x89PNG\r\n\x1a\n": ("image/png", "png")}
EVIDENCE_STATES = frozenset({S.ASSIGNED, S.RECTIFYING})


@dataclass(frozen=True)
class Move:
    action: str
    label: str | Promise
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    checker: bool = False  # the 销号 review: maker-checker and the registering level apply


MOVES = [
    Move("assign", gettext_lazy("交办"), frozenset({S.OPEN}), S.ASSIGNED, WORKERS),
    Move("start", gettext_lazy("开始整改"), frozenset({S.ASSIGNED}), S.RECTIFYING, WORKERS),
    Move("submit", gettext_lazy("提交销号"), frozenset({S.RECTIFYING}), S.SUBMITTED, WORKERS),
    Move("close", gettext_lazy("审核销号"), frozenset({S.SUBMITTED}), S.CLOSED, CHECKERS,
         checker=True),
    Move("send_back", gettext_lazy("退回整改"), frozenset({S.SUBMITTED}), S.RECTIFYING, CHECKERS,
         checker=True),
]
MOVE_BY_ACTION = {m.action: m for m in MOVES}


def _is_county(user: Any) -> bool:
    return bool(user.is_superuser or getattr(user, "role", None) == Role.COUNTY_ADMIN)


def _checker_refusal(item: LedgerItem, actor: Any) -> str | None:
    """Why `actor` may not review this item's 销号, or None (see the module doc)."""
    if item.submitted_by_id is not None and item.submitted_by_id == actor.pk:
        return _("提交销号的人不能审核自己提交的事项，请由其他审核人销号")
    if item.county_verifies and not _is_county(actor):
        return _("该事项由县级交办，须由县级审核销号")
    return None


def may_move(item: LedgerItem, action: str, user: Any) -> bool:
    move = MOVE_BY_ACTION[action]
    return (item.state in move.sources and region_in_scope(user, item.region_id)
            and bool(user.is_superuser or getattr(user, "role", None) in move.roles)
            and not (move.checker and _checker_refusal(item, user)))


def may_attach(item: LedgerItem, user: Any) -> bool:
    return (item.state in EVIDENCE_STATES and region_in_scope(user, item.region_id)
            and bool(user.is_superuser or getattr(user, "role", None) in WORKERS))


def _move(item: LedgerItem, action: str, actor: Any) -> str:
    """Check one move and set the new state; returns the state left. The caller holds the lock,
    saves the item and writes the audit row."""
    move = MOVE_BY_ACTION[action]
    # Scope first: someone outside the region learns nothing about the item, not even its state.
    if not region_in_scope(actor, item.region_id):
        raise ApplicationError(_("该事项不在您的辖区内"), code="forbidden")
    if item.state not in move.sources:
        raise ApplicationError(
            _("该事项当前为“%(state)s”，不能“%(action)s”") % {
                "state": ItemState(item.state).label, "action": move.label},
            code="transition")
    if not (actor.is_superuser or getattr(actor, "role", None) in move.roles):
        raise ApplicationError(_("您的角色不能“%(action)s”") % {"action": move.label},
                               code="forbidden")
    if move.checker and (refusal := _checker_refusal(item, actor)):
        raise ApplicationError(refusal, code="forbidden")
    before = item.state
    item.state = move.target
    return before


def _locked(item_id: int) -> LedgerItem:
    # The item row alone (no joins), so two steps on one item queue and the second sees the
    # first's state.
    item = LedgerItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise ApplicationError(_("清单事项不存在"), code="not_found")
    return item


def _save(item: LedgerItem, actor: Any, action: str, before_state: str, fields: list[str], *,
          after: dict[str, Any] | None = None, reason: str = "") -> LedgerItem:
    save_transition(item, actor=actor, action=f"supervision.ledger_{action}",
                    region_code=item.region_id, before_state=before_state, fields=fields,
                    after=after, reason=reason)
    return item


def item_region(actor: Any, region_code: str) -> Region:
    """A township or the county itself, in force and in the actor's region."""
    region = Region.objects.filter(code=region_code or "", valid_to__isnull=True,
                                   level__in=[Level.TOWNSHIP, Level.COUNTY]).first()
    if region is None or not region_in_scope(actor, region.code):
        raise ApplicationError(_("请选择责任地区（乡镇或本县）"), field="region")
    return region


def _within(code: str, region: Region) -> bool:
    return code.startswith(region.prefix)


def _links(actor: Any, region: Region, source: str, ticket_id: int | None,
           sample_check_id: int | None, meeting_id: int | None
           ) -> tuple[Ticket | None, SampleCheck | None, Meeting | None]:
    """The records an item came from: in the actor's scope, and about the item's region."""
    ticket = check = meeting = None
    if ticket_id is not None:
        ticket = scope(actor, Ticket.objects.all()).filter(pk=ticket_id).first()
        if ticket is None or not _within(ticket.region_id, region):
            raise ApplicationError(_("未找到该工单，或工单不属于所选地区"), field="ticket")
    if sample_check_id is not None:
        check = scope(actor, SampleCheck.objects.all()).filter(pk=sample_check_id).first()
        if check is None or not _within(check.village_code, region):
            raise ApplicationError(_("未找到该抽查记录，或不属于所选地区"), field="sample_check")
    if meeting_id is not None:
        meeting = scope(actor, Meeting.objects.select_related("region")).filter(
            pk=meeting_id).first()
        # A township's meeting hands tasks to that township; the county's to any of its own.
        if meeting is None or not _within(region.code, meeting.region):
            raise ApplicationError(_("未找到该会议，或事项地区不在会议召集地区内"),
                                   field="meeting")
    if source == ItemSource.MEETING and meeting is None:
        raise ApplicationError(_("联席会议交办的事项须关联会议"), field="meeting")
    return ticket, check, meeting


@transaction.atomic
def ledger_item_create(*, actor: Any, list_kind: str, source: str, region_code: str, title: str,
                       description: str = "", ticket_id: int | None = None,
                       sample_check_id: int | None = None,
                       meeting_id: int | None = None) -> LedgerItem:
    """Register an item (state open). Other areas call this to feed the ledger: a sampling
    finding with `sample_check_id`, a hotline ticket with `ticket_id`, a meeting's task with
    `meeting_id`."""
    if not (actor.is_superuser or getattr(actor, "role", None) in WORKERS):
        raise ApplicationError(_("您的角色不能登记清单事项"), code="forbidden")
    if list_kind not in ListKind.values:
        raise ApplicationError(_("请选择清单类别"), field="list_kind")
    if source not in ItemSource.values:
        raise ApplicationError(_("请选择问题来源"), field="source")
    region = item_region(actor, region_code)
    title = clean_text(title, "title", _("事项"), limit=TITLE_MAX)
    description = clean_text(description, "description", _("具体情况"), required=False)
    ticket, check, meeting = _links(actor, region, source, ticket_id, sample_check_id, meeting_id)
    # A placeholder until the row has its id; it must fit the column (20) and be unique.
    item = LedgerItem.objects.create(
        number=f"tmp-{uuid4().hex[:16]}", list_kind=list_kind, source=source, region=region,
        title=title, description=description, ticket=ticket, sample_check=check,
        meeting=meeting, created_by=actor, county_verifies=_is_county(actor))
    # The number is the year and the row id: unique without a counter table to lock.
    item.number = f"TZ{timezone.localdate():%Y}{item.pk:06d}"
    item.save(update_fields=["number"])
    audit_record(actor=actor, action="supervision.ledger_create", obj=item,
                 region_code=region.code,
                 after={"number": item.number, "list_kind": list_kind, "source": source,
                        "state": item.state, "county_verifies": item.county_verifies,
                        "ticket": ticket_id, "sample_check": sample_check_id,
                        "meeting": meeting_id})
    return item


def _assignment(item: LedgerItem, *, responsible_unit: str, responsible_person: str,
                due_on: date | None, measures: str) -> dict[str, Any]:
    # Seed 002 "三项要求": 责任人要求、整改措施要求和整改时限要求 — all three, always.
    item.responsible_unit = clean_text(responsible_unit, "responsible_unit", _("责任单位"),
                                  limit=UNIT_MAX)
    item.responsible_person = clean_text(responsible_person, "responsible_person", _("责任人"),
                                    limit=PERSON_MAX)
    if due_on is None:
        raise ApplicationError(_("请填写整改时限"), field="due_on")
    if due_on < timezone.localdate():
        raise ApplicationError(_("整改时限不能早于今天"), field="due_on")
    item.due_on = due_on
    item.measures = clean_text(measures, "measures", _("整改措施"))
    return {"responsible_unit": item.responsible_unit,
            "responsible_person": item.responsible_person, "due_on": due_on.isoformat()}


@transaction.atomic
def ledger_item_assign(*, actor: Any, item_id: int, responsible_unit: str,
                       responsible_person: str, due_on: date | None,
                       measures: str) -> LedgerItem:
    item = _locked(item_id)
    before = _move(item, "assign", actor)
    after = _assignment(item, responsible_unit=responsible_unit,
                        responsible_person=responsible_person, due_on=due_on, measures=measures)
    return _save(item, actor, "assign", before,
                 ["responsible_unit", "responsible_person", "due_on", "measures"], after=after,
                 reason=item.measures)


@transaction.atomic
def ledger_item_start(*, actor: Any, item_id: int) -> LedgerItem:
    item = _locked(item_id)
    before = _move(item, "start", actor)
    return _save(item, actor, "start", before, [])


def _sniff(upload: UploadedFile) -> tuple[str, str]:
    head = upload.read(8)
    upload.seek(0)
    for magic, kind in SIGNATURES.items():
        if head.startswith(magic):
            return kind
    raise ApplicationError(_("佐证材料只能是 PDF、JPG 或 PNG 文件"), field="file")


@transaction.atomic
def ledger_evidence_attach(*, actor: Any, item_id: int, upload: UploadedFile | None,
                           description: str) -> Evidence:
    """Attach one evidence file while the item is assigned or being rectified (what was
    submitted for 销号 stays as the reviewer saw it)."""
    item = _locked(item_id)
    if not region_in_scope(actor, item.region_id):
        raise ApplicationError(_("该事项不在您的辖区内"), code="forbidden")
    if not (actor.is_superuser or getattr(actor, "role", None) in WORKERS):
        raise ApplicationError(_("您的角色不能上传佐证材料"), code="forbidden")
    if item.state not in EVIDENCE_STATES:
        raise ApplicationError(
            _("该事项当前为“%(state)s”，不能上传佐证材料") % {
                "state": ItemState(item.state).label}, code="transition")
    description = clean_text(description, "description", _("材料说明"), limit=EVIDENCE_NOTE_MAX)
    if upload is None or not upload.size:
        raise ApplicationError(_("请选择文件"), field="file")
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ApplicationError(_("文件不能超过10MB"), field="file")
    if item.evidence.count() >= MAX_EVIDENCE_FILES:
        raise ApplicationError(_("每个事项最多上传%(n)s份佐证材料") % {"n": MAX_EVIDENCE_FILES},
                               field="file")
    content_type, extension = _sniff(upload)
    evidence = Evidence(item=item, description=description,
                        original_name=(upload.name or "file")[:200], content_type=content_type,
                        size=upload.size, uploaded_by=actor)
    # Stored under a random name: the user's file name never becomes a path.
    evidence.file.save(f"{uuid4().hex}.{extension}", upload, save=False)
    evidence.save()
    audit_record(actor=actor, action="supervision.ledger_evidence", obj=item,
                 region_code=item.region_id,
                 after={"evidence": evidence.pk, "name": evidence.original_name},
                 reason=description)
    return evidence


def _require_evidence(item: LedgerItem) -> None:
    if not item.evidence.exists():
        raise ApplicationError(_("请先上传整改佐证材料，无佐证材料不能销号"), field="evidence")


@transaction.atomic
def ledger_item_submit(*, actor: Any, item_id: int, rectification: str) -> LedgerItem:
    """Rectified: the result in words, with evidence attached, goes to the checker."""
    item = _locked(item_id)
    before = _move(item, "submit", actor)
    item.rectification = clean_text(rectification, "rectification", _("整改情况"))
    _require_evidence(item)
    item.submitted_by, item.submitted_at = actor, timezone.now()
    return _save(item, actor, "submit", before,
                 ["rectification", "submitted_by", "submitted_at"], reason=item.rectification)


@transaction.atomic
def ledger_item_close(*, actor: Any, item_id: int, note: str = "") -> LedgerItem:
    """销号: the checker confirms the rectification (see the module doc for who)."""
    item = _locked(item_id)
    before = _move(item, "close", actor)
    item.review_note = clean_text(note, "review_note", _("审核意见"), required=False, limit=NOTE_MAX)
    _require_evidence(item)
    item.closed_by, item.closed_at = actor, timezone.now()
    return _save(item, actor, "close", before, ["review_note", "closed_by", "closed_at"],
                 reason=item.review_note)


@transaction.atomic
def ledger_item_send_back(*, actor: Any, item_id: int, note: str) -> LedgerItem:
    """Not rectified well enough: back to rectifying, with what is still missing."""
    item = _locked(item_id)
    before = _move(item, "send_back", actor)
    item.review_note = clean_text(note, "review_note", _("退回原因"), limit=NOTE_MAX)
    return _save(item, actor, "send_back", before, ["review_note"], reason=item.review_note)

