"""The moves made by a plain button (or API call) with at most a reason, by action name.

Moves that need data of their own (survey, verification, opinion, objection outcome) have their
own services and pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from jiuzhu.errors import ApplicationError

from ..models import Case
from . import decision, intake, investigation, publicity, temporary

SIMPLE: dict[str, Callable[..., Case]] = {
    "accept": intake.case_accept,
    "start_investigation": investigation.case_start_investigation,
    "complete_survey": investigation.case_complete_survey,
    "reinvestigate": publicity.case_reinvestigate,
    "prepay": temporary.case_prepay,
}
REASONED: dict[str, Callable[..., Case]] = {
    "return": intake.case_return,
    "resubmit": intake.case_resubmit,
    "withdraw": intake.case_withdraw,
    "terminate": intake.case_terminate,
    "approve": decision.case_approve,
    "reject": decision.case_reject,
    "complete_paperwork": temporary.case_complete_paperwork,
}
BUTTON_ACTIONS = frozenset(SIMPLE) | frozenset(REASONED) | {"close_publicity"}


def case_act(*, actor: Any, case_id: int, action: str, reason: str = "") -> None:
    if action in SIMPLE:
        SIMPLE[action](actor=actor, case_id=case_id)
    elif action in REASONED:
        REASONED[action](actor=actor, case_id=case_id, reason=reason)
    elif action == "close_publicity":
        if not decision.close_publicity_now(actor=actor, case_id=case_id):
            raise ApplicationError(_("公示期未满或有异议，不能报送"), code="transition")
    else:
        raise ApplicationError(_("不支持的操作：%(a)s") % {"a": action}, field="action")
