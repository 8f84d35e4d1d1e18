"""The demo's cards, visits, wishes, tickets and events (demo/outreach.py): every state, made by
the services, dated over the last four months, the same for a seed, and made once."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Min, Sum
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from cards.models import Card, CardBatch
from cards.selectors import on_card_enrollments
from demo.outreach import ROLLOUT_AGO, seed_outreach
from demo.reference import COUNTY
from outreach.models import (
    EntryKind,
    EventEntry,
    OutreachEvent,
    Satisfaction,
    Visit,
    VisitKind,
    VisitPhoto,
    Wish,
    WishSource,
    WishState,
)
from outreach.models.wishes import overdue_q
from outreach.selectors.visits import Area, due_households, open_leads
from tickets import sla
from tickets.models import Channel, StepKind, Ticket, TicketState, TicketStep

pytestmark = pytest.mark.django_db
VILLAGE_A = "620802100201"


def _seed(households: int = 400, seed: int = 5) -> str:
    out = StringIO()
    call_command("seed_demo", "--households", str(households), "--seed", str(seed), stdout=out)
    return out.getvalue()


def _wipe_outreach() -> None:
    for model in (Wish, EventEntry, OutreachEvent, TicketStep, Ticket, Card, CardBatch,
                  VisitPhoto, Visit):
        model.objects.all().delete()


def _story() -> tuple[list[Any], ...]:
    """What the seed decided, without the clock's minutes or the random card tokens."""
    return (
        list(Wish.objects.order_by("id").values_list(
            "household_id", "source", "state", "category", "reopen_count", "due_on")),
        list(Ticket.objects.order_by("id").values_list(
            "household_id", "channel", "state", "region_id", "reopen_count", "supervision_count")),
        sorted(Visit.objects.values_list("household_id", "visited_on", "kind", "card_delivered")),
        list(EventEntry.objects.order_by("id").values_list("kind", "count", "case_id",
                                                            "household_id")),
    )


