"""Writes of the 微心愿 ledger (domain.md §11)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from jiuzhu.errors import ApplicationError
from regions.models import Level, Region

from ..models import Wish, WishCategory, WishSource, WishState


@transaction.atomic
def wish_record(*, actor: Any, village_code: str, content: str, person_name: str, source: str,
                household: Any = None, visit: Any = None, event: Any = None, ticket: Any = None,
                category: str = "") -> Wish:
    """Record a wish where it was heard (a visit, a hotline call, an event). With a category it
    is classified at once; otherwise it waits in the township's queue as collected."""
    content, person_name = content.strip(), person_name.strip()
    if not content:
        raise ApplicationError(_("请填写心愿内容"), field="content")
    if not person_name:
        raise ApplicationError(_("请填写心愿人"), field="person_name")
    if source not in WishSource.values:
        raise ApplicationError(_("心愿来源不正确"), field="source")
    if category and category not in WishCategory.values:
        raise ApplicationError(_("心愿类别不正确"), field="category")
    if not Region.objects.filter(code=village_code, level=Level.VILLAGE).exists():
        raise ApplicationError(_("请选择心愿人所在的村（社区）"), field="village")
    if household is not None and household.village_id != village_code:
        raise ApplicationError(_("家庭不在所选村（社区）"), field="village")
    wish = Wish.objects.create(
        number=f"tmp-{timezone.now().timestamp()}", village_id=village_code, household=household,
        person_name=person_name, source=source, visit=visit, event=event, ticket=ticket,
        content=content, category=category,
        state=WishState.CLASSIFIED if category else WishState.COLLECTED, created_by=actor)
    # The number is the year and the row id: unique without a counter table to lock.
    wish.number = f"XY{timezone.localdate():%Y}{wish.pk:06d}"
    wish.save(update_fields=["number"])
    audit_record(actor=actor, action="outreach.wish_record", obj=wish, region_code=village_code,
                 after={"number": wish.number, "source": source, "state": wish.state,
                        "category": category})
    return wish
