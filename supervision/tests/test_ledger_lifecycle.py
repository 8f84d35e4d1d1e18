"""The 清单 item lifecycle: every move to 销号, the illegal ones, who may make each (maker-checker
and the registering level), evidence, and bad input changing nothing."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from demo.reference import COUNTY, TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.errors import ApplicationError
from supervision.models import Evidence, ItemSource, ItemState, LedgerItem, ListKind
from supervision.services import ledgers as services

pytestmark = pytest.mark.django_db
S = ItemState
PDF = b"%PDF-1.4 evidence"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def set_today(monkeypatch: pytest.MonkeyPatch, day: date, at: time = time(10, 0)) -> None:
    """Set today (10:00 China time): timezone.localdate() and auto_now follow it."""
    moment = datetime.combine(day, at, tzinfo=timezone.get_current_timezone())
    monkeypatch.setattr(timezone, "now", lambda: moment)


def register(actor: Any, *, region: str = TOWNSHIP_A, title: str = "低保档案资料不全",
             source: str = ItemSource.SELF_CHECK, list_kind: str = ListKind.PROBLEM,
             **links: Any) -> LedgerItem:
    return services.ledger_item_create(actor=actor, list_kind=list_kind, source=source,
                                       region_code=region, title=title,
                                       description="抽查10户，3户缺收入证明", **links)


def assign(actor: Any, item: LedgerItem, **override: Any) -> LedgerItem:
    valid: dict[str, Any] = {"responsible_unit": "崆峒镇民政办", "responsible_person": "李娟",
             "due_on": date(2026, 3, 31), "measures": "逐户补齐收入证明并归档"}
    return services.ledger_item_assign(actor=actor, item_id=item.pk, **(valid | override))


def attach(actor: Any, item: LedgerItem, content: bytes = PDF, name: str = "整改.pdf",
           description: str = "补齐后的档案扫描件") -> Evidence:
    return services.ledger_evidence_attach(actor=actor, item_id=item.pk,
                                           upload=SimpleUploadedFile(name, content),
                                           description=description)


def submit(actor: Any, item: LedgerItem, rectification: str = "3户收入证明已补齐") -> LedgerItem:
    return services.ledger_item_submit(actor=actor, item_id=item.pk, rectification=rectification)


def submitted(maker: Any, *, region: str = TOWNSHIP_A, registrar: Any = None) -> LedgerItem:
    """An item registered by `registrar` (default `maker`), rectified and submitted by `maker`."""
    item = register(registrar or maker, region=region)
    assign(maker, item)
    services.ledger_item_start(actor=maker, item_id=item.pk)
    attach(maker, item)
    return submit(maker, item)


def force(item: LedgerItem, state: str, maker: Any, checker: Any) -> None:
    """Put an item straight into `state` (to test one move without walking the others); a
    closed item names its maker and checker, as the database requires."""
    fields: dict[str, Any] = {"state": state}
    if state == S.CLOSED:
        fields |= {"submitted_by": maker, "closed_by": checker, "closed_at": timezone.now()}
    LedgerItem.objects.filter(pk=item.pk).update(**fields)


def snapshot(item: LedgerItem) -> tuple[Any, ...]:
    item.refresh_from_db()
    return (item.state, item.responsible_unit, item.responsible_person, item.due_on,
            item.measures, item.rectification, item.review_note, item.submitted_by_id,
            item.closed_by_id, item.closed_at, item.evidence.count(),
            AuditEvent.objects.filter(object_id=str(item.pk),
                                      object_type="supervision.ledgeritem").count())


@pytest.fixture(autouse=True)
def _march(monkeypatch: pytest.MonkeyPatch) -> None:
    set_today(monkeypatch, date(2026, 3, 10))


# -- the whole way through ------------------------------------------------------------------------

def test_an_item_from_registration_to_xiaohao(clerk_a: Any, reviewer_a: Any) -> None:
    item = register(clerk_a)
    assert item.number == f"TZ2026{item.pk:06d}" and item.state == S.OPEN
    assert item.county_verifies is False
    item = assign(clerk_a, item)
    assert item.state == S.ASSIGNED and item.due_on == date(2026, 3, 31)
    services.ledger_item_start(actor=clerk_a, item_id=item.pk)
    evidence = attach(clerk_a, item, PNG, "照片.png")
    assert (evidence.content_type, evidence.original_name, evidence.size) == (
        "image/png", "照片.png", len(PNG))
    assert evidence.file.name.endswith(".png") and "照片" not in evidence.file.name
    submit(clerk_a, item)
    item.refresh_from_db()
    assert (item.state, item.submitted_by_id) == (S.SUBMITTED, clerk_a.pk)
    services.ledger_item_close(actor=reviewer_a, item_id=item.pk, note="经核实已整改到位")
    item.refresh_from_db()
    assert (item.state, item.closed_by_id, item.review_note) == (
        S.CLOSED, reviewer_a.pk, "经核实已整改到位")
    assert item.closed_at is not None
    actions = list(AuditEvent.objects.filter(object_type="supervision.ledgeritem",
                                             object_id=str(item.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["supervision.ledger_create", "supervision.ledger_assign",
                       "supervision.ledger_start", "supervision.ledger_evidence",
                       "supervision.ledger_submit", "supervision.ledger_close"]
    closing = AuditEvent.objects.get(object_id=str(item.pk), action="supervision.ledger_close")
    assert (closing.actor_id, closing.region_code, closing.before, closing.reason) == (
        reviewer_a.pk, TOWNSHIP_A, {"state": S.SUBMITTED}, "经核实已整改到位")


def test_send_back_returns_to_rectifying_and_a_new_submission_can_close(
        clerk_a: Any, reviewer_a: Any) -> None:
    item = submitted(clerk_a)
    services.ledger_item_send_back(actor=reviewer_a, item_id=item.pk, note="缺1户的签字")
    item.refresh_from_db()
    assert (item.state, item.review_note) == (S.RECTIFYING, "缺1户的签字")
    attach(clerk_a, item, description="补签字页")
    submit(clerk_a, item, "已补签字")
    services.ledger_item_close(actor=reviewer_a, item_id=item.pk)
    item.refresh_from_db()
    assert item.state == S.CLOSED and item.evidence.count() == 2


def test_send_back_needs_a_note(clerk_a: Any, reviewer_a: Any) -> None:
    item = submitted(clerk_a)
    before = snapshot(item)
    with pytest.raises(ApplicationError) as exc:
        services.ledger_item_send_back(actor=reviewer_a, item_id=item.pk, note="  ")
    assert exc.value.field == "review_note"
    assert snapshot(item) == before


# -- 销号: evidence and maker-checker -------------------------------------------------------------

def test_submit_without_evidence_is_refused_on_the_evidence_field(clerk_a: Any) -> None:
    item = register(clerk_a)
    assign(clerk_a, item)
    services.ledger_item_start(actor=clerk_a, item_id=item.pk)
    before = snapshot(item)
    with pytest.raises(ApplicationError) as exc:
        submit(clerk_a, item)
    assert (exc.value.field, before) == ("evidence", snapshot(item))
    assert item.state == S.RECTIFYING


def test_xiaohao_without_evidence_is_refused(clerk_a: Any, reviewer_a: Any) -> None:
    item = register(clerk_a)
    # Submitted by some other path (an import, an old record) without any file.
    LedgerItem.objects.filter(pk=item.pk).update(state=S.SUBMITTED, submitted_by=clerk_a,
                                                 rectification="已整改")
    before = snapshot(item)
    with pytest.raises(ApplicationError) as exc:
        services.ledger_item_close(actor=reviewer_a, item_id=item.pk)
    assert exc.value.field == "evidence"
    assert snapshot(item) == before


def test_the_submitter_cannot_close_nor_send_back_their_own_item(
        reviewer_a: Any, county_admin: Any, county_checker: Any) -> None:
    item = submitted(reviewer_a)
    before = snapshot(item)
    for action in ("close", "send_back"):
        with pytest.raises(ApplicationError) as exc:
            getattr(services, f"ledger_item_{action}")(actor=reviewer_a, item_id=item.pk,
                                                       note="自己审核")
        assert exc.value.code == "forbidden" and "自己" in exc.value.message
        assert not services.may_move(item, action, reviewer_a)
    assert snapshot(item) == before
    # The same holds at the county: the maker's colleague checks.
    county_item = submitted(county_admin, region=COUNTY[0])
    with pytest.raises(ApplicationError):
        services.ledger_item_close(actor=county_admin, item_id=county_item.pk)
    services.ledger_item_close(actor=county_checker, item_id=county_item.pk)
    county_item.refresh_from_db()
    assert county_item.closed_by_id == county_checker.pk


def test_an_item_the_county_registered_is_closed_only_by_the_county(
        county_admin: Any, clerk_a: Any, reviewer_a: Any) -> None:
    item = submitted(clerk_a, registrar=county_admin)
    assert item.county_verifies is True
    assert not services.may_move(item, "close", reviewer_a)
    before = snapshot(item)
    with pytest.raises(ApplicationError) as exc:
        services.ledger_item_close(actor=reviewer_a, item_id=item.pk)
    assert exc.value.code == "forbidden" and "县级" in exc.value.message
    assert snapshot(item) == before
    services.ledger_item_close(actor=county_admin, item_id=item.pk)
    item.refresh_from_db()
    assert item.state == S.CLOSED


def test_the_county_may_close_a_township_item(clerk_a: Any, county_admin: Any) -> None:
    item = submitted(clerk_a)
    services.ledger_item_close(actor=county_admin, item_id=item.pk)
    item.refresh_from_db()
    assert item.closed_by_id == county_admin.pk


def test_the_database_refuses_a_closed_item_checked_by_its_submitter(clerk_a: Any) -> None:
    item = submitted(clerk_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerItem.objects.filter(pk=item.pk).update(
            state=S.CLOSED, closed_by=clerk_a, closed_at=timezone.now())


# -- roles and illegal moves ------------------------------------------------------------------------

@pytest.mark.parametrize(("state", "action"), [
    (S.OPEN, "start"), (S.OPEN, "submit"), (S.OPEN, "close"), (S.ASSIGNED, "assign"),
    (S.ASSIGNED, "submit"), (S.RECTIFYING, "close"), (S.RECTIFYING, "send_back"),
    (S.SUBMITTED, "start"), (S.CLOSED, "send_back"), (S.CLOSED, "assign"),
])
def test_moves_outside_the_table_are_refused(clerk_a: Any, county_admin: Any,
                                             reviewer_a: Any, state: str, action: str) -> None:
    item = register(clerk_a)
    force(item, state, clerk_a, reviewer_a)
    before = snapshot(item)
    valid_input: dict[str, dict[str, Any]] = {
        "assign": {"responsible_unit": "民政办", "responsible_person": "李娟",
                   "due_on": date(2026, 3, 31), "measures": "补齐"},
        "start": {}, "submit": {"rectification": "已整改"}, "close": {},
        "send_back": {"note": "重新整改"},
    }
    with pytest.raises(ApplicationError) as exc:
        getattr(services, f"ledger_item_{action}")(actor=county_admin, item_id=item.pk,
                                                   **valid_input[action])
    assert exc.value.code == "transition"
    assert snapshot(item) == before


def test_a_clerk_never_closes(clerk_a: Any, reviewer_a: Any) -> None:
    item = submitted(reviewer_a)
    with pytest.raises(ApplicationError) as exc:
        services.ledger_item_close(actor=clerk_a, item_id=item.pk)
    assert exc.value.code == "forbidden"


def test_auditor_and_grid_worker_cannot_register_or_act(auditor: Any, grid_a: Any,
                                                        clerk_a: Any) -> None:
    for user in (auditor, grid_a):
        with pytest.raises(ApplicationError) as exc:
            register(user)
        assert exc.value.code == "forbidden"
    item = register(clerk_a)
    with pytest.raises(ApplicationError):
        assign(auditor, item)
    assert LedgerItem.objects.count() == 1


def test_township_b_cannot_touch_township_a_items(clerk_a: Any, clerk_b: Any) -> None:
    item = register(clerk_a)
    before = snapshot(item)
    with pytest.raises(ApplicationError) as exc:
        assign(clerk_b, item)
    assert exc.value.code == "forbidden"
    with pytest.raises(ApplicationError):
        attach(clerk_b, item)
    assert snapshot(item) == before


def test_registering_for_another_township_or_a_village_is_refused(clerk_a: Any) -> None:
    for region in (TOWNSHIP_B, COUNTY[0], "620802100201", "999999999999"):
        with pytest.raises(ApplicationError) as exc:
            register(clerk_a, region=region)
        assert exc.value.field == "region"
    assert LedgerItem.objects.count() == 0


# -- bad input changes nothing ----------------------------------------------------------------------

@pytest.mark.parametrize(("override", "field"), [
    ({"responsible_unit": " "}, "responsible_unit"),
    ({"responsible_person": ""}, "responsible_person"),
    ({"responsible_person": "张" * 51}, "responsible_person"),
    ({"due_on": None}, "due_on"),
    ({"due_on": date(2026, 3, 9)}, "due_on"),
    ({"measures": ""}, "measures"),
])
def test_assignment_needs_the_three_requirements(clerk_a: Any, override: dict[str, Any],
                                                 field: str) -> None:
    item = register(clerk_a)
    before = snapshot(item)
    with pytest.raises(ApplicationError) as exc:
        assign(clerk_a, item, **override)
    assert exc.value.field == field
    assert snapshot(item) == before


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"list_kind": "other"}, "list_kind"),
    ({"source": "rumour"}, "source"),
    ({"title": "  "}, "title"),
    ({"title": "问" * 201}, "title"),
    ({"source": ItemSource.MEETING}, "meeting"),
    ({"ticket_id": 999999}, "ticket"),
    ({"sample_check_id": 999999}, "sample_check"),
])
def test_registration_refuses_bad_input(clerk_a: Any, kwargs: dict[str, Any],
                                        field: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        register(clerk_a, **kwargs)
    assert exc.value.field == field
    assert LedgerItem.objects.count() == 0
    assert not AuditEvent.objects.filter(action="supervision.ledger_create").exists()


def test_a_hotline_ticket_links_only_within_the_item_region(clerk_a: Any,
                                                            county_admin: Any) -> None:
    from tickets.models import Channel, Ticket, Topic, Urgency

    now = timezone.now()
    ticket = Ticket.objects.create(
        number="RX2026000001", channel=Channel.COUNTY, topic=Topic.HELP, urgency=Urgency.GENERAL,
        subject="反映低保评定不公", content="反映低保评定不公", region_id=TOWNSHIP_A,
        received_at=now, received_by=county_admin, due_at=now)
    item = register(clerk_a, source=ItemSource.HOTLINE, ticket_id=ticket.pk)
    assert item.ticket_id == ticket.pk
    with pytest.raises(ApplicationError) as exc:
        register(county_admin, region=TOWNSHIP_B, source=ItemSource.HOTLINE,
                 ticket_id=ticket.pk)
    assert exc.value.field == "ticket"


@pytest.mark.parametrize(("content", "name", "description", "field"), [
    (b"GIF89a not allowed", "a.gif", "照片", "file"),
    (b"", "empty.pdf", "照片", "file"),
    (PDF, "a.pdf", " ", "description"),
])
def test_evidence_refuses_bad_files(clerk_a: Any, content: bytes, name: str, description: str,
                                    field: str) -> None:
    item = register(clerk_a)
    assign(clerk_a, item)
    before = snapshot(item)
    with pytest.raises(ApplicationError) as exc:
        attach(clerk_a, item, content, name, description)
    assert exc.value.field == field
    assert snapshot(item) == before


def test_evidence_over_the_size_limit_is_refused(clerk_a: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "MAX_EVIDENCE_BYTES", 100)
    item = register(clerk_a)
    assign(clerk_a, item)
    with pytest.raises(ApplicationError) as exc:
        attach(clerk_a, item, PDF + b"x" * 100)
    assert exc.value.field == "file" and item.evidence.count() == 0
    attach(clerk_a, item, PDF)
    assert item.evidence.count() == 1


@pytest.mark.parametrize("state", [S.OPEN, S.SUBMITTED, S.CLOSED])
def test_evidence_only_while_assigned_or_rectifying(clerk_a: Any, reviewer_a: Any,
                                                   state: str) -> None:
    item = register(clerk_a)
    force(item, state, clerk_a, reviewer_a)
    with pytest.raises(ApplicationError) as exc:
        attach(clerk_a, item)
    assert exc.value.code == "transition" and item.evidence.count() == 0
