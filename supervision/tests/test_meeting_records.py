"""联席会议 records: a meeting, the cases brought for 一事一议 found by number (with the case's own
一事一议 record shown), follow-up tasks as 任务清单 items tracked to 销号, and scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from audit.models import AuditEvent
from cases.models import Case, JointMeeting
from cases.services import intake
from cases.services.intake import IntakeInput
from demo.reference import COUNTY, TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.cases import VILLAGE_B, accepted_case, household_of
from jiuzhu.testing.fixtures import client_for
from supervision.models import ItemSource, ItemState, LedgerItem, ListKind, Meeting, MeetingItem
from supervision.services import ledgers
from supervision.services.meetings import meeting_create, meeting_item_add, meeting_task_create

from .test_ledger_lifecycle import attach, set_today

pytestmark = pytest.mark.django_db
BASE = "/supervision/meetings/"


@pytest.fixture(autouse=True)
def _march(monkeypatch: pytest.MonkeyPatch) -> None:
    set_today(monkeypatch, date(2026, 3, 10))


def meeting(actor: Any, region: str = COUNTY[0], **override: Any) -> Meeting:
    valid: dict[str, Any] = {"held_on": date(2026, 3, 9), "title": "2026年第一次社会救助联席会议",
             "chair": "王建国", "attendees": "民政局、人社局、医保局、卫健局",
             "minutes": "研究特殊困难个案3例"}
    return meeting_create(actor=actor, region_code=region, **(valid | override))


def task(actor: Any, m: Meeting, region: str = TOWNSHIP_A, **override: Any) -> LedgerItem:
    valid: dict[str, Any] = {"title": "落实张三家庭医疗救助", "responsible_unit": "崆峒镇民政办",
             "responsible_person": "李娟", "due_on": date(2026, 3, 20),
             "measures": "协调医保局一站式结算"}
    return meeting_task_create(actor=actor, meeting_id=m.pk, region_code=region,
                               **(valid | override))


@pytest.fixture
def case_a(clerk_a: Any) -> Case:
    return accepted_case(household_of(name="张三"))


@pytest.fixture
def case_b(clerk_b: Any) -> Case:
    return intake.case_create(actor=clerk_b, household=household_of(village=VILLAGE_B),
                              data=IntakeInput(programme="dibao_rural", accept_now=True,
                                               consent_signed_on=date(2026, 3, 10),
                                               reason="家庭困难"))


def test_a_meeting_with_cases_and_tasks_tracked_to_xiaohao(
        county_admin: Any, county_checker: Any, clerk_a: Any, case_a: Case) -> None:
    m = meeting(county_admin)
    JointMeeting.objects.create(case=case_a, held_on=date(2026, 3, 9), attendees="联席会议成员",
                                decision="给予临时救助5000元", approved_amount=Decimal("5000.00"),
                                recorded_by=county_admin)
    item = meeting_item_add(actor=county_admin, meeting_id=m.pk,
                            case_number=case_a.number.lower(), decision="同意一次性救助")
    assert (item.case_id, item.subject) == (case_a.pk, f"张三 {case_a.programme.name}")
    other = meeting_item_add(actor=county_admin, meeting_id=m.pk, subject="医疗费用报销政策衔接",
                             decision="由医保局牵头研究")
    assert other.case_id is None
    t = task(county_admin, m)
    assert (t.list_kind, t.source, t.meeting_id, t.state, t.county_verifies) == (
        ListKind.TASK, ItemSource.MEETING, m.pk, ItemState.ASSIGNED, True)
    assert (t.responsible_person, t.due_on) == ("李娟", date(2026, 3, 20))
    # The township works the task; the county (not the one who submitted) closes it.
    ledgers.ledger_item_start(actor=clerk_a, item_id=t.pk)
    attach(clerk_a, t)
    ledgers.ledger_item_submit(actor=clerk_a, item_id=t.pk, rectification="已完成结算")
    ledgers.ledger_item_close(actor=county_checker, item_id=t.pk)
    t.refresh_from_db()
    assert t.state == ItemState.CLOSED
    page = client_for(county_admin).get(f"{BASE}{m.pk}/").content.decode()
    assert case_a.number in page and "同意一次性救助" in page
    assert "给予临时救助5000元" in page  # the case's own 一事一议 record
    assert "医疗费用报销政策衔接" in page and t.number in page and "已销号" in page
    listing = client_for(county_admin).get(BASE).content.decode()
    assert "2026年第一次社会救助联席会议" in listing
    assert AuditEvent.objects.filter(action="supervision.meeting_item_add").count() == 2


def test_a_case_is_found_only_in_scope_and_in_the_meeting_region(
        clerk_a: Any, county_admin: Any, case_a: Case, case_b: Case) -> None:
    township_meeting = meeting(clerk_a, TOWNSHIP_A, title="崆峒镇联席会议")
    for number in (case_b.number, "NOPE-1"):
        with pytest.raises(ApplicationError) as exc:
            meeting_item_add(actor=clerk_a, meeting_id=township_meeting.pk, case_number=number,
                             decision="同意")
        assert exc.value.field == "case_number"
    # The county sees township B's case, but not within township A's meeting.
    with pytest.raises(ApplicationError) as exc:
        meeting_item_add(actor=county_admin, meeting_id=township_meeting.pk,
                         case_number=case_b.number, decision="同意")
    assert exc.value.field == "case_number"
    meeting_item_add(actor=clerk_a, meeting_id=township_meeting.pk, case_number=case_a.number,
                     decision="同意")
    with pytest.raises(ApplicationError) as exc:
        meeting_item_add(actor=clerk_a, meeting_id=township_meeting.pk,
                         case_number=case_a.number, decision="再议")
    assert exc.value.field == "case_number"
    assert MeetingItem.objects.count() == 1


@pytest.mark.parametrize(("override", "field"), [
    ({"held_on": date(2026, 3, 11)}, "held_on"), ({"held_on": None}, "held_on"),
    ({"title": ""}, "title"), ({"chair": " "}, "chair"), ({"attendees": ""}, "attendees"),
])
def test_a_meeting_with_bad_input_is_not_recorded(county_admin: Any, override: dict[str, Any],
                                                  field: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        meeting(county_admin, **override)
    assert exc.value.field == field and Meeting.objects.count() == 0


def test_items_and_tasks_refuse_bad_input(county_admin: Any, clerk_b: Any) -> None:
    m = meeting(county_admin)
    for kwargs, field in (({"subject": "", "decision": "同意"}, "subject"),
                          ({"subject": "议题", "decision": " "}, "decision")):
        with pytest.raises(ApplicationError) as exc:
            meeting_item_add(actor=county_admin, meeting_id=m.pk, **kwargs)
        assert exc.value.field == field
    assert MeetingItem.objects.count() == 0
    for override, field in (({"due_on": date(2026, 3, 1)}, "due_on"),
                            ({"responsible_person": ""}, "responsible_person"),
                            ({"measures": ""}, "measures")):
        with pytest.raises(ApplicationError) as exc:
            task(county_admin, m, **override)
        assert exc.value.field == field
    # A township's meeting hands tasks only to that township.
    township_meeting = meeting(clerk_b, TOWNSHIP_B)
    with pytest.raises(ApplicationError) as exc:
        task(county_admin, township_meeting, TOWNSHIP_A)
    assert exc.value.field == "meeting"
    assert LedgerItem.objects.count() == 0


def test_roles_and_scope(county_admin: Any, clerk_a: Any, clerk_b: Any, auditor: Any,
                         grid_a: Any) -> None:
    for user in (auditor, grid_a):
        with pytest.raises(ApplicationError) as exc:
            meeting(user)
        assert exc.value.code == "forbidden"
    with pytest.raises(ApplicationError) as exc:
        meeting(clerk_a)  # the county's meeting is the county's to record
    assert exc.value.field == "region"
    m = meeting(clerk_a, TOWNSHIP_A)
    with pytest.raises(ApplicationError):
        meeting_item_add(actor=clerk_b, meeting_id=m.pk, subject="议题", decision="同意")
    with pytest.raises(ApplicationError) as exc:
        task(clerk_b, m, TOWNSHIP_B)
    assert exc.value.field in {"region", "meeting"}
    b = client_for(clerk_b)
    assert b.get(f"{BASE}{m.pk}/").status_code == 404
    assert b.post(f"{BASE}{m.pk}/items/", {"item-subject": "x", "item-decision": "y"}
                  ).status_code == 404
    assert b.post(f"{BASE}{m.pk}/tasks/", {}).status_code == 404
    assert m.title not in b.get(BASE).content.decode()
    reader = client_for(auditor)
    page = reader.get(f"{BASE}{m.pk}/").content.decode()
    assert m.title in page and 'id="add-item"' not in page
    assert reader.post(f"{BASE}{m.pk}/items/", {}).status_code == 403
    assert MeetingItem.objects.count() == 0 and LedgerItem.objects.count() == 0


def test_the_pages_record_a_meeting_items_and_tasks(county_admin: Any, case_a: Case) -> None:
    web = client_for(county_admin)
    bad = web.post(f"{BASE}new/", {"region": COUNTY[0], "title": "联席会议", "held_on": "2026-03-11",
                                   "chair": "王建国", "attendees": "民政局"})
    assert bad.status_code == 200 and "会议日期不能晚于今天" in bad.content.decode()
    assert Meeting.objects.count() == 0
    done = web.post(f"{BASE}new/", {"region": COUNTY[0], "title": "联席会议",
                                    "held_on": "2026-03-09", "chair": "王建国",
                                    "attendees": "民政局"})
    m = Meeting.objects.get()
    assert done["Location"] == f"{BASE}{m.pk}/"
    missing = web.post(f"{BASE}{m.pk}/items/", {"item-case_number": "NOPE",
                                                "item-decision": "同意"})
    assert missing.status_code == 400 and "未找到该案件" in missing.content.decode()
    assert web.post(f"{BASE}{m.pk}/items/", {"item-case_number": case_a.number,
                                             "item-decision": "同意"}).status_code == 302
    page = web.get(f"{BASE}{m.pk}/").content.decode()
    assert "案件暂无一事一议记录" in page
    # The task form offers the county and its townships.
    assert f'value="{TOWNSHIP_B}"' in page
    created = web.post(f"{BASE}{m.pk}/tasks/", {
        "task-region": TOWNSHIP_B, "task-title": "白水镇落实医疗救助",
        "task-responsible_unit": "白水镇民政办", "task-responsible_person": "赵丽",
        "task-due_on": "2026-03-31", "task-measures": "对接医保"})
    assert created.status_code == 302
    t = LedgerItem.objects.get()
    assert (t.meeting_id, t.region_id, t.state) == (m.pk, TOWNSHIP_B, ItemState.ASSIGNED)
    assert t.number in web.get(f"{BASE}{m.pk}/").content.decode()
