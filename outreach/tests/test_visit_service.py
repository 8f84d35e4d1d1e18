"""visit_record: one visit with photos, the card's delivery and a wish, all or nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import PurePosixPath
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEvent
from cards.models import Card
from jiuzhu.errors import ApplicationError
from outreach.models import Visit, VisitKind, VisitPhoto, Wish, WishCategory, WishSource, WishState
from outreach.services import visits as services
from outreach.services.visits import VisitInput, WishInput, visit_record
from registry.models import Household

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _jpeg(name: str = "a.jpg", content: bytes = JPEG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def _data(**fields: Any) -> VisitInput:
    values: dict[str, Any] = {"visited_on": timezone.localdate(), "kind": VisitKind.SCHEDULED,
                              "findings": "老人身体尚可，冬季取暖煤已备"}
    return VisitInput(**(values | fields))


def _card(household: Household, **fields: Any) -> Card:
    return Card.objects.create(household=household, token=f"t{household.pk:031d}", **fields)


def _nothing_saved() -> None:
    assert not Visit.objects.exists()
    assert not VisitPhoto.objects.exists()
    assert not Wish.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="outreach.").exists()


@pytest.mark.django_db
def test_a_visit_is_recorded_with_its_photos_and_an_audit_row(
        household_a: Household, grid_a: User) -> None:
    visit = visit_record(actor=grid_a, household=household_a, data=_data(needs="需要轮椅"),
                         photos=[_jpeg(), SimpleUploadedFile("b.png", PNG)])

    assert visit.worker == grid_a and visit.needs == "需要轮椅" and not visit.card_delivered
    names = [p.image.name for p in visit.photos.order_by("id")]
    assert len(names) == 2 and names[0].endswith(".jpg") and names[1].endswith(".png")
    # Stored under random names, never the uploader's.
    assert all(re.fullmatch(r"[0-9a-f]{32}", PurePosixPath(n).stem) for n in names)
    assert visit.photos.get(image__endswith=".png").image.read() == PNG
    event = AuditEvent.objects.get(action="outreach.visit_record")
    assert event.object_id == str(visit.pk) and event.region_code == "620802100201"
    assert (event.after or {})["photos"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("photos", "message"), [
    ([SimpleUploadedFile("x.pdf", b"%PDF-1.4 not a photo")], "JPG 或 PNG"),
    # A PNG by name and browser claim, but the bytes say otherwise.
    ([SimpleUploadedFile("x.png", b"GIF89a....", content_type="image/png")], "JPG 或 PNG"),
    ([SimpleUploadedFile("empty.jpg", b"")], "为空"),
    ([_jpeg(content=JPEG + b"\x00" * services.MAX_PHOTO_BYTES)], "5MB"),
    ([_jpeg(f"{i}.jpg") for i in range(services.MAX_PHOTOS + 1)], "最多"),
])
def test_bad_photos_are_refused_and_nothing_is_saved(
        household_a: Household, grid_a: User, photos: list[Any], message: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        visit_record(actor=grid_a, household=household_a, data=_data(), photos=photos)

    assert exc.value.field == "photos" and message in exc.value.message
    _nothing_saved()


@pytest.mark.django_db
def test_the_card_delivery_is_recorded_on_the_card_with_the_signature(
        household_a: Household, grid_a: User) -> None:
    card = _card(household_a)

    visit = visit_record(actor=grid_a, household=household_a, data=_data(card_delivered=True),
                         signature_png=PNG)

    card.refresh_from_db()
    assert card.delivered_by == grid_a and card.delivery_visit == visit
    assert card.delivered_at is not None
    assert visit.card_delivered and visit.signature.read() == PNG
    assert AuditEvent.objects.filter(action="cards.card_deliver", object_id=str(card.pk)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("signature", [None, b"", b"\xff\xd8\xff not a png"])
def test_delivering_the_card_needs_a_png_signature(
        household_a: Household, grid_a: User, signature: bytes | None) -> None:
    card = _card(household_a)

    with pytest.raises(ApplicationError) as exc:
        visit_record(actor=grid_a, household=household_a, data=_data(card_delivered=True),
                     signature_png=signature)

    assert exc.value.field == "signature"
    card.refresh_from_db()
    assert card.delivered_at is None
    _nothing_saved()


@pytest.mark.django_db
def test_a_signature_without_the_card_box_is_not_kept(household_a: Household,
                                                      grid_a: User) -> None:
    visit = visit_record(actor=grid_a, household=household_a, data=_data(), signature_png=PNG)

    assert not visit.signature


@pytest.mark.django_db
@pytest.mark.parametrize("revoked", [False, True])
def test_no_live_card_saves_nothing_not_even_the_wish(
        household_a: Household, grid_a: User, revoked: bool) -> None:
    if revoked:
        _card(household_a, revoked_at=timezone.now())

    with pytest.raises(ApplicationError) as exc:
        visit_record(actor=grid_a, household=household_a, data=_data(card_delivered=True),
                     signature_png=PNG, photos=[_jpeg()],
                     wish=WishInput(content="想要一台轮椅", category=WishCategory.CARE))

    assert exc.value.field == "card_delivered" and exc.value.message == "该家庭尚未制卡，请先制卡"
    _nothing_saved()


@pytest.mark.django_db
def test_a_card_delivered_before_cannot_be_delivered_again(household_a: Household,
                                                           grid_a: User) -> None:
    _card(household_a)
    visit_record(actor=grid_a, household=household_a, data=_data(card_delivered=True),
                 signature_png=PNG)

    with pytest.raises(ApplicationError) as exc:
        visit_record(actor=grid_a, household=household_a, data=_data(card_delivered=True),
                     signature_png=PNG, wish=WishInput(content="米面油"))

    assert exc.value.field == "card_delivered"
    assert Visit.objects.count() == 1 and not Wish.objects.exists()


@pytest.mark.django_db
def test_a_wish_is_recorded_with_the_visit(household_a: Household, grid_a: User) -> None:
    visit = visit_record(actor=grid_a, household=household_a, data=_data(),
                         wish=WishInput(content="想要一台轮椅", category=WishCategory.CARE))

    wish = Wish.objects.get()
    assert wish.visit == visit and wish.household == household_a
    assert wish.source == WishSource.VISIT and wish.state == WishState.CLASSIFIED
    # The household head by default (household_a's applicant is 张三).
    assert wish.person_name == "张三" and wish.village_id == household_a.village_id
    audit = AuditEvent.objects.get(action="outreach.visit_record")
    assert (audit.after or {})["wish"] == wish.number


@pytest.mark.django_db
def test_a_wish_the_ledger_refuses_refuses_the_visit(household_a: Household,
                                                     grid_a: User) -> None:
    with pytest.raises(ApplicationError) as exc:
        visit_record(actor=grid_a, household=household_a, data=_data(),
                     wish=WishInput(content="想要轮椅", category="spaceship"))

    assert exc.value.field == "wish_category"
    _nothing_saved()


@pytest.mark.django_db
def test_the_visit_date_is_not_in_the_future_nor_before_registration(
        household_a: Household, grid_a: User) -> None:
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as exc:
        visit_record(actor=grid_a, household=household_a,
                     data=_data(visited_on=today + timedelta(days=1)))
    assert exc.value.field == "visited_on"

    Household.objects.filter(pk=household_a.pk).update(
        created_at=timezone.now() - timedelta(days=10))
    household_a.refresh_from_db()
    with pytest.raises(ApplicationError) as exc:
        visit_record(actor=grid_a, household=household_a,
                     data=_data(visited_on=today - timedelta(days=11)))
    assert exc.value.field == "visited_on" and "登记日期" in exc.value.message

    visit = visit_record(actor=grid_a, household=household_a,
                         data=_data(visited_on=today - timedelta(days=10)))
    assert visit.visited_on == today - timedelta(days=10)


@pytest.mark.django_db
def test_an_unknown_kind_is_refused(household_a: Household, grid_a: User) -> None:
    with pytest.raises(ApplicationError) as exc:
        visit_record(actor=grid_a, household=household_a, data=_data(kind="party"))
    assert exc.value.field == "kind"
    _nothing_saved()


@pytest.mark.django_db
def test_who_may_record(household_a: Household, grid_a: User, clerk_a: User, reviewer_a: User,
                        county_admin: User, clerk_b: User, auditor: User, liaison: User) -> None:
    other_village = User.objects.create(username="grid_a2", role=Role.GRID_WORKER,
                                        region_id="620802100202")
    for outsider in (other_village, clerk_b, auditor, liaison):
        with pytest.raises(ApplicationError) as exc:
            visit_record(actor=outsider, household=household_a, data=_data())
        assert exc.value.code == "forbidden", outsider.username
    _nothing_saved()

    for insider in (grid_a, clerk_a, reviewer_a, county_admin):
        visit_record(actor=insider, household=household_a, data=_data())
    assert set(Visit.objects.values_list("worker__username", flat=True)) == {
        "grid_a", "clerk_a", "reviewer_a", "county_admin"}


@pytest.mark.django_db
def test_a_visit_takes_the_household_off_the_overdue_list(household_a: Household,
                                                          grid_a: User) -> None:
    from jiuzhu.testing.benefits import enrolled
    from outreach.selectors.visits import overdue_count

    enrolled(household_a, programme="tekun", support_form="dispersed")
    Visit.objects.create(household=household_a, worker=grid_a,
                         visited_on=date(2026, 1, 2))
    today = timezone.localdate()
    assert overdue_count(grid_a, today) == 1

    visit_record(actor=grid_a, household=household_a, data=_data())

    assert overdue_count(grid_a, today) == 0
