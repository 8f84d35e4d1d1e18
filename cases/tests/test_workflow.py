"""Every move of the transition table, allowed and refused, by state and by role."""

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command

from accounts.models import User
from cases.choices import CaseState, Family
from cases.models import Case, CaseTransition
from cases.workflow import DECIDER, MOVES, family_of, move
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.cases import accepted_case, household_of, in_publicity, staff
from policies.models import Parameter

pytestmark = pytest.mark.django_db

PROGRAMME_OF = {Family.DIBAO: "dibao_rural", Family.TEKUN: "tekun", Family.TEMPORARY: "temporary"}
EXTRA = {"tekun": {"support_form": "dispersed", "supporter_status": "none"},
         "temporary": {"temporary_kind": "expenditure", "requested_amount": "2000"}}


def _case(programme: str) -> Case:
    return accepted_case(household_of(), programme=programme, **EXTRA.get(programme, {}))


def _allowed_user(m: Any, case: Case) -> User:
    roles = m.roles
    if DECIDER in roles:
        return staff("county_admin") if programme_needs_county(case) else staff("reviewer_a")
    by_role = {"clerk": "clerk_a", "reviewer": "reviewer_a", "county_admin": "county_admin",
               "grid_worker": "grid_a"}
    return staff(by_role[sorted(roles)[0]])


def programme_needs_county(case: Case) -> bool:
    return family_of(case) != Family.TEMPORARY


@pytest.mark.parametrize("programme", list(PROGRAMME_OF.values()))
def test_every_move_from_every_state(county: None, programme: str) -> None:
    case = _case(programme)
    family = family_of(case)
    tried = 0
    for m in MOVES:
        for state in CaseState.values:
            case.state = state
            if family not in m.families or state not in m.sources:
                with pytest.raises(ApplicationError) as err:
                    move(case, m.action, actor=staff("county_admin"), reason="理由", system=True)
                assert err.value.code == "transition"
                continue
            if not m.roles:  # public moves (objection) are made by the system only
                move(case, m.action, actor=None, reason="理由", system=True)
            else:
                move(case, m.action, actor=_allowed_user(m, case), reason="理由")
            assert case.state == m.target
            tried += 1
    assert tried >= 20
    assert CaseTransition.objects.filter(case_id=case.pk).count() == tried + 2  # submit, accept


def test_wrong_role_and_missing_reason_are_refused(county: None) -> None:
    case = _case("dibao_rural")
    for username in ("reviewer_a", "county_admin", "grid_a", "auditor"):
        with pytest.raises(ApplicationError) as err:
            move(case, "start_investigation", actor=staff(username))
        assert err.value.code == "forbidden"
    with pytest.raises(ApplicationError) as err:
        move(case, "withdraw", actor=staff("clerk_a"), reason="  ")
    assert err.value.field == "reason"
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED


def test_delegated_township_confirms_its_own_cases(county: None) -> None:
    Parameter.objects.filter(key="township.delegated_approval").update(value="true")
    case = accepted_case(household_of())
    assert case.delegated
    assert case.overall_due is not None and case.accepted_on is not None
    from cases.services import decision
    from jiuzhu.testing.cases import publicity_over

    case = publicity_over(case)
    with pytest.raises(ApplicationError):
        decision.case_approve(actor=staff("county_admin"), case_id=case.pk)
    assert decision.case_approve(actor=staff("reviewer_a"), case_id=case.pk).state == "approved"


def test_nightly_command_closes_only_ended_notices(county: None) -> None:
    running = in_publicity(_case("dibao_rural"))
    ended = in_publicity(_case("dibao_rural"))
    ended.publicities.update(starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 11))
    call_command("close_publicity")
    assert Case.objects.get(pk=running.pk).state == CaseState.PUBLICITY
    closed = Case.objects.get(pk=ended.pk)
    assert closed.state == CaseState.COUNTY_REVIEW and closed.decision_due is not None
    last = closed.transitions.last()
    assert last is not None and last.actor is None and "公示期满" in last.actor_label
