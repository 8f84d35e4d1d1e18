"""Bank payment files, bank returns, reconciliation and re-issue (domain.md §10).

Every step checks the reconciliation invariant: approved = paid + failed + pending, in count and
amount, per township and in all."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from audit.models import AuditEvent, RecordAccess
from benefits.bankfile import PAYMENT_HEADER, bank_file_stream
from benefits.models import (
    BackPay,
    BackPayReason,
    BankFile,
    LineStatus,
    PaymentAccount,
    PayrollLine,
    PayrollRun,
    Recovery,
)
from benefits.services.accounts import account_close, account_open
from benefits.services.bank import (
    Reconciliation,
    Tally,
    bank_file_create,
    bank_return_import,
    failed_lines_reissue,
    reconciliation,
)
from benefits.services.payroll import payroll_approve, payroll_compute
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import VILLAGE_B, household_of
from jiuzhu.testing.fixtures import client_for

NOV = date(2026, 11, 1)


def _approved_run(county_admin, county_checker) -> PayrollRun:
    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    return payroll_approve(actor=county_checker, run_id=run.pk)


def _line(enrollment) -> PayrollLine:
    return PayrollLine.objects.select_related("account__holder").get(enrollment=enrollment)


def _adds_up(run: PayrollRun) -> Reconciliation:
    recon = reconciliation(run)
    for row in (recon.total, *recon.townships):
        assert row.paid.count + row.failed.count + row.pending.count == row.approved.count
        assert row.paid.amount + row.failed.amount + row.pending.amount == row.approved.amount
    assert recon.total.approved == Tally(run.lines, run.total)
    return recon


def _parse(content: bytes) -> list[list[str]]:
    assert content.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _account(line: PayrollLine) -> PaymentAccount:
    assert line.account is not None
    return line.account


def _row(line: PayrollLine, result: str = "成功", reason: str = "",
         amount: str | None = None) -> tuple[object, ...]:
    return (line.pk, _account(line).account_number, amount or f"{line.amount:.2f}", result,
            reason)


def _return(*rows: tuple[object, ...]) -> SimpleUploadedFile:
    text = "流水号,账号,金额,结果,失败原因\n" + "".join(
        ",".join(str(c) for c in r) + "\n" for r in rows)
    return SimpleUploadedFile("return.csv", text.encode("utf-8"))


def _import(actor, bank_file, *rows, mode="all_or_nothing"):
    return bank_return_import(actor=actor, bank_file_id=bank_file.pk,
                              uploaded_file=_return(*rows), mode=mode)


def test_file_carries_pending_lines_with_account_in_the_documented_layout(
        county_admin, county_checker):
    a = enrolled(household_of(3), "900.00")
    b = enrolled(household_of(2, village=VILLAGE_B), "450.50")
    unbound = enrolled(household_of(1), "300.00", account=False)
    # The whole month goes to a 追回 deduction: nothing to send, paid at once.
    zero = enrolled(household_of(1), "200.00")
    Recovery.objects.create(enrollment=zero, total=Decimal("1000.00"),
                            monthly_deduction=Decimal("200.00"), reason="多领", decision="区民决〔2026〕1号")
    run = _approved_run(county_admin, county_checker)
    assert _adds_up(run).total.paid == Tally(1, Decimal("0.00"))

    bank_file = bank_file_create(actor=county_admin, run_id=run.pk)

    assert (bank_file.sequence, bank_file.lines, bank_file.total) == (1, 2, Decimal("1350.50"))
    rows = _parse(b"".join(bank_file_stream(bank_file)))
    line_a, line_b = _line(a), _line(b)
    assert rows[0] == list(PAYMENT_HEADER)
    assert rows[1:3] == [
        [str(line_a.pk), _account(line_a).account_number, _account(line_a).holder.name, "900.00",
         "农村最低生活保障", "2026-11", "崆峒镇", "大寨村"],
        [str(line_b.pk), _account(line_b).account_number, _account(line_b).holder.name, "450.50",
         "农村最低生活保障", "2026-11", "白水镇", "白水村"]]
    assert rows[3:] == [["合计", "2", "1350.50"]]
    assert (line_a.status, line_a.attempts, line_a.bank_file_id) == (
        LineStatus.SENT, 1, bank_file.pk)
    waiting, settled = _line(unbound), _line(zero)
    assert (waiting.status, waiting.bank_file_id) == (LineStatus.PENDING, None)
    assert (settled.status, settled.bank_file_id) == (LineStatus.PAID, None)
    assert settled.settled_at is not None
    event = AuditEvent.objects.get(action="bank.file_create", object_id=str(bank_file.pk))
    assert (event.after or {}).get("lines") == 2 and (event.after or {}).get("unbound") == 1
    recon = _adds_up(run)
    assert recon.total.pending == Tally(3, Decimal("1650.50"))
    assert recon.total.unbound == Tally(1, Decimal("300.00"))


def test_only_an_approved_run_gets_a_file_by_county_staff_and_not_twice(
        county_admin, county_checker, clerk_a):
    enrolled(household_of(3))
    run = payroll_compute(actor=county_admin, programme_id="dibao_rural", month=NOV).run
    with pytest.raises(ApplicationError) as draft:
        bank_file_create(actor=county_admin, run_id=run.pk)
    assert draft.value.code == "transition"
    payroll_approve(actor=county_checker, run_id=run.pk)
    with pytest.raises(ApplicationError) as township:
        bank_file_create(actor=clerk_a, run_id=run.pk)
    assert township.value.code == "forbidden"

    bank_file_create(actor=county_checker, run_id=run.pk)

    with pytest.raises(ApplicationError) as again:
        bank_file_create(actor=county_admin, run_id=run.pk)
    assert again.value.code == "transition" and "已发送" in again.value.message
    assert BankFile.objects.filter(run=run).count() == 1


def test_a_run_whose_lines_all_lack_accounts_says_so(county_admin, county_checker):
    enrolled(household_of(1), account=False)
    run = _approved_run(county_admin, county_checker)
    with pytest.raises(ApplicationError) as nothing:
        bank_file_create(actor=county_admin, run_id=run.pk)
    assert nothing.value.code == "transition" and "未绑定" in nothing.value.message
    assert not BankFile.objects.exists()
    _adds_up(run)


def test_lines_go_to_the_account_the_household_has_when_the_file_is_made(
        county_admin, county_checker, clerk_a):
    late = enrolled(household_of(1), "500.00", account=False)
    replaced = enrolled(household_of(1), "600.00")
    lost = enrolled(household_of(1), "700.00")
    run = _approved_run(county_admin, county_checker)
    opened = account_open(actor=clerk_a, household_id=late.household_id,
                          holder_id=late.household.members.get().pk, bank="演示信用社",
                          account_number="621700001111000001")
    new = account_open(actor=clerk_a, household_id=replaced.household_id,
                       holder_id=replaced.household.members.get().pk, bank="演示信用社",
                       account_number="621700001111000002")
    account_close(actor=clerk_a, reason="卡片遗失",
                  account_id=PaymentAccount.objects.get(household=lost.household).pk)

    bank_file = bank_file_create(actor=county_admin, run_id=run.pk)

    sent = PayrollLine.objects.filter(bank_file=bank_file)
    assert dict(sent.values_list("enrollment_id", "account_id")) == {
        late.pk: opened.pk, replaced.pk: new.pk}
    assert (_line(lost).status, _line(lost).account_id) == (LineStatus.PENDING, None)
    assert _adds_up(run).total.unbound == Tally(1, Decimal("700.00"))


def test_return_with_two_failures_reconciles(county_admin, county_checker):
    amounts = [("500.00", None), ("600.00", None), ("700.00", VILLAGE_B), ("800.00", VILLAGE_B),
               ("100.00", None)]
    enrollments = [enrolled(household_of(1, **({"village": v} if v else {})), a)
                   for a, v in amounts]
    run = _approved_run(county_admin, county_checker)
    bank_file = bank_file_create(actor=county_admin, run_id=run.pk)
    lines = [_line(e) for e in enrollments]

    result = _import(county_admin, bank_file, _row(lines[0]), _row(lines[1], "失败", "账户已销户"),
                     _row(lines[2]), _row(lines[3], "失败", "户名不符"))

    assert (result.rows, result.paid, result.failed, result.errors) == (4, 2, 2, [])
    paid, failed, untold = _line(enrollments[0]), _line(enrollments[1]), _line(enrollments[4])
    assert paid.status == LineStatus.PAID and paid.settled_at is not None
    assert (failed.status, failed.failure_reason) == (LineStatus.FAILED, "账户已销户")
    assert untold.status == LineStatus.SENT  # not in the return: still waiting for the bank
    bank_file.refresh_from_db()
    assert bank_file.returned_at is not None
    recon = _adds_up(run)
    assert (recon.total.paid, recon.total.failed, recon.total.pending) == (
        Tally(2, Decimal("1200.00")), Tally(2, Decimal("1400.00")), Tally(1, Decimal("100.00")))
    assert {r.name: (r.paid.count, r.failed.count, r.pending.count)
            for r in recon.townships} == {"崆峒镇": (1, 1, 1), "白水镇": (1, 1, 0)}
    assert AuditEvent.objects.filter(action="bank.return_import",
                                     object_id=str(bank_file.pk)).exists()


def test_bad_return_rows_are_reported_and_the_mode_decides_what_loads(
        county_admin, county_checker):
    enrollments = [enrolled(household_of(1), "500.00") for _i in range(4)]
    run = _approved_run(county_admin, county_checker)
    bank_file = bank_file_create(actor=county_admin, run_id=run.pk)
    lines = [_line(e) for e in enrollments]
    rows = (
        _row(lines[0]),                                   # row 2: good
        _row(lines[1], amount="499.00"),                  # row 3: wrong amount
        (999999, "6230000000000001", "10.00", "成功", ""),  # row 4: unknown 流水号
        _row(lines[2]), _row(lines[2], "失败", "冻结"),     # rows 5, 6: duplicate
        _row(lines[3], "失败"),                            # row 7: failure without reason
    )

    strict = _import(county_admin, bank_file, *rows)

    assert [e.row for e in strict.errors] == [3, 4, 5, 6, 7]
    messages = [e.message for e in strict.errors]
    assert "金额与代发文件不符" in messages[0] and "不属于该代发文件" in messages[1]
    assert "重复" in messages[2] and "重复" in messages[3] and "失败原因" in messages[4]
    assert strict.loaded == 0
    assert set(PayrollLine.objects.filter(run=run).values_list("status", flat=True)) == {
        LineStatus.SENT}
    assert BankFile.objects.get(pk=bank_file.pk).returned_at is None

    lenient = _import(county_admin, bank_file, *rows, mode="good_rows")

    assert (lenient.paid, lenient.failed, len(lenient.errors)) == (1, 0, 5)
    assert _line(enrollments[0]).status == LineStatus.PAID
    assert {_line(e).status for e in enrollments[1:]} == {LineStatus.SENT}
    _adds_up(run)
    again = _import(county_admin, bank_file, _row(lines[0]), mode="good_rows")
    assert again.loaded == 0 and "已处理" in again.errors[0].message


def test_return_input_errors_name_the_field(county_admin, county_checker, clerk_a):
    enrolled(household_of(1))
    run = _approved_run(county_admin, county_checker)
    bank_file = bank_file_create(actor=county_admin, run_id=run.pk)
    with pytest.raises(ApplicationError) as mode:
        _import(county_admin, bank_file, mode="whatever")
    assert mode.value.field == "mode"
    with pytest.raises(ApplicationError) as header:
        bank_return_import(actor=county_admin, bank_file_id=bank_file.pk, mode="good_rows",
                           uploaded_file=SimpleUploadedFile("r.csv", "流水号,金额\n1,2\n".encode()))
    assert header.value.field == "file" and "账号" in header.value.message
    with pytest.raises(ApplicationError) as township:
        _import(clerk_a, bank_file, mode="good_rows")
    assert township.value.code == "forbidden"


def test_an_xlsx_return_is_read_too(county_admin, county_checker):
    enrollment = enrolled(household_of(1), "500.00")
    run = _approved_run(county_admin, county_checker)
    bank_file = bank_file_create(actor=county_admin, run_id=run.pk)
    line = _line(enrollment)
    book = Workbook()
    book.active.append(["流水号", "账号", "金额", "结果", "失败原因"])
    book.active.append([line.pk, _account(line).account_number, 500, "失败", "账户冻结"])
    content = io.BytesIO()
    book.save(content)

    result = bank_return_import(actor=county_admin, bank_file_id=bank_file.pk, mode="good_rows",
                                uploaded_file=SimpleUploadedFile("回盘.xlsx", content.getvalue()))

    assert (result.failed, result.errors) == (1, [])
    assert _line(enrollment).failure_reason == "账户冻结"


def test_reissue_sends_only_failed_lines_with_a_new_account_in_the_next_file(
        county_admin, county_checker, clerk_a):
    fixed = enrolled(household_of(1), "500.00")
    waiting = enrolled(household_of(1), "600.00")
    fine = enrolled(household_of(1), "700.00")
    run = _approved_run(county_admin, county_checker)
    first = bank_file_create(actor=county_admin, run_id=run.pk)
    _import(county_admin, first, _row(_line(fine)), _row(_line(fixed), "失败", "账户冻结"),
            _row(_line(waiting), "失败", "账户已销户"))
    with pytest.raises(ApplicationError) as no_new_account:
        failed_lines_reissue(actor=county_admin, run_id=run.pk)
    assert no_new_account.value.code == "transition"
    new = account_open(actor=clerk_a, household_id=fixed.household_id,
                       holder_id=fixed.household.members.get().pk, bank="演示信用社",
                       account_number="6217000099998888")

    assert failed_lines_reissue(actor=county_admin, run_id=run.pk) == 1

    line = _line(fixed)
    assert (line.status, line.account_id, line.failure_reason, line.settled_at) == (
        LineStatus.PENDING, new.pk, "", None)
    recon = _adds_up(run)
    assert (recon.total.failed, recon.total.pending) == (
        Tally(1, Decimal("600.00")), Tally(1, Decimal("500.00")))
    assert AuditEvent.objects.filter(action="bank.reissue", object_id=str(run.pk)).exists()

    second = bank_file_create(actor=county_admin, run_id=run.pk)

    assert (second.sequence, second.lines, second.total) == (2, 1, Decimal("500.00"))
    rows = _parse(b"".join(bank_file_stream(second)))
    assert [r[:2] for r in rows[1:-1]] == [[str(line.pk), "6217000099998888"]]
    assert rows[-1] == ["合计", "1", "500.00"]
    assert _line(fixed).attempts == 2
    _import(county_admin, second, _row(_line(fixed)))
    recon = _adds_up(run)
    assert (recon.total.paid, recon.total.failed, recon.total.pending) == (
        Tally(2, Decimal("1200.00")), Tally(1, Decimal("600.00")), Tally(0, Decimal("0.00")))


def test_a_failed_payment_made_good_by_back_pay_is_not_reissued(county_admin, county_checker,
                                                                 clerk_a):
    enrollment = enrolled(household_of(1), "500.00")
    run = _approved_run(county_admin, county_checker)
    bank_file = bank_file_create(actor=county_admin, run_id=run.pk)
    _import(county_admin, bank_file, _row(_line(enrollment), "失败", "账户冻结"))
    # The county paid the month again as 补发 on a later payroll ...
    BackPay.objects.create(enrollment=enrollment, month_owed=NOV, amount=Decimal("500.00"),
                           reason=BackPayReason.FAILED_PAYMENT)
    # ... so a new account must not send the failed line a second time.
    account_open(actor=clerk_a, household_id=enrollment.household_id,
                 holder_id=enrollment.household.members.get().pk, bank="演示信用社",
                 account_number="6217000099997777")
    with pytest.raises(ApplicationError) as nothing:
        failed_lines_reissue(actor=county_admin, run_id=run.pk)
    assert nothing.value.code == "transition"
    assert _line(enrollment).status == LineStatus.FAILED


def test_township_clerk_reads_only_own_lines_and_cannot_act(
        county_admin, county_checker, clerk_a, clerk_b, auditor, django_assert_max_num_queries):
    own = [enrolled(household_of(1), "500.00") for _i in range(3)]
    other = enrolled(household_of(1, village=VILLAGE_B), "600.00")
    run = _approved_run(county_admin, county_checker)
    bank_file = bank_file_create(actor=county_admin, run_id=run.pk)
    _import(county_admin, bank_file, *(_row(_line(e), "失败", "账户冻结") for e in own),
            _row(_line(other), "失败", "户名不符"))
    web = client_for(clerk_a)

    with django_assert_max_num_queries(20):
        page = web.get(f"/payroll/bank/runs/{run.pk}/")

    body = page.content.decode()
    assert page.status_code == 200
    assert "账户冻结" in body and "户名不符" not in body
    assert "崆峒镇" in body and "白水镇" not in body
    assert "/download/" not in body and "导入银行回盘" not in body
    base = f"/payroll/bank/runs/{run.pk}"
    for url in (f"{base}/files/", f"{base}/return/", f"{base}/reissue/"):
        assert web.post(url).status_code == 403
    assert web.get(f"/payroll/bank/files/{bank_file.pk}/download/").status_code == 403
    assert client_for(clerk_b).get(
        f"/payroll/bank/households/{own[0].household_id}/account/").status_code == 404
    assert client_for(auditor).get(f"{base}/").status_code == 200
    assert client_for(clerk_a).get(f"{base}/?list=unbound", HTTP_HX_REQUEST="true"
                                   ).status_code == 200


def test_county_downloads_the_file_and_uploads_the_return_on_the_page(
        county_admin, county_checker):
    enrollment = enrolled(household_of(1), "500.00")
    run = _approved_run(county_admin, county_checker)
    web = client_for(county_admin)
    assert web.post(f"/payroll/bank/runs/{run.pk}/files/").status_code == 302
    bank_file = BankFile.objects.get(run=run)

    download = web.get(f"/payroll/bank/files/{bank_file.pk}/download/")

    assert download.status_code == 200 and download.streaming
    assert download["Content-Disposition"] == 'attachment; filename="bank-dibao_rural-202611-01.csv"'
    assert download["Cache-Control"] == "private, no-store"
    assert _parse(download.getvalue())[-1] == ["合计", "1", "500.00"]
    assert RecordAccess.objects.filter(user=county_admin, channel="download").exists()
    line = _line(enrollment)
    form = {"bank_file": bank_file.pk, "mode": "all_or_nothing"}
    bad = web.post(f"/payroll/bank/runs/{run.pk}/return/",
                   {**form, "file": _return(_row(line, amount="1.00"))})
    assert bad.status_code == 200 and "金额与代发文件不符" in bad.content.decode()
    assert _line(enrollment).status == LineStatus.SENT
    ok = web.post(f"/payroll/bank/runs/{run.pk}/return/", {**form, "file": _return(_row(line))})
    assert ok.status_code == 302 and _line(enrollment).status == LineStatus.PAID
    page = web.get(f"/payroll/bank/runs/{run.pk}/")
    assert page.status_code == 200 and "/download/" in page.content.decode()
