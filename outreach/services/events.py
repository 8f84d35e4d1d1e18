"""Writes of 救助赶大集 outreach events (seed 003, domain.md §11).

An event is planned (editable until its day), then held: from its date on, the workers at the
stall record what they did there — consultations, 社情民意 forms, materials handed out, 帮办
applications started on the spot (each one case) and difficulty leads (each one household, for
the grid worker's visit list). A wish heard at the stall goes into the 微心愿 ledger with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from cases.models import Case
from jiuzhu.errors import ApplicationError, clean_text
from regions.models import PREFIX_LENGTH, Level, Region
from regions.scoping import region_in_scope, scope

from ..models import EntryKind, EventEntry, OutreachEvent, WishSource
from ..selectors.events import visible_events
from .wishes import wish_record

TITLE_MAX = 100  # OutreachEvent.title
PLACE_MAX = 200  # OutreachEvent.place
NOTE_MAX = 200  # OutreachEvent.staff_note, EventEntry.note
# One entry is one tally line; a count beyond this is a typing slip, not a market day.
COUNT_MAX = 9999
# Kinds that name exactly one object (the model's check constraints say the same).
SINGLE_KINDS = {EntryKind.APPLICATION, EntryKind.LEAD}


@dataclass(frozen=True)
class EventInput:
    title: str
    region_code: str
    place: str
    held_on: date
    staff_ids: list[int]
    staff_note: str = ""


@dataclass(frozen=True)
class WishInput:
    """A wish heard at the stall; the village may stay blank when the entry names a household."""

    content: str
    person_name: str
    village_code: str = ""
    category: str = ""


def _event_region(actor: Any, code: str) -> Region:
    region = Region.objects.filter(code=code, level__in=(Level.TOWNSHIP, Level.VILLAGE),
                                   valid_to__isnull=True).first()
    if region is None or not region_in_scope(actor, region.code):
        raise ApplicationError(_("请选择本辖区内的乡镇（街道）或村（社区）"), field="region")
    return region


def _staff(region: Region, staff_ids: list[int]) -> list[User]:
    """Staff are users working in the event's township (its villages included) or above it
    (county staff at a township market, as in seed 003)."""
    township_prefix = region.code[: PREFIX_LENGTH[Level.TOWNSHIP]]
    ids = sorted(set(staff_ids))
    users = list(User.objects.filter(pk__in=ids, is_active=True).exclude(role="")
                 .select_related("region"))
    valid = [u for u in users if u.region is not None and (
        u.region.code.startswith(township_prefix) or region.code.startswith(u.region.prefix))]
    if len(valid) != len(ids):
        raise ApplicationError(_("参加人员须为活动所在乡镇（街道）或上级的工作人员"), field="staff")
    return valid


def _clean(actor: Any, data: EventInput) -> tuple[dict[str, Any], Region, list[User]]:
    region = _event_region(actor, data.region_code)
    if data.held_on is None:
        raise ApplicationError(_("请填写活动日期"), field="held_on")
    fields = {
        "title": clean_text(data.title, "title", _("活动名称"), limit=TITLE_MAX, required=True),
        "place": clean_text(data.place, "place", _("地点"), limit=PLACE_MAX, required=True),
        "staff_note": clean_text(data.staff_note, "staff_note", _("其他参加人员"),
                                 limit=NOTE_MAX, required=False),
        "held_on": data.held_on,
    }
    return fields, region, _staff(region, data.staff_ids)


def _snapshot(event: OutreachEvent) -> dict[str, Any]:
    return {"title": event.title, "region": event.region_id, "place": event.place,
            "held_on": event.held_on.isoformat(), "staff_note": event.staff_note,
            "staff": sorted(event.staff.values_list("pk", flat=True))}


@transaction.atomic
def event_create(*, actor: Any, data: EventInput) -> OutreachEvent:
    """Plan an event, or register one already held so its tallies can be entered afterwards."""
    fields, region, staff = _clean(actor, data)
    event = OutreachEvent.objects.create(region=region, created_by=actor, **fields)
    event.staff.set(staff)
    audit_record(actor=actor, action="outreach.event_create", obj=event,
                 region_code=region.code, after=_snapshot(event))
    return event


@transaction.atomic
def event_update(*, actor: Any, event: OutreachEvent, data: EventInput) -> OutreachEvent:
    """Change a planned event. Once its day has come, what was announced and who stood at the
    stall are a record, so it can no longer change."""
    locked = scope(actor, OutreachEvent.objects.select_for_update()).filter(pk=event.pk).first()
    if locked is None:
        raise ApplicationError(_("活动不存在"), code="not_found")
    today = timezone.localdate()
    if locked.held_on <= today:
        raise ApplicationError(_("活动已经举办，不能再修改"), code="transition")
    fields, region, staff = _clean(actor, data)
    if fields["held_on"] < today:
        raise ApplicationError(_("改期后的日期不能早于今天"), field="held_on")
    before = _snapshot(locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.region = region
    locked.save()
    locked.staff.set(staff)
    audit_record(actor=actor, action="outreach.event_update", obj=locked,
                 region_code=region.code, before=before, after=_snapshot(locked))
    return locked


def _count(count: Any, kind: str) -> int:
    try:
        value = int(count)
    except (TypeError, ValueError):
        value = 0
    if value < 1:
        raise ApplicationError(_("数量须为正整数"), field="count")
    if value > COUNT_MAX:
        raise ApplicationError(_("单次录入数量不超过%(n)s") % {"n": COUNT_MAX}, field="count")
    if kind in SINGLE_KINDS and value != 1:
        raise ApplicationError(_("帮办申请和困难线索每条记录一件"), field="count")
    return value


def _application_case(actor: Any, event: OutreachEvent, number: str | None) -> Case:
    number = (number or "").strip()
    if not number:
        raise ApplicationError(_("请填写现场帮办申请的案件编号"), field="case")
    case = scope(actor, Case.objects.all()).filter(number=number).first()
    if case is None:
        raise ApplicationError(_("本辖区内没有编号为%(n)s的申请") % {"n": number}, field="case")
    if EventEntry.objects.filter(event=event, case=case).exists():
        raise ApplicationError(_("该申请已记入本次活动"), field="case", code="duplicate")
    return case


def _lead_household(actor: Any, event: OutreachEvent, household: Any) -> Any:
    if household is None:
        raise ApplicationError(_("请选择困难线索涉及的家庭"), field="household")
    if not region_in_scope(actor, household.village_id):
        raise ApplicationError(_("请选择本辖区内的家庭"), field="household")
    if EventEntry.objects.filter(event=event, kind=EntryKind.LEAD, household=household).exists():
        raise ApplicationError(_("该家庭已作为困难线索记入本次活动"), field="household",
                               code="duplicate")
    return household


def _record_wish(actor: Any, event: OutreachEvent, wish: WishInput, household: Any) -> Any:
    village_code = wish.village_code or (household.village_id if household is not None else "")
    if village_code and not region_in_scope(actor, village_code):
        raise ApplicationError(_("请选择本辖区内的村（社区）"), field="wish_village")
    try:
        return wish_record(actor=actor, village_code=village_code, content=wish.content,
                           person_name=wish.person_name, source=WishSource.EVENT,
                           household=household, event=event, category=wish.category)
    except ApplicationError as exc:
        # The ledger names its own fields; on the entry form they carry the wish_ prefix.
        raise ApplicationError(exc.message, field=f"wish_{exc.field}" if exc.field else None,
                               code=exc.code) from exc


@transaction.atomic
def entry_record(*, actor: Any, event: OutreachEvent, kind: str, count: Any = 1, note: str = "",
                 case: str | None = None, household: Any = None,
                 wish: WishInput | None = None) -> EventEntry:
    """Record one tally line of a held event. `case` is the number of a 帮办 application in the
    actor's area (kind application); `household` the household of a difficulty lead (kind
    lead), which the village's grid worker then finds on their visit list. A wish heard with
    it is recorded in the 微心愿 ledger in the same transaction."""
    locked = visible_events(actor, OutreachEvent.objects.select_for_update()).filter(
        pk=event.pk).first()
    if locked is None:
        raise ApplicationError(_("活动不存在"), code="not_found")
    if kind not in EntryKind.values:
        raise ApplicationError(_("请选择记录类别"), field="kind")
    if timezone.localdate() < locked.held_on:
        raise ApplicationError(_("活动尚未举办，%(d)s起才能录入") % {"d": locked.held_on.isoformat()},
                               code="transition")
    value = _count(count, kind)
    note = clean_text(note, "note", _("说明"), limit=NOTE_MAX, required=False)
    linked_case = None
    if kind == EntryKind.APPLICATION:
        linked_case = _application_case(actor, locked, case)
    elif (case or "").strip():
        raise ApplicationError(_("只有现场帮办申请需要填写案件编号"), field="case")
    if kind == EntryKind.LEAD:
        household = _lead_household(actor, locked, household)
    elif household is not None and not region_in_scope(actor, household.village_id):
        raise ApplicationError(_("请选择本辖区内的家庭"), field="household")
    entry = EventEntry.objects.create(event=locked, kind=kind, count=value, note=note,
                                      case=linked_case, household=household, recorded_by=actor)
    recorded_wish = _record_wish(actor, locked, wish, household) if wish is not None else None
    audit_record(actor=actor, action="outreach.event_entry_record", obj=entry,
                 region_code=locked.region_id,
                 after={"event": locked.pk, "kind": kind, "count": value,
                        "case": linked_case.number if linked_case else None,
                        "household": household.pk if household is not None else None,
                        "wish": recorded_wish.number if recorded_wish else None})
    return entry
