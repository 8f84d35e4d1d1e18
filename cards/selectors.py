"""Reads of the care cards: what a card says, the staff lists, and what the public page may show.

Every staff read goes through `regions.scoping`. The card content is built set-based for a whole
sheet (one query each for the enrollments, the household heads and the hotlines of a village), so a
village of several hundred cards costs a handful of queries, not several per card.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from benefits.models import Enrollment, EnrollmentStatus
from policies.models import Programme
from policies.params import param_or
from regions.models import Region
from regions.scoping import scope, scoped_get_or_404
from registry.choices import Relation
from registry.models import Household, Person

from .models import Card, CardBatch, TokenAttempt

# What a card lists: the standing benefits a household receives. A one-off grant (临时救助) stays
# "active" after it is paid once, but it is no monthly benefit, so it is not printed on the card.
ON_CARD = Q(status=EnrollmentStatus.ACTIVE, one_off=False)

# Seed 000: "省、市、县三级社会救助服务热线" plus the 12345 government service line (domain.md §12).
HOTLINE_KEYS = [
    ("hotline.numbers.county", _("县（区）级救助热线")),
    ("hotline.numbers.city", _("市级救助热线")),
    ("hotline.numbers.province", _("省级救助热线")),
    ("hotline.numbers.gov", _("政务服务便民热线")),
]

# Throttling of unknown tokens on the public page, per client address (REMOTE_ADDR). A token is
# 192 random bits, so guessing is hopeless anyway; the limit stops a scanner from hammering the
# page and the table from growing. 10 mistyped or damaged codes in 15 minutes is already more than
# a household with a worn card produces.
TOKEN_ATTEMPT_WINDOW = timedelta(minutes=15)
TOKEN_ATTEMPT_LIMIT = 10


@dataclass(frozen=True)
class Hotline:
    label: str
    number: str


@dataclass(frozen=True)
class PolicyLine:
    programme: Programme
    monthly_amount: Decimal

    @property
    def department(self) -> Any:
        return self.programme.department


@dataclass
class CardContent:
    """Everything printed on one card (the PDF and the HTML preview use the same partial)."""

    card: Card
    head_name: str
    village_name: str
    county_name: str
    policies: list[PolicyLine]
    hotlines: list[Hotline]
    public_url: str
    departments: list[Any]  # the distinct responsible departments, in the order of the policies

    @property
    def department_count(self) -> int:
        return len(self.departments)

    @property
    def category_count(self) -> int:
        """Seed 000's "M类救助政策": the programme categories (基本生活、专项、急难…)."""
        return len({p.programme.category for p in self.policies})

    @property
    def monthly_total(self) -> Decimal:
        return sum((p.monthly_amount for p in self.policies), Decimal("0.00"))


def hotlines(region_code: str, on_date: date) -> list[Hotline]:
    """The hotline numbers in force for a region; a level the county has not set is left out."""
    lines = []
    for key, label in HOTLINE_KEYS:
        number = str(param_or(key, region_code, on_date, "") or "").strip()
        if number:
            lines.append(Hotline(str(label), number))
    return lines


def on_card_enrollments() -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(ON_CARD)


def households_due_a_card(village_code: str) -> QuerySet[Household]:
    """Households of a village with a benefit to print and no live card (a batch's candidates)."""
    return (Household.objects.filter(village_id=village_code)
            .filter(Exists(on_card_enrollments().filter(household=OuterRef("pk"))))
            .exclude(Exists(Card.objects.filter(household=OuterRef("pk"),
                                                revoked_at__isnull=True))))


def _county_name(village: Region) -> str:
    county = Region.objects.filter(code=village.code[:6] + "000000").first()
    return county.name if county else ""


def card_contents(cards: Iterable[Card], url_for: Callable[[str], str]) -> list[CardContent]:
    """The content of each card, in the given order; `url_for(token)` makes the absolute public
    URL the QR code holds."""
    cards = list(cards)
    household_ids = {c.household_id for c in cards}
    policies: dict[int, list[PolicyLine]] = {}
    for e in (on_card_enrollments().filter(household_id__in=household_ids)
              .select_related("programme__department")
              .order_by("programme__sort_order", "programme_id", "id")):
        policies.setdefault(e.household_id, []).append(PolicyLine(e.programme, e.monthly_amount))
    heads = dict(Person.objects.filter(household_id__in=household_ids, relation=Relation.APPLICANT)
                 .values_list("household_id", "name"))
    today = timezone.localdate()
    by_village: dict[str, tuple[list[Hotline], str, str]] = {}
    contents = []
    for card in cards:
        village = card.household.village
        if village.code not in by_village:
            by_village[village.code] = (hotlines(village.code, today), _county_name(village),
                                        village.full_name())
        lines, county_name, village_name = by_village[village.code]
        own = policies.get(card.household_id, [])
        departments = list({p.department.pk: p.department for p in own}.values())
        contents.append(CardContent(
            card=card, head_name=heads.get(card.household_id, ""), village_name=village_name,
            county_name=county_name, policies=own, hotlines=lines,
            public_url=url_for(card.token), departments=departments))
    return contents


