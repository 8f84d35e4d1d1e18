"""公示 and objections (57号§19, 43号§15; domain.md §7).

The period is `publicity.length` days of `publicity.unit` (calendar by default) with the
posting day counted or not as `publicity.includes_start_day` says. The public page shows only
what the posting froze: masked name, household size, programme, amount, opinion.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calendar_days.workdays import add_working_days, working_days_between
from jiuzhu.errors import ApplicationError
from policies.params import param_or
from registry.masking import mask_name

from ..benefit import counted_members
from ..choices import CaseState, Family, ObjectionOutcome, PublicityStatus
from ..deadlines import due_after
from ..models import Case, Objection, Publicity
from ..workflow import family_of, lock, move


def publicity_period(region: str, starts_on: date) -> tuple[date, str]:
    """The last day of a 公示 posted on `starts_on`, and a warning if it lies in a holiday."""
    length = int(param_or("publicity.length", region, starts_on, 7))
    unit = str(param_or("publicity.unit", region, starts_on, "calendar"))
    includes_start = bool(param_or("publicity.includes_start_day", region, starts_on, True))
    if unit == "working":
        ends_on = add_working_days(starts_on - timedelta(days=1) if includes_start else starts_on,
                                   length).date
        return ends_on, ""
    ends_on = starts_on + timedelta(days=length - 1 if includes_start else length)
    # Domain §15 ex. 7: a calendar-day notice that falls (almost) wholly in a holiday is valid
    # but worth a warning, since few villagers will see it; posted on the 调休 Saturday before
    # Spring Festival 2026 it has that one working day and no other.
    warning = ""
    if working_days_between(starts_on - timedelta(days=1), ends_on) <= 1:
        warning = _("公示期全部在节假日内，建议顺延或加强线上公示")
    return ends_on, warning


def publicity_post(case: Case, *, actor: Any, starts_on: date, opinion: str) -> Publicity:
    """Called by the township-opinion service inside its transaction."""
    today = timezone.localdate()
    if starts_on < today - timedelta(days=3) or starts_on > today + timedelta(days=7):
        raise ApplicationError(_("公示开始日期须在今天前后一周内"), field="starts_on")
    ends_on, warning = publicity_period(case.village_id, starts_on)
    last = case.publicities.order_by("-round").first()
    return Publicity.objects.create(
        case=case, round=(last.round + 1) if last else 1, village_id=case.village_id,
        public_token=secrets.token_urlsafe(16), starts_on=starts_on, ends_on=ends_on,
        masked_name=mask_name(case.applicant.name), household_size=len(counted_members(case)),
        programme_name=case.programme.name, amount=case.amount, opinion=opinion[:200],
        warning=warning, created_by=actor,
    )


def _decision_clock(case: Case, today: date) -> None:
    case.county_received_on = today
    key = "deadline.tekun.county" if family_of(case) == Family.TEKUN else "deadline.dibao.county"
    case.decision_due = due_after(case, today, key)


def close_publicity_if_over(case: Case, today: date, *, actor: Any = None) -> bool:
    """Ends an expired period with no objection and sends the case on for decision."""
    if case.state != CaseState.PUBLICITY:
        return False
    current = case.publicities.order_by("-round").first()
    if current is None or current.status != PublicityStatus.ACTIVE or current.ends_on >= today:
        return False
    current.status = PublicityStatus.ENDED
    current.save(update_fields=["status"])
    move(case, "close_publicity", actor=actor, system=actor is None,
         actor_label="" if actor else _("系统（公示期满）"))
    _decision_clock(case, today)
    case.save()
    return True


def publicity_close_due(today: date | None = None) -> int:
    """The nightly job: every case whose 公示 ended before today goes on to decision."""
    today = today or timezone.localdate()
    ids = Publicity.objects.filter(status=PublicityStatus.ACTIVE, ends_on__lt=today,
                                   case__state=CaseState.PUBLICITY).values_list("case_id", flat=True)
    closed = 0
    for case_id in ids:
        with transaction.atomic():
            closed += close_publicity_if_over(lock(case_id), today)
    return closed


@transaction.atomic
def objection_file(*, token: str, content: str, contact_name: str = "",
                   contact_phone: str = "") -> Objection:
    """Anyone may object during the period; the case pauses for re-investigation."""
    publicity = Publicity.objects.filter(public_token=token).first()
    today = timezone.localdate()
    if (publicity is None or not (publicity.starts_on <= today <= publicity.ends_on)
            or publicity.status in {PublicityStatus.ENDED, PublicityStatus.WITHDRAWN}):
        raise ApplicationError(_("该公示不存在或已结束"), code="not_found")
    if not content.strip():
        raise ApplicationError(_("请填写异议内容"), field="content")
    if len(content) > 2000:
        raise ApplicationError(_("异议内容不超过2000字"), field="content")
    phone = contact_phone.strip()
    if phone and not (phone.replace("-", "").isdigit() and 7 <= len(phone) <= 20):
        raise ApplicationError(_("联系电话格式不正确"), field="contact_phone")
    case = lock(publicity.case_id)
    objection = Objection.objects.create(publicity=publicity, content=content.strip(),
                                         contact_name=contact_name.strip()[:50],
                                         contact_phone=phone)
    # A second objection in the same round joins the first; the case is already paused.
    if publicity.status == PublicityStatus.ACTIVE and case.state == CaseState.PUBLICITY:
        publicity.status = PublicityStatus.OBJECTED
        publicity.save(update_fields=["status"])
        move(case, "object", actor=None, system=True, actor_label=_("公众（公示异议）"),
             reason=_("公示期间收到异议"))
        case.save()
    return objection


@transaction.atomic
def case_reinvestigate(*, actor: Any, case_id: int) -> Case:
    case = lock(case_id)
    move(case, "reinvestigate", actor=actor)
    if family_of(case) == Family.TEKUN:
        # 43号§15: a new opinion within 15 WD of the objection's re-investigation.
        case.opinion_due = due_after(case, timezone.localdate(), "deadline.tekun.objection")
    case.save()
    return case


@transaction.atomic
def objection_resolve(*, actor: Any, case_id: int, outcome: str, outcome_text: str) -> Case:
    """Record the finding on every pending objection of the case; it is published with the
    village's notices and the case goes back for a new township opinion."""
    case = lock(case_id)
    if outcome not in {ObjectionOutcome.UPHELD, ObjectionOutcome.DISMISSED}:
        raise ApplicationError(_("请选择异议处理结果"), field="outcome")
    if not outcome_text.strip():
        raise ApplicationError(_("请填写处理结果说明（将公开）"), field="outcome_text")
    move(case, "resolve_objection", actor=actor, reason=outcome_text)
    # The paused round is over; a new opinion posts a new round.
    case.publicities.filter(status=PublicityStatus.OBJECTED).update(status=PublicityStatus.ENDED)
    Objection.objects.filter(publicity__case=case, outcome=ObjectionOutcome.PENDING).update(
        outcome=outcome, outcome_text=outcome_text.strip()[:2000],
        resolved_at=timezone.now(), resolved_by=actor,
    )
    case.save()
    return case
