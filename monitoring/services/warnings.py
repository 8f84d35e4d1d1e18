"""Acting on warnings: the township's 政策找人 queue (domain.md §11, issue 8).

One transition table (`MOVES`), checked in one place (`_move`) under the warning's row lock:

    open → contacted → case_opened | no_action → closed
    open → no_action                      (no contact needed to find nothing to do)

A warning must be acted on within `warning.action_days` working days of being raised (the engine
stores `due_on`): a contact made, a case opened or no action with a reason each count, so the
first of `contacted_at` / `acted_at` is when it was acted on. `acted_by`/`acted_at` record the
disposition (case opened or no action), `contacted_by`/`contacted_at` the contact.

Who does what: the township's clerk and reviewer make every move in their township; the grid
worker of the village may record the contact (they are the ones who knock on the door); the
county admin may do everything in the county; the auditor only reads.

A warning that led to an application links to the case, so the rate warning → assistance can be
reported (selectors.conversion). The case must be of the same household and in the actor's
scope, and must not be one decided before the warning was raised: that case cannot have been
led by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from audit.services import save_transition
from cases.models import Case
from jiuzhu.errors import ApplicationError, clean_text
from regions.scoping import region_in_scope, scope

from ..models import Warning, WarningState

S = WarningState
TOWNSHIP = frozenset({Role.CLERK, Role.REVIEWER, Role.COUNTY_ADMIN})
CONTACTERS = TOWNSHIP | {Role.GRID_WORKER}
TEXT_MAX = 1000
REASON_MAX = 300  # Warning.no_action_reason
CASE_NUMBER_MAX = 20  # Case.number


@dataclass(frozen=True)
class Move:
    action: str
    label: str | Promise
    sources: frozenset[str]
    target: str
    roles: frozenset[str]


MOVES = [
    Move("contact", gettext_lazy("登记联系情况"), frozenset({S.OPEN}), S.CONTACTED, CONTACTERS),
    Move("open_case", gettext_lazy("转入救助申请"), frozenset({S.CONTACTED}), S.CASE_OPENED,
         TOWNSHIP),
    Move("no_action", gettext_lazy("无需救助"), frozenset({S.OPEN, S.CONTACTED}), S.NO_ACTION,
         TOWNSHIP),
    Move("close", gettext_lazy("办结"), frozenset({S.CASE_OPENED, S.NO_ACTION}), S.CLOSED,
         TOWNSHIP),
]
MOVE_BY_ACTION = {m.action: m for m in MOVES}


def _has_role(user: Any, roles: frozenset[str]) -> bool:
    return bool(user.is_superuser or getattr(user, "role", None) in roles)


def may_move(warning: Warning, action: str, user: Any) -> bool:
    move = MOVE_BY_ACTION[action]
    return (warning.state in move.sources and region_in_scope(user, warning.village_code)
            and _has_role(user, move.roles))


def _move(warning: Warning, action: str, actor: Any) -> str:
    """Check one move and set the new state; returns the state left. The caller holds the lock,
    saves and audits."""
    move = MOVE_BY_ACTION[action]
    # Scope first: someone outside the region learns nothing, not even the warning's state.
    if not region_in_scope(actor, warning.village_code):
        raise ApplicationError(_("该预警不在您的辖区内"), code="forbidden")
    if warning.state not in move.sources:
        raise ApplicationError(
            _("该预警当前为“%(state)s”，不能“%(action)s”") % {
                "state": WarningState(warning.state).label, "action": move.label},
            code="transition")
    if not _has_role(actor, move.roles):
        raise ApplicationError(_("您的角色不能“%(action)s”") % {"action": move.label},
                               code="forbidden")
    before = warning.state
    warning.state = move.target
    return before


def _locked(warning_id: int) -> Warning:
    # The warning row alone (no joins), so two steps on one warning queue and the second sees
    # the first's state.
    warning = Warning.objects.select_for_update().filter(pk=warning_id).first()
    if warning is None:
        raise ApplicationError(_("预警不存在"), code="not_found")
    return warning


_text = partial(clean_text, limit=TEXT_MAX)


def _save(warning: Warning, actor: Any, action: str, before_state: str, fields: list[str], *,
          after: dict[str, Any] | None = None, reason: str = "") -> Warning:
    save_transition(warning, actor=actor, action=f"monitoring.warning_{action}",
                    region_code=warning.village_code, before_state=before_state, fields=fields,
                    after=after, reason=reason)
    return warning


@transaction.atomic
def warning_contact(*, actor: Any, warning_id: int, note: str) -> Warning:
    """The household was reached (visit, phone, at the window): what was found and advised."""
    warning = _locked(warning_id)
    before = _move(warning, "contact", actor)
    warning.contact_note = _text(note, "contact_note", _("联系情况"))
    warning.contacted_at, warning.contacted_by = timezone.now(), actor
    return _save(warning, actor, "contact", before,
                 ["contact_note", "contacted_at", "contacted_by"], reason=warning.contact_note)


def _linkable_case(actor: Any, warning: Warning, number: str) -> Case:
    number = (number or "").strip().upper()
    if not number:
        raise ApplicationError(_("请填写救助申请编号"), field="case_number")
    if len(number) > CASE_NUMBER_MAX:
        raise ApplicationError(_("救助申请编号不正确"), field="case_number")
    # Found within the actor's scope only: a number outside it reads as not found.
    case = scope(actor, Case.objects.filter(number=number)).first()
    if case is None:
        raise ApplicationError(_("未找到该救助申请，或该申请不在您的辖区内"), field="case_number")
    if case.household_id != warning.household_id:
        raise ApplicationError(_("该救助申请不是预警对象家庭提出的"), field="case_number")
    submitted_on = timezone.localdate(case.submitted_at)
    if not case.is_open and submitted_on < warning.raised_on:
        raise ApplicationError(_("该救助申请在预警之前已办结，不是本次预警转入的申请"),
                               field="case_number")
    return case


@transaction.atomic
def warning_open_case(*, actor: Any, warning_id: int, case_number: str) -> Warning:
    """帮办: the application the household made after the contact, found by its number."""
    warning = _locked(warning_id)
    before = _move(warning, "open_case", actor)
    case = _linkable_case(actor, warning, case_number)
    warning.case = case
    warning.acted_at, warning.acted_by = timezone.now(), actor
    return _save(warning, actor, "open_case", before, ["case", "acted_at", "acted_by"],
                 after={"case": case.number})


@transaction.atomic
def warning_no_action(*, actor: Any, warning_id: int, reason: str) -> Warning:
    """Nothing to do (already assisted, the hardship passed, not eligible): the reason is the
    record that the warning was looked at and why no help followed."""
    warning = _locked(warning_id)
    before = _move(warning, "no_action", actor)
    warning.no_action_reason = _text(reason, "no_action_reason", _("不予救助理由"),
                                     limit=REASON_MAX)
    warning.acted_at, warning.acted_by = timezone.now(), actor
    return _save(warning, actor, "no_action", before,
                 ["no_action_reason", "acted_at", "acted_by"], reason=warning.no_action_reason)


@transaction.atomic
def warning_close(*, actor: Any, warning_id: int, result: str) -> Warning:
    """The outcome: what came of the application or the decision, in words."""
    warning = _locked(warning_id)
    before = _move(warning, "close", actor)
    warning.result = _text(result, "result", _("处置结果"))
    warning.closed_at = timezone.now()
    return _save(warning, actor, "close", before, ["result", "closed_at"], reason=warning.result)
