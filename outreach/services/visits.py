"""Writes of the grid workers' visits (domain.md §11): one visit with its photos, the care card's
delivery with the household's signature, and a 微心愿 heard on the doorstep, all or nothing."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import audit_record
from cards.models import Card
from cards.services import card_deliver
from jiuzhu.errors import ApplicationError
from regions.scoping import region_in_scope
from registry.models import Household

from ..models import Visit, VisitKind, VisitPhoto, WishSource
from .wishes import wish_record

# Grid workers of the household's village, its township's staff and the county; the auditor
# reads only. The region check is `region_in_scope`: a grid worker's region is one village.
VISIT_RECORDERS = frozenset({Role.GRID_WORKER, Role.CLERK, Role.REVIEWER, Role.COUNTY_ADMIN})
MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 5 * 1024 * 1024
# A signature drawn on a phone is a few tens of kB as PNG; anything far larger is not one.
MAX_SIGNATURE_BYTES = 512 * 1024
# Recognised by their first bytes, not by the name or the browser's claim.
JPEG_MAGIC, PNG_MAGIC = b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class VisitInput:
    visited_on: date
    kind: str
    findings: str = ""
    needs: str = ""
    card_delivered: bool = False


@dataclass(frozen=True)
class WishInput:
    """A wish heard on the visit; `person_name` defaults to the household head."""

    content: str
    category: str = ""
    person_name: str = ""


def may_record(actor: Any, household: Household) -> bool:
    return bool(getattr(actor, "is_authenticated", False)
                and (actor.is_superuser or actor.role in VISIT_RECORDERS)
                and region_in_scope(actor, household.village_id))


def head_name(household: Household) -> str:
    head = household.applicant_person() or household.members.order_by("id").first()
    return head.name if head else ""


def _photo_extension(upload: UploadedFile) -> str:
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(JPEG_MAGIC):
        return "jpg"
    if head.startswith(PNG_MAGIC):
        return "png"
    raise ApplicationError(_("照片只能是 JPG 或 PNG 格式：%(name)s") % {"name": upload.name},
                           field="photos")


def _check_photos(photos: Sequence[UploadedFile]) -> list[str]:
    if len(photos) > MAX_PHOTOS:
        raise ApplicationError(_("每次走访最多上传%(n)d张照片") % {"n": MAX_PHOTOS}, field="photos")
    for photo in photos:
        if not photo.size:
            raise ApplicationError(_("照片文件为空：%(name)s") % {"name": photo.name},
                                   field="photos")
        if photo.size > MAX_PHOTO_BYTES:
            raise ApplicationError(_("每张照片不能超过5MB：%(name)s") % {"name": photo.name},
                                   field="photos")
    return [_photo_extension(p) for p in photos]


def _check_signature(card_delivered: bool, signature_png: bytes | None) -> bytes | None:
    """The household signs for the card; a signature without a delivery is not kept."""
    if not card_delivered:
        return None
    if not signature_png:
        raise ApplicationError(_("送达联系卡须由家庭成员在签名板上签字确认"), field="signature")
    if not signature_png.startswith(PNG_MAGIC) or len(signature_png) > MAX_SIGNATURE_BYTES:
        raise ApplicationError(_("签名数据无效，请重新签名"), field="signature")
    return signature_png


def _check_date(household: Household, visited_on: date) -> None:
    today = timezone.localdate()
    if visited_on > today:
        raise ApplicationError(_("走访日期不能晚于今天"), field="visited_on")
    registered = timezone.localdate(household.created_at)
    if visited_on < registered:
        raise ApplicationError(_("走访日期不能早于家庭登记日期（%(d)s）") % {"d": registered},
                               field="visited_on")


def _live_card(household: Household) -> Card:
    card = Card.objects.filter(household=household, revoked_at__isnull=True).first()
    if card is None:
        raise ApplicationError(_("该家庭尚未制卡，请先制卡"), field="card_delivered",
                               code="no_card")
    return card


def _record_wish(actor: Any, household: Household, visit: Visit, wish: WishInput) -> str:
    try:
        recorded = wish_record(
            actor=actor, village_code=household.village_id, content=wish.content,
            person_name=wish.person_name or head_name(household), source=WishSource.VISIT,
            household=household, visit=visit, category=wish.category)
    except ApplicationError as exc:
        # The wish is part of the visit form; its fields there are named wish_<field>.
        raise ApplicationError(exc.message, field=f"wish_{exc.field}" if exc.field else None,
                               code=exc.code) from exc
    return recorded.number


@transaction.atomic
def visit_record(*, actor: Any, household: Household, data: VisitInput,
                 photos: Sequence[UploadedFile] = (), signature_png: bytes | None = None,
                 wish: WishInput | None = None) -> Visit:
    """Record a visit; with `card_delivered`, the household's live card is marked delivered on
    it (signature required); with `wish`, a 微心愿 is recorded from it. Any error saves nothing."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if not may_record(actor, household):
        raise ApplicationError(_("您无权为该家庭登记走访"), code="forbidden")
    if data.kind not in VisitKind.values:
        raise ApplicationError(_("请选择走访类型"), field="kind")
    _check_date(household, data.visited_on)
    extensions = _check_photos(photos)
    signature = _check_signature(data.card_delivered, signature_png)
    card = _live_card(household) if data.card_delivered else None

    visit = Visit.objects.create(
        household=household, worker=actor, visited_on=data.visited_on, kind=data.kind,
        findings=data.findings.strip(), needs=data.needs.strip(),
        card_delivered=data.card_delivered)
    if card is not None:
        card_deliver(actor=actor, card=card, visit=visit)
    wish_number = _record_wish(actor, household, visit, wish) if wish else None
    # Files last: everything that can refuse the visit has run, so a refusal leaves no file.
    for upload, extension in zip(photos, extensions, strict=True):
        photo = VisitPhoto(visit=visit)
        photo.image.save(f"{secrets.token_hex(16)}.{extension}", upload, save=True)
    if signature is not None:
        visit.signature.save(f"{secrets.token_hex(16)}.png", ContentFile(signature), save=False)
        visit.save(update_fields=["signature"])
    audit_record(actor=actor, action="outreach.visit_record", obj=visit,
                 region_code=household.village_id,
                 after={"household": household.pk, "visited_on": str(data.visited_on),
                        "kind": data.kind, "card_delivered": data.card_delivered,
                        "card": getattr(card, "pk", None), "photos": len(photos),
                        "wish": wish_number})
    return visit
