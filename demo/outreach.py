"""Reaching people in the demo county (domain.md §11, §12): 暖心关怀联系卡, grid workers' visits,
the 微心愿 ledger, hotline tickets and 救助赶大集 events over the last four months.

Everything goes through the real services, as the persona who would act: one card batch per
village by the township's clerk (county_admin where the township has no clerk account), most cards
handed over on a visit by the village's grid worker (grid_a in 大寨村; the demo has no other grid
worker, so elsewhere the township clerk or county_admin visits), wishes and tickets through every
step of their lifecycles, events with their tallies. The steps are one agenda played in the order
they happened, so wish and ticket numbers follow the calendar.

Backdating: the services stamp each step with the real clock, and refuse a visit dated before its
household was registered (the demo's households are all registered on the day the seed runs). So
right after a service made a step, the step is moved back to its planned time: the row's own
timestamps, a wish's audit rows (the ledger's timeline is read from them) and a ticket's steps.
Rows the run made are told apart by being newer than the run's start. Other audit rows keep the
real time, as in demo/cases.py. Due dates are worked out again from the moved start with the
services' own functions (`wishes.due_date`, `tickets.sla.reply_due`). The daily jobs
(escalate_wishes, supervise_tickets) then run once, for today. Deterministic for a seed (the
card tokens are random, as they must be); skipped when any of this data exists.
"""

from __future__ import annotations

import io
import itertools
import random
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Min, Model, Sum
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from audit.models import AuditEvent
from calendar_days.workdays import WorkingDayCounter
from cards.models import Card, CardBatch
from cards.selectors import households_due_a_card, on_card_enrollments
from cards.services import card_batch_issue, card_issue, card_reissue
from cases.choices import OPEN_STATES, Channel
from cases.models import Case
from outreach.models import (
    EntryKind,
    EventEntry,
    OutreachEvent,
    Satisfaction,
    Visit,
    VisitKind,
    Wish,
    WishSource,
)
from outreach.selectors.visits import Area, due_households
from outreach.services import events as event_services
from outreach.services import wishes as wish_services
from outreach.services.visits import VisitInput, WishInput, visit_record
from policies.models import Department
from registry.models import Household, Person
from tickets import services as ticket_services
from tickets import sla
from tickets.models import StepKind, Ticket, TicketStep

from . import outreach_stories as stories
from .cases import TOWNSHIP_C
from .payroll import MIGRATED_REASON
from .reference import COUNTY, EFFECTIVE_FROM, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A

WINDOW_DAYS = 120  # "the last four months"
ROLLOUT_AGO = 116  # the county printed the villages' cards then, township by township
DELIVERED_SHARE = 0.85
EXTERNAL_DUE_DAYS = 7  # the 12345 centre's deadline on its referrals (demo value)
# How a household on a visit list stands today: visited within its cycle, past it, or due now.
OUTCOMES, OUTCOME_WEIGHTS = ("done", "overdue", "due"), (60, 25, 15)
TOWNSHIP_GROUPS = {"A": TOWNSHIP_A, "a": TOWNSHIP_A, "B": TOWNSHIP_B, "C": TOWNSHIP_C}


@dataclass(frozen=True)
class OutreachSummary:
    cards: int
    delivered: int
    visits: int
    wishes: Counter[str]
    tickets: Counter[str]
    events: int
    consultations: int


@dataclass(order=True)
class _Item:
    when: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


@dataclass
class _VisitPlan:
    household: int
    village: str
    day: date
    kind: str = VisitKind.SCHEDULED
    deliver: bool = False
    wish: _Wish | None = None


@dataclass
class _Wish:
    spec: stories.WishSpec
    village: str = ""
    household: int = 0
    person: str = ""
    wish_id: int = 0


@dataclass
class _Ticket:
    spec: stories.TicketSpec
    township: str = ""
    household: int | None = None
    ticket_id: int = 0