# -- staff lists and details --------------------------------------------------------------------

@dataclass(frozen=True)
class CardFilter:
    village: str = ""
    delivered: str = ""  # "yes" | "no" | ""
    state: str = ""  # "live" | "revoked" | ""
    batch: str = ""


def _head_name() -> Subquery:
    return Subquery(Person.objects.filter(household=OuterRef("household_id"),
                                          relation=Relation.APPLICANT).values("name")[:1])


def card_list(user: Any, f: CardFilter) -> QuerySet[Card]:
    qs = scope(user, Card.objects.all())
    if f.village:
        qs = qs.filter(household__village_id=f.village)
    if f.delivered == "yes":
        qs = qs.filter(delivered_at__isnull=False)
    elif f.delivered == "no":
        qs = qs.filter(delivered_at__isnull=True)
    if f.state == "live":
        qs = qs.filter(revoked_at__isnull=True)
    elif f.state == "revoked":
        qs = qs.filter(revoked_at__isnull=False)
    if f.batch.isdigit():
        qs = qs.filter(batch_id=int(f.batch))
    return (qs.select_related("household__village__parent", "delivered_by", "delivery_visit")
            .annotate(head_name=_head_name()).order_by("-id"))


def batch_list(user: Any, village: str = "") -> QuerySet[CardBatch]:
    qs = scope(user, CardBatch.objects.all())
    if village:
        qs = qs.filter(village_id=village)
    return qs.select_related("village__parent", "created_by").order_by("-id")


def card_get(user: Any, card_id: int) -> Card:
    return scoped_get_or_404(
        user, Card.objects.select_related("household__village__parent", "batch", "issued_by",
                                          "delivered_by", "delivery_visit", "revoked_by"),
        pk=card_id)


def batch_get(user: Any, batch_id: int) -> CardBatch:
    return scoped_get_or_404(user, CardBatch.objects.select_related("village__parent",
                                                                    "created_by"), pk=batch_id)


def live_card(household: Household) -> Card | None:
    return household.cards.filter(revoked_at__isnull=True).first()


def has_benefits(household: Household) -> bool:
    return on_card_enrollments().filter(household=household).exists()


def printable_cards(queryset: QuerySet[Card]) -> QuerySet[Card]:
    """The live cards of a sheet, in the order the grid worker walks them (by household)."""
    return (queryset.filter(revoked_at__isnull=True)
            .select_related("household__village").order_by("household_id"))


def village_cards(user: Any, village_code: str) -> QuerySet[Card]:
    """A village's live cards for a reprinted sheet; empty outside the user's scope."""
    return printable_cards(scope(user, Card.objects.filter(household__village_id=village_code)))


def successor(card: Card) -> Card | None:
    """The household's live card after this one was revoked (for the staff page's link)."""
    if card.revoked_at is None:
        return None
    return live_card(card.household)


# -- the public page ----------------------------------------------------------------------------

def card_by_token(token: str) -> Card | None:
    """The card with this token, live or revoked (the page shows both invalid ones alike)."""
    return Card.objects.select_related("household__village").filter(token=token).first()


def token_throttled(ip: str) -> bool:
    since = timezone.now() - TOKEN_ATTEMPT_WINDOW
    return TokenAttempt.objects.filter(ip=ip, at__gte=since).count() >= TOKEN_ATTEMPT_LIMIT


def public_programmes(card: Card) -> list[Programme]:
    """The programmes on a card, without amounts (the public page explains them)."""
    ids = on_card_enrollments().filter(household_id=card.household_id).values("programme_id")
    return list(Programme.objects.filter(code__in=ids).select_related("department"))


def household_members(household: Household) -> QuerySet[Person]:
    return household.members.order_by("id")
