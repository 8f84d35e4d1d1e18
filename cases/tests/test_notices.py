"""Written notices as PDF: the Chinese text is really there, in an embedded CJK font."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from datetime import date

import pytest

from cases.choices import CaseState
from cases.models import Case
from cases.notices import notice_html, notice_pdf
from cases.services import decision, intake
from cases.services.intake import IntakeInput
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.cases import accepted_case, household_of, publicity_over, staff
from policies.models import Parameter, ValueType

pytestmark = pytest.mark.django_db

PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(PDFTOTEXT is None,
                                     reason="pdftotext (Debian poppler-utils) is not installed")


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its Flate streams expanded: weasyprint packs fonts and even the font
    dictionaries into compressed object streams, so the raw bytes name no font."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", match.end())
        try:
            parts.append(zlib.decompress(pdf[match.end():end].rstrip(b"\r\n")))
        except zlib.error:
            continue
    return b"".join(parts)


def _assert_cjk_font_embedded(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF")
    content = _inflated(pdf)
    # The font program itself is in the file (FontFile3 = CFF), not just a reference to it.
    assert b"/FontFile" in content
    assert b"NotoSerifCJK" in content or b"NotoSansCJK" in content


def _text(pdf: bytes) -> str:
    assert PDFTOTEXT is not None
    result = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", "-", "-"], input=pdf,  # noqa: S603
                            capture_output=True, check=True)
    # Table cells and wrapped lines come out with breaks and spaces between them.
    return re.sub(r"\s+", "", result.stdout.decode("utf-8"))


def _approved() -> Case:
    case = publicity_over(accepted_case(household_of()))
    return decision.case_approve(actor=staff("county_admin"), case_id=case.pk)


def _rejected() -> Case:
    case = publicity_over(accepted_case(household_of()))
    return decision.case_reject(actor=staff("county_admin"), case_id=case.pk,
                                reason="经核对，家庭成员名下有小型汽车一辆，不符合财产条件")


def test_receipt_pdf_has_number_deadlines_and_progress_query(county: None) -> None:
    case = accepted_case(household_of())
    pdf = notice_pdf(case, "receipt")
    _assert_cjk_font_embedded(pdf)
    if PDFTOTEXT is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed")
    text = _text(pdf)
    assert case.number in text
    assert "受理回执" in text
    assert "大寨村" in text
    assert "/portal/progress/" in text and "后6位" in text
    assert case.investigate_due is not None and case.overall_due is not None
    assert f"{case.overall_due.year}年{case.overall_due.month}月{case.overall_due.day}日" in text
    assert "0933-8211001" in text  # the programme's department phone


def test_receipt_names_the_helper_of_a_proxy_application(county: None) -> None:
    case = intake.case_create(actor=staff("grid_a"), household=household_of(), data=IntakeInput(
        programme="dibao_rural", channel="proxy", mandate_note="申请人卧床，委托网格员代办"))
    intake.case_accept(actor=staff("clerk_a"), case_id=case.pk)
    html = notice_html(Case.objects.get(pk=case.pk), "receipt")
    assert "马小军" in html and "委托网格员代办" in html


def test_receipt_refused_before_acceptance(county: None) -> None:
    case = intake.case_create(actor=staff("clerk_a"), household=household_of(),
                              data=IntakeInput(programme="dibao_rural"))
    with pytest.raises(ApplicationError) as err:
        notice_pdf(case, "receipt")
    assert err.value.code == "transition"


@needs_pdftotext
def test_approval_pdf_has_amount_persons_first_month_and_appeal_rights(county: None) -> None:
    case = _approved()
    pdf = notice_pdf(case, "approval")
    _assert_cjk_font_embedded(pdf)
    text = _text(pdf)
    start = case.enrollment.start_month
    assert case.number in text
    assert "农村最低生活保障批准通知书" in text
    assert "900.00" in text  # domain §15 example 1
    assert "保障人数3人" in text
    assert f"起始发放月份{start.year}年{start.month}月" in text
    assert "每月保障金合计" in text  # the stored calculation, as a table
    assert "民发〔2021〕57号" in text  # the programme's legal basis
    assert "60日内" in text and "6个月内" in text and "行政复议" in text
    assert "崆峒区（演示）民政局" in text
    assert case.decided_on is not None
    assert f"{case.decided_on.year}年{case.decided_on.month}月{case.decided_on.day}日" in text


def test_delegated_township_issues_a_confirmation_notice(county: None) -> None:
    Parameter.objects.create(key="township.delegated_approval", region_id="620802100000",
                             value="true", value_type=ValueType.BOOLEAN,
                             effective_from=date(2026, 1, 1))
    case = publicity_over(accepted_case(household_of()))
    assert case.delegated
    case = decision.case_approve(actor=staff("reviewer_a"), case_id=case.pk)
    html = notice_html(case, "approval")
    assert "农村最低生活保障审核确认通知书" in html
    assert '<div class="issuer">崆峒镇人民政府</div>' in html


@needs_pdftotext
def test_rejection_pdf_has_reason_delivery_date_and_appeal_rights(county: None) -> None:
    case = _rejected()
    pdf = notice_pdf(case, "rejection")
    _assert_cjk_font_embedded(pdf)
    text = _text(pdf)
    due = case.reject_notice_due
    assert due is not None
    assert case.number in text
    assert "不予批准通知书" in text
    assert "名下有小型汽车一辆" in text
    assert f"崆峒镇人民政府于{due.year}年{due.month}月{due.day}日前送达" in text
    assert "行政复议" in text and "行政诉讼" in text


def test_approval_refused_for_a_rejected_case_and_rejection_for_an_approved_one(
        county: None) -> None:
    rejected = _rejected()
    with pytest.raises(ApplicationError) as err:
        notice_pdf(rejected, "approval")
    assert err.value.code == "transition"
    approved = _approved()
    assert approved.state == CaseState.APPROVED
    with pytest.raises(ApplicationError) as err:
        notice_pdf(approved, "rejection")
    assert err.value.code == "transition"
    with pytest.raises(ApplicationError) as err:
        notice_pdf(approved, "certificate")
    assert err.value.field == "kind"