class Staff:
    def __init__(self) -> None:
        users = {u.username: u for u in User.objects.select_related("region").filter(
            username__in=["county_admin", "clerk_a", "clerk_b", "clerk_c", "reviewer_a", "grid_a"])}
        self.county = users["county_admin"]
        self.users = users
        self.clerks = {t: users[n] for t, n in ((TOWNSHIP_A, "clerk_a"), (TOWNSHIP_B, "clerk_b"),
                                                (TOWNSHIP_C, "clerk_c")) if n in users}

    def township(self, code: str) -> User:
        """Who acts for the township of a village (or the township itself)."""
        return self.clerks.get(code[:9] + "000", self.county)

    def visitor(self, village: str) -> User:
        return self.users["grid_a"] if village == VILLAGE_A else self.township(village)

    def village(self, village: str) -> User:
        """Feedback and 回访 are the grid worker's, or the county's where there is none."""
        return self.users["grid_a"] if village == VILLAGE_A else self.county


class OutreachSeeder:
    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(f"{seed}-outreach")
        self.today = today
        self.started = timezone.now()
        self.cap = self.started - timedelta(minutes=1)
        self.earliest = max(today - timedelta(days=WINDOW_DAYS), EFFECTIVE_FROM)
        self.staff = Staff()
        self.items: list[_Item] = []
        self.seq = itertools.count()
        self.visits: dict[tuple[int, date], _VisitPlan] = {}
        self.card_day: dict[int, date] = {}
        self.listed: dict[int, tuple[str, int]] = {}  # on a visit list: village, cycle days
        self.heads: dict[int, str] = {}
        self.households: dict[int, Household] = {}
        self.village_by_household: dict[int, str] = {}
        self.tickets: list[_Ticket] = []
        self.events: list[OutreachEvent | None] = [None] * len(stories.EVENTS)
        # The working days around the window, read once (`later` needs hundreds of them).
        counter = WorkingDayCounter(self.earliest - timedelta(days=1), today + timedelta(days=60))
        self.working_days = [d for d in (self.earliest + timedelta(days=i) for i in range(
            (today - self.earliest).days + 60)) if counter.between(d - timedelta(days=1), d) == 1]

    # -- time ------------------------------------------------------------------------------------

    def ago(self, days: int) -> date:
        return max(self.today - timedelta(days=days), self.earliest)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        moment = timezone.make_aware(datetime.combine(day, time(hour, minute)))
        return min(moment, self.cap)

    def later(self, moment: datetime, gap: str) -> datetime:
        """"5h": hours later (hotlines are on 24-hour duty); "2d": that many working days later
        at an office hour ("0d": later the same day)."""
        n, unit = int(gap[:-1]), gap[-1]
        if unit == "h":
            return min(moment + timedelta(hours=n), self.cap)
        day = timezone.localdate(moment)
        if n:  # the n-th working day after `day` (the day itself not counted)
            day = min(self.working_days[bisect_right(self.working_days, day) + n - 1], self.today)
        office = self.at(day, self.rng.randint(9, 16), self.rng.choice((0, 15, 30, 45)))
        return min(max(office, moment + timedelta(minutes=40)), self.cap)

    def add(self, when: datetime, run: Callable[[], None]) -> None:
        self.items.append(_Item(when, next(self.seq), run))

    def move_back(self, model: type[Model], pk: int, fields: tuple[str, ...],
                  when: datetime) -> None:
        """Set to `when` the timestamps the last service call wrote (newer than the run)."""
        row = model._default_manager.filter(pk=pk).values(*fields).get()
        changed = {f: when for f, v in row.items() if v is not None and v >= self.started}
        if changed:
            model._default_manager.filter(pk=pk).update(**changed)

    # -- cards -----------------------------------------------------------------------------------

    def plan_cards(self) -> None:
        rollout = self.ago(ROLLOUT_AGO)
        # Recipients who started after the rollout get a card of their own, issued a few days
        # ago. Issued first (the batches below take every household still without a card),
        # then dated back.
        new = (on_card_enrollments().values("household_id").annotate(first=Min("start_month"))
               .filter(first__gt=rollout).order_by("household_id"))
        for row in new:
            household = Household.objects.get(pk=row["household_id"])
            card = card_issue(actor=self.staff.township(household.village_id), household=household)
            self.move_back(Card, card.pk, ("issued_at",), self.at(self.ago(self.rng.randint(1, 5)), 11))
        villages = sorted({v for v in on_card_enrollments().values_list("village_id", flat=True)})
        for i, village in enumerate(villages):
            households = list(households_due_a_card(village).values_list("pk", flat=True))
            if not households:
                continue
            day = min(rollout + timedelta(days=i // 3), self.today)
            self.card_day |= dict.fromkeys(households, day)
            self.add(self.at(day, 10), partial(self._batch, village, day))

    def _batch(self, village: str, day: date) -> None:
        batch = card_batch_issue(actor=self.staff.township(village), village_code=village)
        when = self.at(day, 10)
        CardBatch.objects.filter(pk=batch.pk).update(created_at=when)
        Card.objects.filter(batch=batch).update(issued_at=when)

    def _reissue(self, household: int, when: datetime) -> None:
        card = Card.objects.get(household_id=household, revoked_at__isnull=True)
        new = card_reissue(actor=self.staff.township(card.household.village_id), card=card,
                           reason="卡片遗失，户主申请补发")
        Card.objects.filter(pk=card.pk).update(revoked_at=when)
        Card.objects.filter(pk=new.pk).update(issued_at=when)

    # -- visits ----------------------------------------------------------------------------------

    def plan_visits(self) -> None:
        self.listed = {h.pk: (h.village_id, h.cycle_days)  # type: ignore[attr-defined]
                       for h in due_households(Area(self.staff.county, self.today))}
        self.heads = dict(Person.objects.filter(relation="applicant").values_list(
            "household_id", "name"))
        self.village_by_household = dict(Household.objects.values_list("pk", "village_id"))
        for pk in sorted(self.listed):
            village, cycle = self.listed[pk]
            delivered_on = None
            if pk in self.card_day and self.rng.random() < DELIVERED_SHARE:
                delivered_on = min(self.card_day[pk] + timedelta(days=self.rng.randint(3, 40)),
                                   self.today)
                self.visit(pk, delivered_on).deliver = True
            outcome = self.rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0]
            if outcome == "due":
                continue
            span = (1, cycle - 1) if outcome == "done" else (cycle + 1, cycle + 30)
            last = self.today - timedelta(days=self.rng.randint(*span))
            if last < self.earliest:
                continue
            self.visit(pk, last)
            # 大寨村's history is complete: a visit each cycle back to the card's delivery.
            while village == VILLAGE_A and outcome == "done":
                last -= timedelta(days=cycle + self.rng.randint(-4, 4))
                if last < max(delivered_on or self.earliest, self.earliest):
                    break
                self.visit(pk, last)
        self._plan_reissue()

    def visit(self, household: int, day: date, kind: str = VisitKind.SCHEDULED) -> _VisitPlan:
        plan = self.visits.get((household, day))
        if plan is None:
            plan = self.visits[household, day] = _VisitPlan(
                household, self.village_of(household), day, kind)
        return plan

    def village_of(self, household: int) -> str:
        return self.village_by_household[household]

    def _plan_reissue(self) -> None:
        """One card (in 大寨村) was lost after its delivery: re-issued, the new one not yet handed over."""
        delivered = [p for p in self.visits.values() if p.deliver and (self.today - p.day).days > 30]
        lost = [p for p in delivered if p.village == VILLAGE_A] or delivered  # small demos
        if lost:
            plan = self.rng.choice(sorted(lost, key=lambda p: p.household))
            day = plan.day + timedelta(days=self.rng.randint(10, (self.today - plan.day).days - 10))
            self.add(self.at(day, 15), partial(self._reissue, plan.household, self.at(day, 15)))

    def schedule_visits(self) -> None:
        self.households = Household.objects.in_bulk({p.household for p in self.visits.values()})
        for plan in sorted(self.visits.values(), key=lambda p: (p.day, p.household)):
            when = self.at(plan.day, self.rng.randint(9, 17), self.rng.choice((0, 20, 40)))
            self.add(when, partial(self._visit, plan, when))
            if plan.wish is not None:
                self.wish_steps(plan.wish, when)

    def _visit(self, plan: _VisitPlan, when: datetime) -> None:
        findings = (stories.LEAD_FINDINGS if plan.kind == VisitKind.LEAD
                    else stories.DELIVERY if plan.deliver else self.rng.choice(stories.FINDINGS))
        wish = WishInput(content=plan.wish.spec.content) if plan.wish else None
        visit = visit_record(
            actor=self.staff.visitor(plan.village), household=self.households[plan.household],
            data=VisitInput(visited_on=timezone.localdate(), kind=plan.kind, findings=findings,
                            needs=self.rng.choice(stories.NEEDS), card_delivered=plan.deliver),
            signature_png=self.signature() if plan.deliver else None, wish=wish)
        Visit.objects.filter(pk=visit.pk).update(visited_on=plan.day, created_at=when)
        if plan.deliver:
            Card.objects.filter(delivery_visit=visit).update(delivered_at=when)
        if plan.wish is not None:
            plan.wish.wish_id = visit.wishes.get().pk
            self.stamp_wish(plan.wish, when)

    def signature(self) -> bytes:
        """A scribble standing for the household's signature on the grid worker's phone."""
        image = Image.new("L", (360, 120), 255)
        x, y, points = 30, 60, [(30, 60)]
        for _ in range(14):
            x, y = x + self.rng.randint(10, 22), max(15, min(105, y + self.rng.randint(-30, 30)))
            points.append((x, y))
        ImageDraw.Draw(image).line(points, fill=0, width=3)
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()

    # -- events ----------------------------------------------------------------------------------

    def plan_events(self) -> None:
        for index, spec in enumerate(stories.EVENTS):
            day = self.ago(spec.age)
            actor = self.staff.township(spec.township)
            self.add(self.at(day - timedelta(days=7), 15),
                     partial(self._event_create, index, spec, day))
            tallies: list[tuple[str, int, str, Any]] = [
                *((EntryKind.CONSULTATION, n, "现场政策咨询", None) for n in spec.consultations),
                (EntryKind.OPINION, spec.opinions, "收集社情民意表", None),
                (EntryKind.MATERIALS, spec.materials, "发放政策明白卡和宣传折页", None)]
            cases = sorted(Case.objects.filter(village__parent_id=spec.township, state__in=OPEN_STATES)
                           .exclude(reason=MIGRATED_REASON), key=lambda c: (c.channel != Channel.PROXY, c.pk))
            tallies += [(EntryKind.APPLICATION, 1, "现场帮办救助申请", c.number)
                        for c in cases[:spec.applications]]
            for n, household in enumerate(self._leads(spec)):
                tallies.append((EntryKind.LEAD, 1, "群众反映家中困难，转网格员入户核实", household))
                if n or spec.township != TOWNSHIP_A:  # 崆峒镇's first lead still waits for grid_a
                    follow_up = min(day + timedelta(days=self.rng.randint(2, 6)), self.today)
                    self.visit(household, follow_up, VisitKind.LEAD)
            for k, entry in enumerate(tallies):
                when = self.at(day, 9 + k % 6, 30)
                self.add(when, partial(self._entry, index, actor, entry, when))

    def _leads(self, spec: stories.EventSpec) -> list[int]:
        """Households not on any visit list yet; 崆峒镇's market reports one in 大寨村."""
        candidates = sorted((village != VILLAGE_A, pk) for pk, village in self.village_by_household.items()
                            if village[:9] == spec.township[:9] and pk not in self.listed)
        first = candidates[:1] if spec.township == TOWNSHIP_A else []
        rest = candidates[len(first):]
        return [pk for _a, pk in first + self.rng.sample(rest, min(len(rest), spec.leads - len(first)))]

    def _event_create(self, index: int, spec: stories.EventSpec, day: date) -> None:
        actor = self.staff.township(spec.township)
        staff = {actor.pk, self.staff.county.pk}
        if spec.township == TOWNSHIP_A:
            staff |= {self.staff.users["reviewer_a"].pk, self.staff.users["grid_a"].pk}
        event = event_services.event_create(actor=actor, data=event_services.EventInput(
            title=spec.title, region_code=spec.township, place=spec.place, held_on=day,
            staff_ids=sorted(staff), staff_note="区民政局、区医保局、区人社局、区残联工作人员"))
        OutreachEvent.objects.filter(pk=event.pk).update(created_at=self.at(day - timedelta(days=7), 15))
        self.events[index] = event

    def _entry(self, index: int, actor: User, entry: tuple[str, int, str, Any],
               when: datetime) -> None:
        kind, count, note, target = entry
        event = self.events[index]
        assert event is not None
        made = event_services.entry_record(
            actor=actor, event=event, kind=kind, count=count, note=note,
            case=target if kind == EntryKind.APPLICATION else None,
            household=Household.objects.get(pk=target) if kind == EntryKind.LEAD else None)
        EventEntry.objects.filter(pk=made.pk).update(recorded_at=when)

    def _event_wish(self, story: _Wish, when: datetime) -> None:
        index = int(story.spec.where)
        event = self.events[index]
        assert event is not None
        # The township's clerk at the stall; the county's staff for someone from elsewhere (a
        # small demo may have no household in the township).
        township = stories.EVENTS[index].township
        actor = (self.staff.township(township) if story.village[:9] == township[:9]
                 else self.staff.county)
        household = Household.objects.get(pk=story.household)
        entry = event_services.entry_record(
            actor=actor, event=event, kind=EntryKind.CONSULTATION, note="现场咨询并登记微心愿",
            household=household, wish=event_services.WishInput(
                content=story.spec.content, person_name=story.person))
        EventEntry.objects.filter(pk=entry.pk).update(recorded_at=when)
        story.wish_id = Wish.objects.filter(event=event).latest("pk").pk
        self.stamp_wish(story, when)

    # -- tickets ---------------------------------------------------------------------------------

    def plan_tickets(self) -> None:
        for spec in stories.TICKETS:
            story = _Ticket(spec, township=TOWNSHIP_GROUPS.get(spec.where, ""))
            if story.township and spec.topic in ("help", "complaint"):
                story.household = self.pick(spec.where)
            self.tickets.append(story)
            when = self.at(self.ago(spec.age), spec.hour, self.rng.choice((5, 20, 35, 50)))
            self.add(when, partial(self._receive, story, when))
            for token in spec.path.split():
                step, gap, *arg = token.split(":")
                when = self.later(when, gap)
                self.add(when, partial(self._ticket_step, story, step, arg, when))

    def pick(self, where: str) -> int:
        """A household of a township group ("A": 大寨村 only) or township code, preferably one on
        a visit list; anywhere in the county when a small demo has none there."""
        township = TOWNSHIP_GROUPS.get(where, where)

        def inside(village: str) -> bool:
            return village == VILLAGE_A if where == "A" else village[:9] == township[:9]

        pool = (sorted(pk for pk, (village, _c) in self.listed.items() if inside(village))
                or sorted(pk for pk, village in self.village_by_household.items() if inside(village))
                or sorted(self.village_by_household))
        return self.rng.choice(pool)

    def _receive(self, story: _Ticket, when: datetime) -> None:
        spec = story.spec
        due = None
        external: dict[str, Any] = {}
        if spec.channel == "12345":
            # The centre's own deadline: a week, to the evening (not clamped: it may lie ahead).
            due = timezone.make_aware(datetime.combine(
                timezone.localdate(when) + timedelta(days=EXTERNAL_DUE_DAYS), time(18)))
            # The service refuses a centre's due time already past (right for a call taken
            # now): it gets the same span from now, and the planned time replaces it below.
            external = {"external_number": f"PL{when:%Y%m%d}{self.rng.randint(1000, 9999)}",
                        "external_due": self.started + (due - when) + timedelta(hours=1)}
        department = stories.DEPARTMENTS.get(spec.where)
        caller = self.heads.get(story.household or 0) or self.rng.choice(["张", "王", "李", "马"]) + "先生"
        ticket = ticket_services.ticket_receive(actor=self.staff.county, data=ticket_services.TicketInput(
            channel=spec.channel, topic=spec.topic, urgency=spec.urgency, subject=spec.subject,
            content=spec.content, caller_name=caller, caller_phone=f"139{self.rng.randint(10**7, 10**8 - 1)}",
            household_id=story.household, township_code=story.township,
            department_id=Department.objects.get(name=department).pk if department else None,
            **external))
        story.ticket_id = ticket.pk
        self.stamp_ticket(story, when, sla.reply_due(urgency=spec.urgency, start=when,
                                                     region_code=COUNTY[0], external_due=due))
        if due is not None:
            step = TicketStep.objects.get(ticket_id=ticket.pk, kind=StepKind.RECEIVE)
            step.note = step.note.replace(f"{timezone.localtime(external['external_due']):%Y-%m-%d %H:%M}",
                                          f"{timezone.localtime(due):%Y-%m-%d %H:%M}")
            step.save(update_fields=["note"])

    def _ticket_step(self, story: _Ticket, step: str, arg: list[str], when: datetime) -> None:
        t, county = story.ticket_id, self.staff.county
        handler = self.staff.clerks.get(story.township, county) if story.township else county
        due = None
        if step == "accept":
            ticket_services.ticket_accept(actor=handler, ticket_id=t, note="已签收，安排专人办理")
        elif step == "reply":
            ticket_services.ticket_reply(actor=handler, ticket_id=t, reply=stories.REPLY)
        elif step == "supervise":
            ticket_services.ticket_supervise(actor=county, ticket_id=t,
                                              note="已超过答复时限，请抓紧办理并答复来电人")
        elif step == "close":
            ticket_services.ticket_close(actor=county, ticket_id=t, note="已答复来电人，诉求办结")
        elif step == "revisit":
            ticket_services.ticket_revisit(actor=county, ticket_id=t, note="电话回访来电人")
        else:
            rating = arg[0]
            ticket = ticket_services.ticket_rate(actor=county, ticket_id=t, rating=rating,
                                                 note="补贴仍未到账" if rating == "unsatisfied" else "")
            if rating == "unsatisfied":  # reopened: a new reply clock from the rating
                due = sla.reply_due(urgency=ticket.urgency, start=when, region_code=ticket.region_id)
        self.stamp_ticket(story, when, due)

    def stamp_ticket(self, story: _Ticket, when: datetime, due: sla.Due | None = None) -> None:
        self.move_back(Ticket, story.ticket_id, ("received_at", "dispatched_at", "replied_at",
                                                 "closed_at", "revisited_at", "rated_at"), when)
        TicketStep.objects.filter(ticket_id=story.ticket_id, at__gte=self.started).update(at=when)
        if due is not None:
            Ticket.objects.filter(pk=story.ticket_id).update(due_at=due.at,
                                                              due_provisional=due.provisional)

    # -- wishes ----------------------------------------------------------------------------------

    def plan_wishes(self) -> None:
        for spec in stories.WISHES:
            story = _Wish(spec)
            if spec.source == "hotline":
                ticket = self.tickets[int(spec.where)]
                story.household = ticket.household or self.pick(ticket.spec.where or "a")
                when = self.later(self.at(self.ago(ticket.spec.age), ticket.spec.hour, 50), "1h")
                self.add(when, partial(self._hotline_wish, story, ticket, when))
            elif spec.source == "event":
                event = stories.EVENTS[int(spec.where)]
                story.household = self.pick(event.township)
                when = self.at(self.ago(event.age), self.rng.randint(10, 14), 10)
                self.add(when, partial(self._event_wish, story, when))
            else:
                story.household = self.pick(str(spec.where))
                day = self.ago(spec.age)
                if spec.source == "visit":
                    while (plan := self.visit(story.household, day)).wish is not None:
                        day -= timedelta(days=1)  # one wish per visit
                    plan.wish = story
                    when = None
                else:
                    when = self.at(day, self.rng.randint(9, 16), 30)
                    self.add(when, partial(self._window_wish, story, when))
            story.village = self.village_of(story.household)
            story.person = self.heads.get(story.household, "")
            if when is not None:
                self.wish_steps(story, when)

    def wish_steps(self, story: _Wish, when: datetime) -> None:
        for step in stories.PATHS[story.spec.path].split():
            low, high = stories.WISH_GAPS[step]
            when = self.later(when, f"{self.rng.randint(low, high)}d")
            satisfaction = self.rng.choice([Satisfaction.SATISFIED, Satisfaction.SATISFIED,
                                            Satisfaction.BASIC])
            self.add(when, partial(self._wish_step, story, step, when, satisfaction))

    def _hotline_wish(self, story: _Wish, ticket: _Ticket, when: datetime) -> None:
        wish = ticket_services.ticket_wish_create(
            actor=self.staff.county, ticket_id=ticket.ticket_id, village_code=story.village,
            person_name=story.person, content=story.spec.content, household_id=story.household)
        story.wish_id = wish.pk
        self.stamp_wish(story, when)

    def _window_wish(self, story: _Wish, when: datetime) -> None:
        wish = wish_services.wish_record(
            actor=self.staff.township(story.village), village_code=story.village,
            content=story.spec.content, person_name=story.person, source=WishSource.OTHER,
            household=Household.objects.get(pk=story.household))
        story.wish_id = wish.pk
        self.stamp_wish(story, when)

    def _wish_step(self, story: _Wish, step: str, when: datetime, satisfaction: str) -> None:
        spec, w = story.spec, story.wish_id
        township, village = self.staff.township(story.village), self.staff.village(story.village)
        due_from = None
        if step == "classify":
            wish_services.wish_classify(actor=township, wish_id=w, category=spec.category)
        elif step in ("on_spot", "on_spot_fb"):
            wish_services.wish_resolve_on_spot(actor=township, wish_id=w, result=spec.result,
                                               category=spec.category,
                                               feedback=stories.FEEDBACK if step == "on_spot_fb" else "")
        elif step == "assign":
            department = stories.ASSIGNEES.get(spec.category)
            person, phone = ("", "") if department else stories.CADRE
            wish_services.wish_assign(
                actor=township, wish_id=w, responsible_person=person, responsible_phone=phone,
                department_id=Department.objects.get(name=department).pk if department else None)
            due_from = timezone.localdate(when)
        elif step == "start":
            wish_services.wish_start(actor=township, wish_id=w)
        elif step == "resolve":
            reopened = Wish.objects.get(pk=w).reopen_count
            result = f"按回访意见重新办理：{spec.redo}" if reopened else spec.result
            wish_services.wish_resolve(actor=township, wish_id=w, result=result)
        elif step == "feedback":
            wish_services.wish_feedback(actor=village, wish_id=w, feedback=stories.FEEDBACK)
        elif step == "revisit":
            wish_services.wish_revisit(actor=village, wish_id=w, satisfaction=satisfaction,
                                       note=stories.REVISITS[Satisfaction(satisfaction)])
        elif step == "unsatisfied":
            wish_services.wish_revisit(actor=village, wish_id=w, satisfaction=Satisfaction.UNSATISFIED,
                                       note=f"回访时心愿人反映：{spec.complaint}")
            due_from = timezone.localdate(when)
        else:
            wish_services.wish_close(actor=township, wish_id=w)
        self.stamp_wish(story, when, due_from)

    def stamp_wish(self, story: _Wish, when: datetime, due_from: date | None = None) -> None:
        self.move_back(Wish, story.wish_id, ("created_at", "resolved_at", "feedback_at",
                                             "revisited_at", "closed_at"), when)
        AuditEvent.objects.filter(object_type="outreach.wish", object_id=str(story.wish_id),
                                  at__gte=self.started).update(at=when)
        if due_from is not None:  # the deadline runs from the (moved) day of assignment
            due = wish_services.due_date(story.village, due_from)
            Wish.objects.filter(pk=story.wish_id).update(due_on=due.date,
                                                          due_provisional=due.provisional)

    # -- all of it -------------------------------------------------------------------------------

    def run(self) -> OutreachSummary:
        self.plan_cards()
        self.plan_visits()
        self.plan_events()
        self.plan_tickets()
        self.plan_wishes()
        self.schedule_visits()
        for item in sorted(self.items):
            item.run()
        # The daily jobs, run for today as cron would.
        wish_services.wishes_escalate(self.today)
        ticket_services.tickets_supervise_overdue(now=timezone.now())
        return OutreachSummary(
            cards=Card.objects.filter(revoked_at__isnull=True).count(),
            delivered=Card.objects.filter(delivered_at__isnull=False).count(),
            visits=Visit.objects.count(),
            wishes=Counter(Wish.objects.values_list("state", flat=True)),
            tickets=Counter(Ticket.objects.values_list("state", flat=True)),
            events=OutreachEvent.objects.count(),
            consultations=EventEntry.objects.filter(kind=EntryKind.CONSULTATION).aggregate(
                n=Sum("count"))["n"] or 0)


def seed_outreach(seed: int, today: date) -> OutreachSummary | None:
    """Cards, visits, wishes, tickets and events, once: None when any of them exists."""
    if any(m.objects.exists() for m in (CardBatch, Card, Visit, Wish, Ticket, OutreachEvent)):
        return None
    with transaction.atomic():
        return OutreachSeeder(seed, today).run()
