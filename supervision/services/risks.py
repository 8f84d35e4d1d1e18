"""Writes of the risk register (风险台账; seed 002 "盯风险隐患": 研判会 list the risks, cross-checks
follow them until they are removed).

    open → mitigating → closed      (open → closed too: a risk found not to hold any more)

A closed risk is history: it is not edited again, and a risk that comes back is registered anew.
Township clerks and reviewers keep their township's risks, the county admin every risk in the
county; closing (消除) takes a note of how the risk was removed, and is for reviewers and the
county (the clerk who works the mitigations does not declare them sufficient); the auditor reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from audit.services import audit_record
from jiuzhu.errors import ApplicationError, clean_text
from regions.scoping import region_in_scope

from ..models import Risk, RiskLevel, RiskState
from .ledgers import NOTE_MAX, PERSON_MAX, TITLE_MAX, item_region

S = RiskState
KEEPERS = frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER})
CLOSERS = frozenset({Role.COUNTY_ADMIN, Role.REVIEWER})


@dataclass(frozen=True)
class Move:
    action: str
    label: str | Promise
    sources: frozenset[str]
    target: str
    roles: frozenset[str]


MOVES = [
    Move("start", gettext_lazy("开始整改"), frozenset({S.OPEN}), S.MITIGATING, KEEPERS),
    Move("close", gettext_lazy("确认消除"), frozenset({S.OPEN, S.MITIGATING}), S.CLOSED, CLOSERS),
]
MOVE_BY_ACTION = {m.action: m for m in MOVES}
EDITABLE = frozenset({S.OPEN, S.MITIGATING})


@dataclass(frozen=True)
class RiskInput:
    title: str
    level: str
    owner: str
    description: str = ""
    mitigations: str = ""
    review_on: date | None = None


def _has_role(user: Any, roles: frozenset[str]) -> bool:
    return bool(user.is_superuser or getattr(user, "role", None) in roles)


def may_move(risk: Risk, action: str, user: Any) -> bool:
    move = MOVE_BY_ACTION[action]
    return (risk.state in move.sources and region_in_scope(user, risk.region_id)
            and _has_role(user, move.roles))


def may_edit(risk: Risk, user: Any) -> bool:
    return (risk.state in EDITABLE and region_in_scope(user, risk.region_id)
            and _has_role(user, KEEPERS))


def _locked(risk_id: int, actor: Any) -> Risk:
    risk = Risk.objects.select_for_update().filter(pk=risk_id).first()
    if risk is None:
        raise ApplicationError(_("风险隐患不存在"), code="not_found")
    if not region_in_scope(actor, risk.region_id):
        raise ApplicationError(_("该风险隐患不在您的辖区内"), code="forbidden")
    return risk


def _apply(risk: Risk, data: RiskInput, *, review_from: date | None) -> dict[str, Any]:
    """Check `data` and set it on `risk`; returns the audited values. A review date before today
    is refused only when it is being set (an unchanged, passed date just means the review is
    due)."""
    risk.title = clean_text(data.title, "title", _("风险隐患"), limit=TITLE_MAX)
    if data.level not in RiskLevel.values:
        raise ApplicationError(_("请选择风险等级"), field="level")
    risk.level = data.level
    risk.owner = clean_text(data.owner, "owner", _("责任人"), limit=PERSON_MAX)
    risk.description = clean_text(data.description, "description", _("具体表现"), required=False)
    risk.mitigations = clean_text(data.mitigations, "mitigations", _("防控措施"), required=False)
    if data.review_on and data.review_on != review_from and data.review_on < timezone.localdate():
        raise ApplicationError(_("下次研判日期不能早于今天"), field="review_on")
    risk.review_on = data.review_on
    return {"title": risk.title, "level": risk.level, "owner": risk.owner,
            "review_on": risk.review_on.isoformat() if risk.review_on else None}


@transaction.atomic
def risk_create(*, actor: Any, region_code: str, data: RiskInput) -> Risk:
    if not _has_role(actor, KEEPERS):
        raise ApplicationError(_("您的角色不能登记风险隐患"), code="forbidden")
    region = item_region(actor, region_code)
    risk = Risk(region=region, created_by=actor)
    after = _apply(risk, data, review_from=None)
    risk.save()
    audit_record(actor=actor, action="supervision.risk_create", obj=risk,
                 region_code=region.code, after={"state": risk.state, **after},
                 reason=risk.mitigations)
    return risk


@transaction.atomic
def risk_update(*, actor: Any, risk_id: int, data: RiskInput) -> Risk:
    """Revise a risk after a 研判会: its level, owner, mitigations, next review date."""
    risk = _locked(risk_id, actor)
    if not _has_role(actor, KEEPERS):
        raise ApplicationError(_("您的角色不能修改风险隐患"), code="forbidden")
    if risk.state not in EDITABLE:
        raise ApplicationError(_("已消除的风险隐患不能修改"), code="transition")
    before = {"title": risk.title, "level": risk.level, "owner": risk.owner,
              "review_on": risk.review_on.isoformat() if risk.review_on else None}
    after = _apply(risk, data, review_from=risk.review_on)
    risk.save(update_fields=["title", "level", "owner", "description", "mitigations",
                             "review_on"])
    audit_record(actor=actor, action="supervision.risk_update", obj=risk,
                 region_code=risk.region_id, before=before, after=after,
                 reason=risk.mitigations)
    return risk


def _move(risk: Risk, action: str, actor: Any) -> str:
    move = MOVE_BY_ACTION[action]
    if risk.state not in move.sources:
        raise ApplicationError(
            _("该风险隐患当前为“%(state)s”，不能“%(action)s”") % {
                "state": RiskState(risk.state).label, "action": move.label},
            code="transition")
    if not _has_role(actor, move.roles):
        raise ApplicationError(_("您的角色不能“%(action)s”") % {"action": move.label},
                               code="forbidden")
    before = risk.state
    risk.state = move.target
    return before


@transaction.atomic
def risk_start(*, actor: Any, risk_id: int) -> Risk:
    risk = _locked(risk_id, actor)
    before = _move(risk, "start", actor)
    risk.save(update_fields=["state"])
    audit_record(actor=actor, action="supervision.risk_start", obj=risk,
                 region_code=risk.region_id, before={"state": before},
                 after={"state": risk.state})
    return risk


@transaction.atomic
def risk_close(*, actor: Any, risk_id: int, note: str) -> Risk:
    """消除: how the risk was removed is required (the cross-check reads it)."""
    risk = _locked(risk_id, actor)
    before = _move(risk, "close", actor)
    risk.close_note = clean_text(note, "close_note", _("消除情况"), limit=NOTE_MAX)
    risk.closed_at = timezone.now()
    risk.save(update_fields=["state", "close_note", "closed_at"])
    audit_record(actor=actor, action="supervision.risk_close", obj=risk,
                 region_code=risk.region_id, before={"state": before},
                 after={"state": risk.state}, reason=risk.close_note)
    return risk
