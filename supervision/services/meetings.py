"""Writes of the 社会救助联席会议 records (seed 002: special cases "通过社会救助联席会议制度集体会诊",
"一事一议").

A meeting is recorded after it is held, by the county admin (the county's meetings, or a
township's) or a township's clerk or reviewer (their township's). Its items are the cases
discussed, found by case number among the cases of the meeting's region that the recorder may
see, each with the decision taken; a case's own 一事一议 record (cases.JointMeeting, written by
the county on the case) is shown beside the item, not copied. Its follow-up tasks are 任务清单
items (services.ledgers), assigned at once and tracked to 销号.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import audit_record
from cases.models import Case
from jiuzhu.errors import ApplicationError, clean_text
from regions.scoping import region_in_scope, scope

from ..models import ItemSource, LedgerItem, ListKind, Meeting, MeetingItem
from .ledgers import (
    PERSON_MAX,
    TITLE_MAX,
    item_region,
    ledger_item_assign,
    ledger_item_create,
)

RECORDERS = frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER})
MEETING_TITLE_MAX = 100  # Meeting.title
MINUTES_MAX = 10000
CASE_NUMBER_MAX = 20  # Case.number


def _has_role(user: Any) -> bool:
    return bool(user.is_superuser or getattr(user, "role", None) in RECORDERS)


def may_record(meeting: Meeting, user: Any) -> bool:
    return _has_role(user) and region_in_scope(user, meeting.region_id)


@transaction.atomic
def meeting_create(*, actor: Any, region_code: str, held_on: date | None, title: str, chair: str,
                   attendees: str, minutes: str = "") -> Meeting:
    if not _has_role(actor):
        raise ApplicationError(_("您的角色不能登记联席会议"), code="forbidden")
    region = item_region(actor, region_code)
    if held_on is None:
        raise ApplicationError(_("请填写会议日期"), field="held_on")
    if held_on > timezone.localdate():
        raise ApplicationError(_("会议日期不能晚于今天（会议开过后再登记）"), field="held_on")
    meeting = Meeting.objects.create(
        region=region, held_on=held_on,
        title=clean_text(title, "title", _("会议名称"), limit=MEETING_TITLE_MAX),
        chair=clean_text(chair, "chair", _("主持人"), limit=PERSON_MAX),
        attendees=clean_text(attendees, "attendees", _("参会单位及人员")),
        minutes=clean_text(minutes, "minutes", _("会议纪要"), required=False, limit=MINUTES_MAX),
        created_by=actor)
    audit_record(actor=actor, action="supervision.meeting_create", obj=meeting,
                 region_code=region.code,
                 after={"held_on": held_on.isoformat(), "title": meeting.title})
    return meeting


def _meeting_locked(actor: Any, meeting_id: int) -> Meeting:
    # Locked so two items added at once cannot both pass the "case once per meeting" check.
    meeting = (Meeting.objects.select_for_update().select_related("region")
               .filter(pk=meeting_id).first())
    if meeting is None or not region_in_scope(actor, meeting.region_id):
        raise ApplicationError(_("联席会议不存在"), code="not_found")
    if not _has_role(actor):
        raise ApplicationError(_("您的角色不能登记会议议题"), code="forbidden")
    return meeting


@transaction.atomic
def meeting_item_add(*, actor: Any, meeting_id: int, decision: str, case_number: str = "",
                     subject: str = "") -> MeetingItem:
    """One matter discussed (一事一议): a case by its number, or a subject without a case."""
    meeting = _meeting_locked(actor, meeting_id)
    number = clean_text(case_number, "case_number", _("案件编号"), required=False,
                        limit=CASE_NUMBER_MAX).upper()
    case = None
    if number:
        # Scoped to the recorder and to the meeting's region: a case not found and a case the
        # recorder may not see read the same.
        case = (scope(actor, Case.objects.select_related("applicant", "programme"))
                .filter(number=number).first())
        if case is None or not case.village_id.startswith(meeting.region.prefix):
            raise ApplicationError(_("未找到该案件，或案件不在会议召集地区内"),
                                   field="case_number")
        if meeting.items.filter(case=case).exists():
            raise ApplicationError(_("该案件已在本次会议议题中"), field="case_number")
    subject = clean_text(subject, "subject", _("议题"), required=case is None, limit=TITLE_MAX)
    if case is not None and not subject:
        subject = f"{case.applicant.name} {case.programme.name}"[:TITLE_MAX]
    item = MeetingItem.objects.create(
        meeting=meeting, case=case, subject=subject,
        decision=clean_text(decision, "decision", _("议定事项")))
    audit_record(actor=actor, action="supervision.meeting_item_add", obj=meeting,
                 region_code=meeting.region_id,
                 after={"item": item.pk, "case": case.number if case else None,
                        "subject": subject}, reason=item.decision)
    return item


@transaction.atomic
def meeting_task_create(*, actor: Any, meeting_id: int, region_code: str, title: str,
                        responsible_unit: str, responsible_person: str, due_on: date | None,
                        measures: str, description: str = "") -> LedgerItem:
    """A follow-up task: a 任务清单 item from the meeting, assigned at once (the meeting decided
    who does what by when), then tracked to 销号 like any other item."""
    item = ledger_item_create(actor=actor, list_kind=ListKind.TASK, source=ItemSource.MEETING,
                              region_code=region_code, title=title, description=description,
                              meeting_id=meeting_id)
    return ledger_item_assign(actor=actor, item_id=item.pk, responsible_unit=responsible_unit,
                              responsible_person=responsible_person, due_on=due_on,
                              measures=measures)