def test_demo_reaches_people_through_every_state() -> None:
    text = _seed()
    today, now = timezone.localdate(), timezone.now()
    window_start = today - timedelta(days=121)
    assert "暖心关怀联系卡" in text and "救助赶大集" in text

    # Every household with a standing benefit has one live card; most were handed over on a
    # visit with a signature, in 大寨村 by its grid worker.
    recipients = set(on_card_enrollments().values_list("household_id", flat=True))
    live = Card.objects.filter(revoked_at__isnull=True)
    assert set(live.values_list("household_id", flat=True)) == recipients
    assert live.count() == len(recipients)
    batches = CardBatch.objects.all()
    assert batches.count() == batches.values("village").distinct().count() >= 10  # one a village
    # Printed by village at the rollout; later recipients got a card of their own since.
    rollout = today - timedelta(days=ROLLOUT_AGO)
    starts = on_card_enrollments().values("household_id").annotate(first=Min("start_month"))
    later = {s["household_id"] for s in starts if s["first"] > rollout}
    reissued = Card.objects.get(revoked_at__isnull=False)
    single = set(live.filter(batch__isnull=True).values_list("household_id", flat=True))
    assert single - {reissued.household_id} == later - {reissued.household_id}
    assert live.filter(batch__isnull=False).exists()
    delivered = Card.objects.filter(delivered_at__isnull=False)
    assert delivered.count() >= 0.7 * live.filter(batch__isnull=False).count()  # most
    for card in delivered.select_related("delivery_visit"):
        visit = card.delivery_visit
        assert visit is not None and visit.signature and card.delivered_at is not None
        assert timezone.localdate(card.delivered_at) == visit.visited_on
        assert card.issued_at < card.delivered_at
    assert set(delivered.filter(household__village_id=VILLAGE_A)
               .values_list("delivered_by__username", flat=True)) == {"grid_a"}
    assert reissued.revoke_reason and reissued.household.cards.filter(revoked_at__isnull=True,
                                                                     delivered_at=None).exists()

    # Visits over the last four months leave the county's lists with done, due and overdue
    # households, and 崆峒镇's market left grid_a a lead to check.
    assert not Visit.objects.filter(visited_on__gt=today).exists()
    assert not Visit.objects.filter(visited_on__lt=window_start).exists()
    listed = list(due_households(Area(User.objects.get(username="county_admin"), today)))
    due = [h.due_on for h in listed]  # type: ignore[attr-defined]
    standing = {"overdue" if d < today else "due" if d == today else "done" for d in due}
    assert standing == {"done", "due", "overdue"}
    grid_a = User.objects.get(username="grid_a")
    assert open_leads(Area(grid_a, today, VILLAGE_A)).exists()
    assert Visit.objects.filter(kind=VisitKind.LEAD).exists()  # the other leads were followed up

    # 微心愿 in every state, from every source; the overdue ones escalated by the daily job;
    # one reopened after a 回访 with 不满意 and still being handled, one reopened and closed.
    wishes = Wish.objects.all()
    assert set(wishes.values_list("state", flat=True)) == set(WishState.values)
    assert set(wishes.values_list("source", flat=True)) == set(WishSource.values)
    assert 35 <= wishes.count() <= 45
    overdue = wishes.filter(overdue_q(today))
    assert overdue.count() >= 3 and not overdue.filter(escalation_level=0).exists()
    reopened = wishes.get(reopen_count=1, state=WishState.IN_PROGRESS)
    assert reopened.satisfaction == Satisfaction.UNSATISFIED
    assert reopened.due_on is not None and reopened.due_on >= today
    assert wishes.filter(reopen_count=1, state=WishState.CLOSED,
                         satisfaction=Satisfaction.SATISFIED).exists()
    for wish in wishes.filter(state=WishState.CLOSED):
        trail = list(AuditEvent.objects.filter(object_type="outreach.wish", object_id=str(wish.pk))
                     .order_by("at", "id").values_list("action", "at"))
        # The ledger's timeline is the audit trail, dated as the steps happened.
        assert trail[0] == ("outreach.wish_record", wish.created_at)
        assert trail[-1] == ("outreach.wish_close", wish.closed_at)
        assert wish.closed_at is not None and wish.closed_at < now
        assert window_start <= timezone.localdate(wish.created_at)
    numbers = list(wishes.order_by("id").values_list("created_at", flat=True))
    assert numbers == sorted(numbers)  # numbered in the order they were heard

    # Tickets in every state over the channels, with SLA breaches, 督办 and a reopened one.
    tickets = Ticket.objects.all()
    assert set(tickets.values_list("state", flat=True)) == set(TicketState.values)
    assert {Channel.COUNTY, Channel.HOTLINE_12345, Channel.HOTLINE_12349} <= set(
        tickets.values_list("channel", flat=True))
    referrals = tickets.filter(channel=Channel.HOTLINE_12345)
    assert referrals.count() >= 4 and not referrals.filter(external_number="").exists()
    assert all(t.due_at == sla.reply_due(urgency=t.urgency, start=t.received_at,
                                         region_code=COUNTY[0]).at
               for t in tickets.exclude(channel=Channel.HOTLINE_12345).filter(reopen_count=0))
    assert tickets.filter(sla.overdue_q(now)).count() >= 2
    assert tickets.filter(sla.replied_late_q()).count() >= 2
    supervised = tickets.filter(supervision_count__gt=0)
    assert supervised.count() >= 3
    assert TicketStep.objects.filter(kind=StepKind.SUPERVISE, actor__username="county_admin").exists()
    again = tickets.get(reopen_count=1)
    assert again.state == TicketState.HANDLING and again.due_at > now
    for ticket in tickets:
        steps = list(ticket.steps.values_list("at", flat=True))
        assert steps == sorted(steps) and steps[0] == ticket.received_at and steps[-1] <= now

    # Four 救助赶大集 events with hundreds of consultations, 帮办 cases and leads.
    assert OutreachEvent.objects.count() == 4
    for event in OutreachEvent.objects.all():
        consultations = event.entries.filter(kind=EntryKind.CONSULTATION).aggregate(n=Sum("count"))
        assert consultations["n"] >= 100
        assert event.entries.filter(kind=EntryKind.LEAD).exists()
        assert event.held_on < today and event.staff.exists()
    assert EventEntry.objects.filter(kind=EntryKind.APPLICATION, case__isnull=False).count() >= 3

    # A second run adds nothing.
    counts = [m.objects.count() for m in (Card, Visit, Wish, Ticket, TicketStep, EventEntry)]
    assert "跳过生成走访和热线演示数据" in _seed(seed=6)
    assert [m.objects.count() for m in (Card, Visit, Wish, Ticket, TicketStep, EventEntry)] == counts


def test_demo_outreach_is_the_same_for_a_seed() -> None:
    _seed(households=150, seed=3)
    first = _story()
    _wipe_outreach()
    assert seed_outreach(3, timezone.localdate()) is not None
    assert _story() == first
    assert seed_outreach(3, timezone.localdate()) is None
