"""The ticket lifecycle: every move, who may make it, what is refused, and the reopen."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from demo.reference import COUNTY, TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.cases import staff
from policies.models import Department
from tickets import services
from tickets.models import StepKind, Ticket, TicketState
from tickets.tests.support import (
    call,
    closed,
    dispatched,
    handling,
    make_overdue,
    replied,
    revisited,
    snapshot,
)
from tickets.workflow import MOVES, may_move

pytestmark = pytest.mark.django_db
S = TicketState


def kinds(ticket: Ticket) -> list[str]:
    return list(ticket.steps.order_by("at", "id").values_list("kind", flat=True))


def test_the_whole_lifecycle_leaves_a_step_and_an_audit_row_for_every_move(
        county_admin: Any, clerk_a: Any, reviewer_a: Any) -> None:
    ticket = call()
    assert re.fullmatch(rf"RX{timezone.localdate():%Y}\d{{6}}", ticket.number)
    assert ticket.state == S.RECEIVED and ticket.region_id == COUNTY[0]
    services.ticket_dispatch(actor=county_admin, ticket_id=ticket.pk, township_code=TOWNSHIP_A,
                             note="请崆峒镇核实")
    services.ticket_accept(actor=clerk_a, ticket_id=ticket.pk)
    services.ticket_reply(actor=reviewer_a, ticket_id=ticket.pk, reply="已安排照料")
    services.ticket_close(actor=county_admin, ticket_id=ticket.pk)
    services.ticket_revisit(actor=county_admin, ticket_id=ticket.pk, note="电话回访")
    services.ticket_rate(actor=county_admin, ticket_id=ticket.pk, rating="satisfied")
    ticket.refresh_from_db()
    assert ticket.state == S.RATED and ticket.rating == "satisfied"
    assert ticket.region_id == TOWNSHIP_A and ticket.reply == "已安排照料"
    assert all([ticket.dispatched_at, ticket.replied_at, ticket.closed_at, ticket.revisited_at,
                ticket.rated_at])
    steps = list(ticket.steps.order_by("at", "id").select_related("actor"))
    assert [(s.kind, s.actor) for s in steps] == [
        (StepKind.RECEIVE, county_admin), (StepKind.DISPATCH, county_admin),
        (StepKind.ACCEPT, clerk_a), (StepKind.REPLY, reviewer_a), (StepKind.CLOSE, county_admin),
        (StepKind.REVISIT, county_admin), (StepKind.RATE, county_admin)]
    assert all(s.at is not None for s in steps)
    assert "崆峒镇" in steps[1].note and "请崆峒镇核实" in steps[1].note
    actions = list(AuditEvent.objects.filter(object_type="tickets.ticket", object_id=str(ticket.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["tickets.ticket_receive", "tickets.ticket_dispatch",
                       "tickets.ticket_accept", "tickets.ticket_reply", "tickets.ticket_close",
                       "tickets.ticket_revisit", "tickets.ticket_rate"]


def test_a_known_township_is_dispatched_at_intake(county_admin: Any) -> None:
    ticket = dispatched(department_id=Department.objects.get(name="区医疗保障局").pk)
    assert ticket.state == S.DISPATCHED and ticket.region_id == TOWNSHIP_A
    assert ticket.department is not None and ticket.department.name == "区医疗保障局"
    assert kinds(ticket) == [StepKind.RECEIVE, StepKind.DISPATCH]


def test_redispatch_before_acceptance_moves_the_ticket(county_admin: Any, clerk_a: Any,
                                                       clerk_b: Any) -> None:
    ticket = dispatched()
    services.ticket_dispatch(actor=county_admin, ticket_id=ticket.pk, township_code=TOWNSHIP_B)
    ticket.refresh_from_db()
    assert ticket.region_id == TOWNSHIP_B
    with pytest.raises(ApplicationError) as err:
        services.ticket_accept(actor=clerk_a, ticket_id=ticket.pk)
    assert err.value.code == "forbidden"
    assert services.ticket_accept(actor=clerk_b, ticket_id=ticket.pk).state == S.HANDLING


def test_the_county_answers_a_question_on_the_phone(county_admin: Any) -> None:
    ticket = call(topic="consultation")
    services.ticket_reply(actor=county_admin, ticket_id=ticket.pk, reply="已解答低保申请条件")
    ticket.refresh_from_db()
    assert ticket.state == S.REPLIED and ticket.region_id == COUNTY[0]
    assert kinds(ticket) == [StepKind.RECEIVE, StepKind.REPLY]


def test_the_county_may_keep_a_ticket_and_handle_it(county_admin: Any, clerk_a: Any) -> None:
    ticket = call()
    services.ticket_accept(actor=county_admin, ticket_id=ticket.pk)
    with pytest.raises(ApplicationError):
        services.ticket_reply(actor=clerk_a, ticket_id=ticket.pk, reply="x")
    assert services.ticket_reply(actor=county_admin, ticket_id=ticket.pk,
                                 reply="已办理").state == S.REPLIED


def test_a_ticket_sent_to_a_department_only_stays_with_the_county(county_admin: Any,
                                                                   clerk_a: Any) -> None:
    department = Department.objects.get(name="区医疗保障局")
    ticket = call()
    services.ticket_dispatch(actor=county_admin, ticket_id=ticket.pk, department_id=department.pk)
    ticket.refresh_from_db()
    assert ticket.state == S.DISPATCHED and ticket.region_id == COUNTY[0]
    assert not may_move(ticket, "accept", clerk_a, timezone.now())
    services.ticket_accept(actor=county_admin, ticket_id=ticket.pk)
    services.ticket_reply(actor=county_admin, ticket_id=ticket.pk, reply="医保局答复：可报销")
    assert Ticket.objects.get(pk=ticket.pk).state == S.REPLIED


# -- who may make each move ------------------------------------------------------------------------

PERSONAS = ["county_admin", "clerk_a", "reviewer_a", "clerk_b", "auditor", "liaison_hrss",
            "grid_a"]
# (action, how to reach a state it leaves from, who may make it there)
ROLE_TABLE: list[tuple[str, Callable[[], Ticket], set[str]]] = [
    ("dispatch", call, {"county_admin"}),
    ("accept", dispatched, {"clerk_a", "reviewer_a"}),
    ("accept", call, {"county_admin"}),
    ("reply", handling, {"clerk_a", "reviewer_a"}),
    ("reply", call, {"county_admin"}),
    ("supervise", lambda: make_overdue(dispatched()), {"county_admin"}),
    ("close", replied, {"county_admin"}),
    ("revisit", closed, {"county_admin"}),
    ("rate", revisited, {"county_admin"}),
]


@pytest.mark.parametrize(("action", "setup", "allowed"), ROLE_TABLE,
                         ids=[f"{a}-{s.__name__}" for a, s, _r in ROLE_TABLE])
def test_roles_per_move(county: None, action: str, setup: Callable[[], Ticket],
                        allowed: set[str]) -> None:
    ticket = Ticket.objects.select_related("region").get(pk=setup().pk)
    now = timezone.now()
    for username in PERSONAS:
        assert may_move(ticket, action, staff(username), now) is (username in allowed), username
    refused = [u for u in PERSONAS if u not in allowed]
    before = snapshot(ticket)
    for username in refused:
        with pytest.raises(ApplicationError) as err:
            _make(action, staff(username), ticket)
        assert err.value.code == "forbidden", username
    assert snapshot(ticket) == before


def _make(action: str, actor: Any, ticket: Ticket) -> Ticket:
    pk = ticket.pk
    calls: dict[str, Callable[[], Ticket]] = {
        "dispatch": lambda: services.ticket_dispatch(actor=actor, ticket_id=pk,
                                                     township_code=TOWNSHIP_A),
        "accept": lambda: services.ticket_accept(actor=actor, ticket_id=pk),
        "reply": lambda: services.ticket_reply(actor=actor, ticket_id=pk, reply="答复"),
        "supervise": lambda: services.ticket_supervise(actor=actor, ticket_id=pk, note="请加快"),
        "close": lambda: services.ticket_close(actor=actor, ticket_id=pk),
        "revisit": lambda: services.ticket_revisit(actor=actor, ticket_id=pk, note="已回访"),
        "rate": lambda: services.ticket_rate(actor=actor, ticket_id=pk, rating="satisfied"),
    }
    return calls[action]()


def test_the_table_has_no_move_without_roles() -> None:
    assert all(m.roles for m in MOVES)


def test_only_the_county_takes_calls(clerk_a: Any, auditor: Any) -> None:
    for user in (clerk_a, auditor):
        with pytest.raises(ApplicationError) as err:
            services.ticket_receive(actor=user, data=services.TicketInput(
                channel="county", topic="help", urgency="general", subject="s", content="c"))
        assert err.value.code == "forbidden"
    assert not Ticket.objects.exists()


# -- illegal moves change nothing -----------------------------------------------------------------

ILLEGAL: list[tuple[Callable[[], Ticket], str]] = [
    (call, "close"), (call, "revisit"), (call, "rate"),
    (dispatched, "reply"),  # the township accepts before it replies
    (handling, "dispatch"), (handling, "close"),
    (replied, "reply"), (replied, "accept"), (replied, "rate"),
    (closed, "dispatch"), (closed, "close"), (closed, "rate"),
    (revisited, "revisit"), (revisited, "reply"),
]


@pytest.mark.parametrize(("setup", "action"), ILLEGAL,
                         ids=[f"{s.__name__}-{a}" for s, a in ILLEGAL])
def test_illegal_moves_are_refused(county: None, setup: Callable[[], Ticket], action: str) -> None:
    ticket = setup()
    before = snapshot(ticket)
    audit_rows = AuditEvent.objects.count()
    # Whoever would make the move in a legal state: the state is what refuses it.
    actor = staff("clerk_a" if action in {"accept", "reply"} and ticket.region_id == TOWNSHIP_A
                  else "county_admin")
    with pytest.raises(ApplicationError) as err:
        _make(action, actor, ticket)
    assert err.value.code == "transition"
    assert snapshot(ticket) == before and AuditEvent.objects.count() == audit_rows


def test_rated_is_final_when_satisfied(county_admin: Any) -> None:
    ticket = revisited()
    services.ticket_rate(actor=county_admin, ticket_id=ticket.pk, rating="basic")
    for action in ("dispatch", "accept", "reply", "close", "revisit", "rate", "supervise"):
        with pytest.raises(ApplicationError):
            _make(action, county_admin, ticket)
    assert Ticket.objects.get(pk=ticket.pk).state == S.RATED


# -- 督办 ------------------------------------------------------------------------------------------

def test_supervision_needs_an_overdue_ticket_and_a_note(county_admin: Any) -> None:
    ticket = dispatched()
    with pytest.raises(ApplicationError) as err:
        services.ticket_supervise(actor=county_admin, ticket_id=ticket.pk, note="请加快")
    assert err.value.code == "transition"
    make_overdue(ticket)
    before = snapshot(ticket)
    with pytest.raises(ApplicationError) as err:
        services.ticket_supervise(actor=county_admin, ticket_id=ticket.pk, note="  ")
    assert err.value.field == "note" and snapshot(ticket) == before
    services.ticket_supervise(actor=county_admin, ticket_id=ticket.pk, note="请今日内答复")
    services.ticket_supervise(actor=county_admin, ticket_id=ticket.pk, note="再次督办")
    ticket.refresh_from_db()
    assert ticket.supervision_count == 2 and ticket.state == S.DISPATCHED
    assert kinds(ticket)[-2:] == [StepKind.SUPERVISE, StepKind.SUPERVISE]


def test_a_replied_ticket_is_not_supervised_even_if_it_was_late(county_admin: Any) -> None:
    ticket = make_overdue(handling())
    services.ticket_reply(actor=staff("clerk_a"), ticket_id=ticket.pk, reply="迟到的答复")
    with pytest.raises(ApplicationError) as err:
        services.ticket_supervise(actor=county_admin, ticket_id=ticket.pk, note="x")
    assert err.value.code == "transition"


# -- 评价 "unsatisfied" reopens with a new clock ---------------------------------------------------

def test_an_unsatisfied_rating_reopens_the_ticket_with_a_new_clock(county_admin: Any,
                                                                   clerk_a: Any) -> None:
    ticket = revisited()
    Ticket.objects.filter(pk=ticket.pk).update(due_at=ticket.received_at)
    started = timezone.now()
    services.ticket_rate(actor=county_admin, ticket_id=ticket.pk, rating="unsatisfied",
                         note="照料人员未到位")
    ticket.refresh_from_db()
    assert ticket.state == S.HANDLING and ticket.reopen_count == 1
    assert ticket.region_id == TOWNSHIP_A  # back to the same township
    assert ticket.replied_at is None and ticket.reply == "" and ticket.rating == ""
    assert ticket.closed_at is None and ticket.revisited_at is None
    # The new clock: 10 working days from today, so at least 12 calendar days on.
    assert ticket.due_at > started + timedelta(days=12)
    assert kinds(ticket)[-2:] == [StepKind.RATE, StepKind.REOPEN]
    rate_step = ticket.steps.get(kind=StepKind.RATE)
    assert "不满意" in rate_step.note and "照料人员未到位" in rate_step.note
    assert AuditEvent.objects.filter(action="tickets.ticket_reopen",
                                     object_id=str(ticket.pk)).exists()
    # The same township answers again and the ticket runs to the end a second time.
    services.ticket_reply(actor=clerk_a, ticket_id=ticket.pk, reply="照料人员已到位")
    services.ticket_close(actor=county_admin, ticket_id=ticket.pk)
    services.ticket_revisit(actor=county_admin, ticket_id=ticket.pk, note="二次回访")
    services.ticket_rate(actor=county_admin, ticket_id=ticket.pk, rating="satisfied")
    ticket.refresh_from_db()
    assert ticket.state == S.RATED and ticket.reopen_count == 1
    assert kinds(ticket).count(StepKind.REPLY) == 2


def test_a_reopened_12345_ticket_runs_on_the_local_parameters(county_admin: Any) -> None:
    external = timezone.now() + timedelta(hours=5)
    ticket = call(channel="12345", external_number="GS12345-0001", external_due=external,
                  township_code=TOWNSHIP_A)
    assert ticket.due_at == external
    services.ticket_accept(actor=staff("clerk_a"), ticket_id=ticket.pk)
    services.ticket_reply(actor=staff("clerk_a"), ticket_id=ticket.pk, reply="已答复")
    services.ticket_close(actor=county_admin, ticket_id=ticket.pk)
    services.ticket_revisit(actor=county_admin, ticket_id=ticket.pk, note="回访")
    services.ticket_rate(actor=county_admin, ticket_id=ticket.pk, rating="unsatisfied")
    ticket.refresh_from_db()
    assert ticket.due_at > external + timedelta(days=7)


# -- bad input changes nothing --------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "field"), [
    ({"channel": "fax"}, "channel"),
    ({"topic": "gossip"}, "topic"),
    ({"urgency": "soon"}, "urgency"),
    ({"subject": "  "}, "subject"),
    ({"subject": "长" * 201}, "subject"),
    ({"content": ""}, "content"),
    ({"caller_phone": "call me"}, "caller_phone"),
    ({"channel": "12345"}, "external_number"),
    ({"external_due": timezone.now() + timedelta(days=1)}, "external_due"),
    ({"channel": "12345", "external_number": "A1",
      "external_due": timezone.now() - timedelta(hours=1)}, "external_due"),
    ({"township_code": "620802100201"}, "township"),  # a village, not a township
    ({"township_code": "620902100000"}, "township"),  # another county
    ({"department_id": 999999}, "department"),
    ({"household_id": 999999}, "household"),
])
def test_bad_intake_is_refused_beside_its_field(county_admin: Any, fields: dict[str, Any],
                                                 field: str) -> None:
    with pytest.raises(ApplicationError) as err:
        call(**fields)
    assert err.value.field == field
    assert not Ticket.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="tickets.").exists()


def test_bad_move_input_changes_nothing(county_admin: Any, clerk_a: Any) -> None:
    ticket = call()
    before = snapshot(ticket)
    with pytest.raises(ApplicationError) as err:
        services.ticket_dispatch(actor=county_admin, ticket_id=ticket.pk)
    assert err.value.field == "township"
    with pytest.raises(ApplicationError) as err:
        services.ticket_dispatch(actor=county_admin, ticket_id=ticket.pk,
                                 township_code="620902100000")
    assert err.value.field == "township"
    assert snapshot(ticket) == before
    ticket = handling()
    before = snapshot(ticket)
    with pytest.raises(ApplicationError) as err:
        services.ticket_reply(actor=clerk_a, ticket_id=ticket.pk, reply=" ")
    assert err.value.field == "reply"
    assert snapshot(ticket) == before
    ticket = revisited()
    before = snapshot(ticket)
    with pytest.raises(ApplicationError) as err:
        services.ticket_rate(actor=county_admin, ticket_id=ticket.pk, rating="great")
    assert err.value.field == "rating"
    with pytest.raises(ApplicationError) as err:
        services.ticket_revisit(actor=county_admin, ticket_id=closed().pk, note="")
    assert err.value.field == "note"
    assert snapshot(ticket) == before


def test_a_household_of_the_county_is_linked(county_admin: Any,
                                                               household_a: Any) -> None:
    ticket = call(household_id=household_a.pk)
    assert ticket.household == household_a


def test_the_database_refuses_a_reply_state_without_its_time(county_admin: Any) -> None:
    from django.db import IntegrityError, transaction

    ticket = call()
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(state=S.REPLIED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(due_at=ticket.received_at - timedelta(hours=1))
