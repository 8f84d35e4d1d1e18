"""The case state machine: one transition table, checked in one place (domain.md §2.5, §3.2, §4).

Each move names the states it leaves from, the state it reaches, the procedure families it
belongs to and the roles that may make it. Preconditions that need data (a survey on file, a
publicity period over) are checked by the service that makes the move, before calling `move`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from audit.services import audit_record
from jiuzhu.errors import ApplicationError
from regions.scoping import region_in_scope

from .choices import OPEN_STATES, PROGRAMME_FAMILY, CaseState, Family
from .models import Case, CaseTransition

S = CaseState
ALL = frozenset(Family)
REVIEWED = frozenset({Family.DIBAO, Family.TEKUN})  # the families with 公示 (57号§19, 43号§15)
# Placeholder resolved per case: who decides depends on delegation and amount (`decider_roles`).
DECIDER = "decider"


@dataclass(frozen=True)
class Move:
    action: str
    label: str | Promise
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    families: frozenset[str] = ALL
    reason_required: bool = False


def _m(action: str, label: Promise, sources: set[str] | frozenset[str], target: str,
       roles: set[str], families: frozenset[str] = ALL, reason: bool = False) -> Move:
    return Move(action, label, frozenset(sources), target, frozenset(roles), families, reason)


CLERK, REVIEWER, COUNTY, GRID = Role.CLERK, Role.REVIEWER, Role.COUNTY_ADMIN, Role.GRID_WORKER
MOVES = [
    _m("accept", gettext_lazy("受理"), {S.SUBMITTED}, S.ACCEPTED, {CLERK}),
    _m("return", gettext_lazy("退回补正（一次性告知）"), {S.SUBMITTED}, S.RETURNED, {CLERK},
       reason=True),
    _m("resubmit", gettext_lazy("补正后重新提交"), {S.RETURNED}, S.SUBMITTED, {CLERK, GRID}),
    _m("start_investigation", gettext_lazy("开始入户调查"), {S.ACCEPTED}, S.INVESTIGATING,
       {CLERK}),
    _m("complete_survey", gettext_lazy("调查完成，提请核对"), {S.INVESTIGATING}, S.VERIFYING,
       {CLERK}),
    _m("record_verification", gettext_lazy("出具核对结果"), {S.VERIFYING}, S.TOWNSHIP_OPINION,
       {COUNTY}),
    _m("publish", gettext_lazy("审核符合条件，发布公示"), {S.TOWNSHIP_OPINION}, S.PUBLICITY,
       {REVIEWER}, REVIEWED),
    _m("refer", gettext_lazy("提出审核意见，报送审批"), {S.TOWNSHIP_OPINION}, S.COUNTY_REVIEW,
       {REVIEWER}),
    _m("object", gettext_lazy("收到公示异议"), {S.PUBLICITY}, S.OBJECTION, set(), REVIEWED),
    _m("reinvestigate", gettext_lazy("开始异议复查"), {S.OBJECTION}, S.REINVESTIGATING, {CLERK},
       REVIEWED),
    _m("resolve_objection", gettext_lazy("异议处理完毕，重新审核"), {S.REINVESTIGATING},
       S.TOWNSHIP_OPINION, {REVIEWER}, REVIEWED),
    _m("close_publicity", gettext_lazy("公示期满，报送审批"), {S.PUBLICITY}, S.COUNTY_REVIEW,
       {REVIEWER}, REVIEWED),
    _m("approve", gettext_lazy("批准"), {S.COUNTY_REVIEW}, S.APPROVED, {DECIDER}),
    _m("reject", gettext_lazy("不予批准"), {S.COUNTY_REVIEW}, S.REJECTED, {DECIDER}, reason=True),
    _m("prepay", gettext_lazy("先行救助（备用金支付）"), {S.ACCEPTED}, S.PREPAID, {REVIEWER},
       frozenset({Family.TEMPORARY})),
    _m("complete_paperwork", gettext_lazy("补齐手续，确认救助"), {S.PREPAID}, S.APPROVED,
       {REVIEWER}, frozenset({Family.TEMPORARY})),
    _m("withdraw", gettext_lazy("申请人撤回"), OPEN_STATES - {S.PREPAID}, S.WITHDRAWN, {CLERK},
       reason=True),
    _m("terminate", gettext_lazy("终止办理"), OPEN_STATES - {S.PREPAID}, S.TERMINATED, {COUNTY},
       reason=True),
]
MOVE_BY_ACTION = {m.action: m for m in MOVES}


def family_of(case: Case) -> str:
    family = PROGRAMME_FAMILY.get(case.programme_id)
    if family is None:
        raise ApplicationError(_("该救助项目暂不支持网上办理流程"), field="programme")
    return family


def decider_roles(case: Case) -> frozenset[str]:
    """57号§2: a township with delegated approval confirms its own cases (乡镇审核确认);
    temporary assistance within the township cap is approved by the township (23号)."""
    from .benefit import temporary_within_township_cap  # the cap is a parameter lookup

    if case.delegated:
        return frozenset({REVIEWER})
    if family_of(case) == Family.TEMPORARY and temporary_within_township_cap(case):
        return frozenset({REVIEWER})
    return frozenset({COUNTY})


def _roles(move: Move, case: Case) -> frozenset[str]:
    return decider_roles(case) if DECIDER in move.roles else move.roles


def may_move(case: Case, action: str, user: Any) -> bool:
    move = MOVE_BY_ACTION[action]
    if case.state not in move.sources or family_of(case) not in move.families:
        return False
    if not region_in_scope(user, case.village_id):
        return False
    return bool(user.is_superuser or getattr(user, "role", None) in _roles(move, case))


def available_moves(case: Case, user: Any) -> list[Move]:
    return [m for m in MOVES if may_move(case, m.action, user)]


def move(case: Case, action: str, *, actor: Any, reason: str = "", actor_label: str = "",
         system: bool = False) -> CaseTransition:
    """Check and record one move. The caller holds the case's row lock and saves the case.

    `system` moves (an objection from the public, the nightly publicity close) have no staff
    actor; `actor_label` says who made them.
    """
    step = MOVE_BY_ACTION[action]
    if family_of(case) not in step.families:
        raise ApplicationError(
            _("%(programme)s没有“%(action)s”环节") % {
                "programme": case.programme.name, "action": step.label},
            code="transition",
        )
    if case.state not in step.sources:
        raise ApplicationError(
            _("案件当前处于“%(state)s”环节，不能“%(action)s”") % {
                "state": CaseState(case.state).label, "action": step.label},
            code="transition",
        )
    if not system:
        if not region_in_scope(actor, case.village_id):
            raise ApplicationError(_("案件不在您的辖区内"), code="forbidden")
        if not (actor.is_superuser or getattr(actor, "role", None) in _roles(step, case)):
            raise ApplicationError(
                _("您的角色不能执行“%(action)s”") % {"action": step.label}, code="forbidden"
            )
    if step.reason_required and not reason.strip():
        raise ApplicationError(_("请填写理由"), field="reason")
    before = case.state
    case.state = step.target
    staff = actor if getattr(actor, "pk", None) else None
    transition = CaseTransition.objects.create(
        case=case, action=action, from_state=before, to_state=step.target, actor=staff,
        actor_label=actor_label, reason=reason.strip(),
    )
    audit_record(actor=staff, action=f"case.{action}", obj=case, region_code=case.village_id,
                 before={"state": before}, after={"state": step.target}, reason=reason.strip())
    return transition


def lock(case_id: int) -> Case:
    """The case row under `select_for_update`, so two moves on one case serialize."""
    # of=("self",): lock the case row only. Without it PostgreSQL also locks the joined
    # Programme row, serialising every move of that programme county-wide.
    return Case.objects.select_for_update(of=("self",)).select_related("programme").get(
        pk=case_id)
