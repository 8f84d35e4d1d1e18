"""Written notices of a case as PDF: 受理回执, 批准（审核确认）通知书, 不予批准通知书.

The text is a Django template rendered to PDF by weasyprint with the Noto CJK fonts Debian ships,
embedded in the file so any reader shows the Chinese (docs/adr/0003-weasyprint-for-notices.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from benefits.models import Enrollment
from calendar_days.workdays import working_days_between
from jiuzhu.errors import ApplicationError
from regions.models import Region
from registry.masking import mask_id

from .choices import CaseState, Family
from .models import Case
from .workflow import decider_roles, family_of

KINDS = ("receipt", "approval", "rejection")
# The citizen's progress query (portal): case number plus the last 6 characters of the ID number.
PROGRESS_PATH = "/portal/progress/"
# Administrative Reconsideration Law §20 (60 days), Administrative Litigation Law §46 (6 months).
RECONSIDERATION_DAYS = 60
LAWSUIT_MONTHS = 6


@dataclass(frozen=True)
class Deadline:
    label: str
    due: date
    working_days: int


def _township(case: Case) -> Region:
    return Region.objects.get(code=case.village_id[:9] + "000")


def _county(case: Case) -> Region:
    return Region.objects.get(code=case.village_id[:6] + "000000")


def _government(township: Region) -> str:
    """The township's issuing body: 街道 are run by an 办事处, towns by a 人民政府."""
    suffix = _("办事处") if township.name.endswith("街道") else _("人民政府")
    return f"{township.name}{suffix}"


def _deadlines(case: Case) -> list[Deadline]:
    """The clocks stored at acceptance, with their length in working days (57号§15, §22)."""
    assert case.accepted_on is not None
    rows = [
        (_("启动入户调查"), case.investigate_due),
        (_("乡镇提出初审意见"), case.opinion_due),
        (_("办结（作出决定）"), case.overall_due),
        (_("有异议等特殊情况延长后办结"), case.extended_due),
        (_("补办先行救助手续"), case.paperwork_due),
    ]
    return [Deadline(str(label), due, working_days_between(case.accepted_on, due))
            for label, due in rows if due is not None]


def _township_decides(case: Case) -> bool:
    """57号§2: a delegated township confirms its own cases; 23号: temporary assistance within
    the township cap is approved by the township. Then the township issues the notice."""
    return decider_roles(case) == frozenset({Role.REVIEWER})


def _common(case: Case) -> dict[str, Any]:
    township = _township(case)
    county = _county(case)
    department = case.programme.department
    return {
        "case": case,
        "family": family_of(case),
        "applicant": case.applicant,
        "masked_id": mask_id(case.applicant.id_number),
        "village_name": case.village.full_name(),
        "township": township,
        "township_government": _government(township),
        "county": county,
        "county_bureau": _("%(county)s民政局") % {"county": county.name},
        "county_government": _("%(county)s人民政府") % {"county": county.name},
        "department": department,
        "submitted_on": timezone.localtime(case.submitted_at).date(),
        "reconsideration_days": RECONSIDERATION_DAYS,
        "lawsuit_months": LAWSUIT_MONTHS,
        "legal_basis": case.programme.legal_basis,
    }


def _receipt(case: Case) -> dict[str, Any]:
    if case.accepted_on is None:
        raise ApplicationError(_("案件尚未受理，不能出具受理回执"), code="transition")
    context = _common(case)
    accepted = case.transitions.filter(action="accept").select_related("actor").last()
    context |= {
        "title": _("%(programme)s申请受理回执") % {"programme": case.programme.name},
        "deadlines": _deadlines(case),
        "progress_path": PROGRESS_PATH,
        "issuer": context["township_government"],
        "issued_on": case.accepted_on,
        "helper_name": case.helper.display_name if case.helper else "",
        "clerk_name": accepted.actor.display_name if accepted and accepted.actor else "",
    }
    return context


def _approval(case: Case) -> dict[str, Any]:
    if case.state != CaseState.APPROVED:
        raise ApplicationError(_("只有已批准的案件可以出具批准通知书"), code="transition")
    enrollment = Enrollment.objects.filter(case=case).first()
    if enrollment is None:
        raise ApplicationError(_("案件没有享受记录，不能出具批准通知书"), code="transition")
    context = _common(case)
    township = _township_decides(case)
    # 57号§2: a delegated township confirms (审核确认) rather than approves.
    title = _("%(programme)s审核确认通知书") if case.delegated else _("%(programme)s批准通知书")
    context |= {
        "title": title % {"programme": case.programme.name},
        "enrollment": enrollment,
        "persons": enrollment.members.count(),
        "one_off": enrollment.one_off or context["family"] == Family.TEMPORARY,
        "calculation": case.calculation,
        "issuer": context["township_government"] if township else context["county_bureau"],
        "issued_on": case.decided_on,
    }
    return context


def _rejection(case: Case) -> dict[str, Any]:
    if case.state != CaseState.REJECTED:
        raise ApplicationError(_("只有不予批准的案件可以出具不予批准通知书"), code="transition")
    context = _common(case)
    township = _township_decides(case)
    context |= {
        "title": _("%(programme)s不予批准通知书") % {"programme": case.programme.name},
        "issuer": context["township_government"] if township else context["county_bureau"],
        "issued_on": case.decided_on,
    }
    return context


BUILDERS = {"receipt": _receipt, "approval": _approval, "rejection": _rejection}


def notice_context(case: Case, kind: str) -> dict[str, Any]:
    builder = BUILDERS.get(kind)
    if builder is None:
        raise ApplicationError(_("没有这种通知书"), field="kind")
    return builder(case) | {"kind": kind}


def notice_html(case: Case, kind: str) -> str:
    return render_to_string(f"cases/notices/{kind}.html", notice_context(case, kind))


def notice_pdf(case: Case, kind: str) -> bytes:
    """The notice as an A4 PDF with the CJK fonts embedded (subset)."""
    from weasyprint import HTML  # heavy import, needed only when a notice is printed

    html = notice_html(case, kind)
    return bytes(HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf())
