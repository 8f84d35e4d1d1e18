"""Bank payment files, bank returns, reconciliation and re-issue (domain.md §10).

A payroll line's way once its run is approved:

    pending ──bank file──▶ sent ──return 成功──▶ paid
                               └─return 失败──▶ failed ──account replaced, re-issue──▶ pending

A pending line whose household has no active account waits (未绑定账户) until one is opened.
A line of amount 0 (the whole month went to a 追回 deduction) has no money to send: it counts
as paid from approval on, and the next bank file records it as paid without sending it.
Every write locks the run row first, so files, returns and re-issues of one run queue up.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import IO, Any

from django.db import connection, transaction
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from audit.services import audit_record
from jiuzhu.errors import ApplicationError
from regions.models import Level, Region
from regions.scoping import code_range, scope
from registry.models import Person

from .. import bankfile
from ..models import (
    AccountStatus,
    BackPay,
    BackPayReason,
    BankFile,
    LineStatus,
    PaymentAccount,
    PayrollLine,
    PayrollRun,
    RunStatus,
)

BANK_ROLES = frozenset({Role.COUNTY_ADMIN})
REASON_MAX = 200  # PayrollLine.failure_reason
STAGE_TABLE = "bank_return_stage"
STAGE_ROWS = 300

# How the reconciliation classes a line. A pending line of amount 0 has nothing to send and
# counts as paid (module docstring); every other pending or sent line still has money to go.
NO_MONEY = Q(status=LineStatus.PENDING, amount=0)
PAID = Q(status=LineStatus.PAID) | NO_MONEY
FAILED = Q(status=LineStatus.FAILED)
PENDING = Q(status=LineStatus.SENT) | Q(status=LineStatus.PENDING, amount__gt=0)


class ReturnMode:
    ALL_OR_NOTHING = "all_or_nothing"
    GOOD_ROWS = "good_rows"
    choices = [(ALL_OR_NOTHING, gettext_lazy("有错误行时全部不导入")),
               (GOOD_ROWS, gettext_lazy("只导入正确的行，错误行留待更正"))]


def _active_account() -> QuerySet[PaymentAccount]:
    """The active account of the household of the line (or row) in the outer query."""
    return PaymentAccount.objects.filter(household_id=OuterRef("household_id"),
                                         status=AccountStatus.ACTIVE)


def _require_bank_role(actor: Any) -> None:
    if not actor.has_role(BANK_ROLES):
        raise ApplicationError(_("银行代发文件和回盘由县级民政部门处理"), code="forbidden")


def _locked_run(actor: Any, run_id: int) -> PayrollRun:
    run = PayrollRun.objects.select_for_update().select_related("programme").filter(
        pk=run_id).first()
    if run is None:
        raise ApplicationError(_("发放批次不存在"), code="not_found")
    if not actor.is_superuser and actor.region_id != run.region_code:
        raise ApplicationError(_("只能处理本区县的发放批次"), code="forbidden")
    if run.status != RunStatus.APPROVED:
        raise ApplicationError(_("发放批次审批（锁定）后才能发送银行"), code="transition")
    return run


def current_lines(run: PayrollRun) -> QuerySet[PayrollLine]:
    return PayrollLine.objects.filter(run=run, version=run.version)


# ---------------------------------------------------------------- payment file


@transaction.atomic
def bank_file_create(*, actor: Any, run_id: int) -> BankFile:
    """The run's next payment file: every pending line with an account and money to send."""
    _require_bank_role(actor)
    run = _locked_run(actor, run_id)
    lines = current_lines(run)
    now = timezone.now()
    # A line goes to the account the household has now: one replaced or opened since the
    # computation is used, one closed without a successor leaves the line waiting. Only lines
    # whose account is not the household's active one are rewritten.
    lines.filter(status=LineStatus.PENDING).exclude(
        Exists(_active_account().filter(pk=OuterRef("account_id")))).update(
        account_id=Subquery(_active_account().values("pk")[:1]))
    settled = lines.filter(NO_MONEY).update(status=LineStatus.PAID, settled_at=now)
    sequence = (run.bank_files.aggregate(last=Max("sequence"))["last"] or 0) + 1
    bank_file = BankFile.objects.create(run=run, sequence=sequence, lines=0, total=0,
                                        created_by=actor)
    sent = lines.filter(status=LineStatus.PENDING, account__isnull=False, amount__gt=0).update(
        status=LineStatus.SENT, bank_file=bank_file, attempts=F("attempts") + 1)
    unbound = lines.filter(status=LineStatus.PENDING, account__isnull=True).count()
    if not sent:
        # Raising rolls back the file row and the line updates above.
        if unbound:
            raise ApplicationError(
                _("没有可发送的明细：%(n)s 笔尚未绑定一卡通账户，请先由乡镇登记账户")
                % {"n": unbound}, code="transition")
        raise ApplicationError(_("没有待发送的明细，所有明细均已发送银行"), code="transition")
    total = PayrollLine.objects.filter(bank_file=bank_file).aggregate(s=Sum("amount"))["s"]
    bank_file.lines, bank_file.total = sent, total
    bank_file.save(update_fields=["lines", "total"])
    audit_record(actor=actor, action="bank.file_create", obj=bank_file,
                 region_code=run.region_code,
                 after={"run": run.pk, "sequence": sequence, "lines": sent,
                        "total": str(total), "unbound": unbound, "settled_zero": settled})
    return bank_file


# ---------------------------------------------------------------- return file


@dataclass(frozen=True)
class RowError:
    row: int
    line: str  # 流水号 as written in the file
    message: str


@dataclass(frozen=True)
class ReturnResult:
    bank_file: BankFile
    rows: int
    paid: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return self.paid + self.failed


@dataclass(frozen=True)
class _Sent:
    status: str
    amount: Decimal
    account: str


def _file_lines(bank_file: BankFile) -> dict[int, _Sent]:
    """What the file carries, read in one pass over its index: a county's file is tens of
    thousands of small tuples, fewer round trips than looking up the return's ids in chunks."""
    rows = (PayrollLine.objects.filter(bank_file=bank_file)
            .values_list("pk", "status", "amount", "account__account_number")
            .iterator(chunk_size=5000))
    return {pk: _Sent(status, amount, account or "") for pk, status, amount, account in rows}


def _parse_amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _check_rows(bank_file: BankFile, rows: list[bankfile.ReturnRow]
                ) -> tuple[list[RowError], list[tuple[int, str, str]]]:
    """Every problem of every row, and the good rows as (line id, status, reason)."""
    ids = {r.row: int(r.line) for r in rows
           if r.line.isascii() and r.line.isdigit() and len(r.line) <= 18}
    seen: dict[int, list[int]] = defaultdict(list)
    for number, line_id in ids.items():
        seen[line_id].append(number)
    sent = _file_lines(bank_file)
    statuses = dict(LineStatus.choices)
    errors: list[RowError] = []
    good: list[tuple[int, str, str]] = []
    for r in rows:
        problems: list[str] = []
        pk = ids.get(r.row)
        line = sent.get(pk) if pk is not None else None
        amount = _parse_amount(r.amount)
        if pk is None:
            problems.append(_("流水号应为代发文件中的数字流水号") if r.line else _("缺少流水号"))
        elif line is None:
            problems.append(_("流水号不属于该代发文件"))
        elif len(seen[pk]) > 1:
            problems.append(_("流水号重复（第 %(rows)s 行）") % {
                "rows": "、".join(str(n) for n in seen[pk])})
        if line is not None:
            if line.status != LineStatus.SENT:
                problems.append(_("该笔已处理（%(s)s），不能再次导入") % {
                    "s": statuses[line.status]})
            if "".join(r.account.split()) != line.account:
                problems.append(_("账号与代发文件不符"))
            if amount is not None and amount != line.amount:
                problems.append(_("金额与代发文件不符（代发金额 %(a)s）") % {
                    "a": f"{line.amount:.2f}"})
        if amount is None:
            problems.append(_("金额应为数字"))
        if r.result not in (bankfile.RESULT_PAID, bankfile.RESULT_FAILED):
            problems.append(_("结果应为“成功”或“失败”"))
        elif r.result == bankfile.RESULT_FAILED and not r.reason:
            problems.append(_("发放失败的须填写失败原因"))
        if len(r.reason) > REASON_MAX:
            problems.append(_("失败原因不超过%(n)s字") % {"n": REASON_MAX})
        if problems:
            errors.append(RowError(r.row, r.line, "；".join(problems)))
        elif pk is not None:
            paid = r.result == bankfile.RESULT_PAID
            good.append((pk, LineStatus.PAID if paid else LineStatus.FAILED,
                         "" if paid else r.reason))
    return errors, good


def _settle(bank_file: BankFile, good: list[tuple[int, str, str]]) -> None:
    """Stage the results in a temporary table and settle the lines in one UPDATE, so a return
    of 50,000 lines is a few bulk inserts and one statement, not 50,000 updates."""
    line_table = connection.ops.quote_name(PayrollLine._meta.db_table)
    id_type = "BIGINT" if connection.vendor == "postgresql" else "INTEGER"

    def staged(column: str) -> str:
        where = f"s.line_id = {line_table}.id"
        return f"(SELECT s.{column} FROM {STAGE_TABLE} s WHERE {where})"  # noqa: S608

    # Names below come from constants and model metadata, values go as parameters.
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {STAGE_TABLE}")
        cur.execute(f"CREATE TEMPORARY TABLE {STAGE_TABLE} (line_id {id_type} PRIMARY KEY, "
                    "status VARCHAR(8) NOT NULL, reason VARCHAR(200) NOT NULL)")
        # Many rows per INSERT: one round trip per STAGE_ROWS lines, within SQLite's 999
        # parameters.
        it = iter(good)
        while chunk := list(islice(it, STAGE_ROWS)):
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            cur.execute(f"INSERT INTO {STAGE_TABLE} (line_id, status, reason) "  # noqa: S608
                        f"VALUES {values}", [v for row in chunk for v in row])
        cur.execute(
            f"UPDATE {line_table} SET status = {staged('status')}, "  # noqa: S608
            f"failure_reason = {staged('reason')}, settled_at = %s "
            f"WHERE id IN (SELECT line_id FROM {STAGE_TABLE}) "
            "AND bank_file_id = %s AND status = %s",
            [timezone.now(), bank_file.pk, LineStatus.SENT.value])
        cur.execute(f"DROP TABLE {STAGE_TABLE}")


def bank_return_import(*, actor: Any, bank_file_id: int, uploaded_file: IO[bytes],
                       mode: str) -> ReturnResult:
    """Load the bank's return of one payment file. Every bad row is reported with its number
    and reason; "all_or_nothing" then loads nothing, "good_rows" loads the others. Lines the
    return does not mention stay sent, for a later return."""
    _require_bank_role(actor)
    if mode not in (ReturnMode.ALL_OR_NOTHING, ReturnMode.GOOD_ROWS):
        raise ApplicationError(_("请选择导入方式"), field="mode")
    rows = bankfile.read_return(getattr(uploaded_file, "name", "") or "", uploaded_file)
    with transaction.atomic():
        run_id = BankFile.objects.filter(pk=bank_file_id).values_list("run_id", flat=True).first()
        if run_id is None:
            raise ApplicationError(_("代发文件不存在"), code="not_found")
        run = _locked_run(actor, run_id)
        bank_file = BankFile.objects.select_related("run__programme").get(pk=bank_file_id)
        errors, good = _check_rows(bank_file, rows)
        if not good or (errors and mode == ReturnMode.ALL_OR_NOTHING):
            return ReturnResult(bank_file, rows=len(rows), errors=errors)
        _settle(bank_file, good)
        paid = sum(1 for _pk, status, _reason in good if status == LineStatus.PAID)
        result = ReturnResult(bank_file, rows=len(rows), paid=paid, failed=len(good) - paid,
                              errors=errors)
        bank_file.returned_at = timezone.now()
        bank_file.save(update_fields=["returned_at"])
        audit_record(actor=actor, action="bank.return_import", obj=bank_file,
                     region_code=run.region_code,
                     after={"rows": result.rows, "paid": result.paid, "failed": result.failed,
                            "bad_rows": len(errors), "mode": mode,
                            "file": getattr(uploaded_file, "name", "")})
    return result


# ---------------------------------------------------------------- re-issue


@transaction.atomic
def failed_lines_reissue(*, actor: Any, run_id: int) -> int:
    """Failed lines whose household now has another active account go back to pending on
    that account, for the run's next payment file. Returns how many."""
    _require_bank_role(actor)
    run = _locked_run(actor, run_id)
    ready = current_lines(run).filter(FAILED, reissuable_filter())
    amount = ready.aggregate(s=Sum("amount"))["s"]
    # The line keeps pointing at its old file until the next one takes it: the old file's
    # download still lists it.
    count = ready.update(status=LineStatus.PENDING, failure_reason="", settled_at=None,
                         account_id=Subquery(_active_account().values("pk")[:1]))
    if not count:
        raise ApplicationError(
            _("没有可重新发放的失败明细：失败家庭须先登记新的一卡通账户"), code="transition")
    audit_record(actor=actor, action="bank.reissue", obj=run, region_code=run.region_code,
                 after={"lines": count, "amount": str(amount)})
    return count


def reissuable_filter() -> Q:
    """A failed line can go again once the household's active account is not the one it used
    (a corrected account is always a new row, so "opened after the failure" is included) —
    unless the month was already made good by a 补发 for the failed payment."""
    return Q(Exists(_active_account().exclude(pk=OuterRef("account_id")))) & ~Q(Exists(
        BackPay.objects.filter(enrollment_id=OuterRef("enrollment_id"),
                               month_owed=OuterRef("month"),
                               reason=BackPayReason.FAILED_PAYMENT)))


# ---------------------------------------------------------------- reconciliation


@dataclass(frozen=True)
class Tally:
    count: int = 0
    amount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class ReconRow:
    code: str
    name: str
    approved: Tally
    paid: Tally
    failed: Tally
    pending: Tally  # sent and not yet returned, or waiting for a file
    unbound: Tally  # of pending: waiting for an account


@dataclass(frozen=True)
class Reconciliation:
    total: ReconRow
    townships: list[ReconRow]


KINDS = ("approved", "paid", "failed", "pending", "unbound")  # ReconRow's tallies, in order


def _tally(condition: Q | None, prefix: str) -> dict[str, Any]:
    return {
        f"{prefix}_n": Count("id", filter=condition),
        f"{prefix}_s": Coalesce(Sum("amount", filter=condition), Value(Decimal(0)),
                                output_field=DecimalField(max_digits=16, decimal_places=2)),
    }


def unbound_filter() -> Q:
    return Q(status=LineStatus.PENDING, amount__gt=0) & ~Q(Exists(_active_account()))


def reconciliation(run: PayrollRun, *, user: Any = None) -> Reconciliation:
    """Approved = paid + failed + pending, in count and amount, per township and in all.

    With `user`, only the lines in the user's region are counted (a township sees its own)."""
    lines = current_lines(run)
    if user is not None:
        lines = scope(user, lines)
    conditions = (None, PAID, FAILED, PENDING, unbound_filter())
    measures = {k: v for kind, condition in zip(KINDS, conditions, strict=True)
                for k, v in _tally(condition, kind).items()}
    grouped = (lines.annotate(township=Substr("village_code", 1, 9)).values("township")
               .annotate(**measures).order_by("township"))
    names = dict(Region.objects.filter(level=Level.TOWNSHIP,
                                       code__range=code_range(run.region_code[:6]))
                 .values_list("code", "name"))

    def row(code: str, name: str, values: dict[str, Any]) -> ReconRow:
        return ReconRow(code, name, *(Tally(values[f"{k}_n"], values[f"{k}_s"]) for k in KINDS))

    townships = [row(g["township"] + "000", names.get(g["township"] + "000", g["township"]), g)
                 for g in grouped]
    total = ReconRow(run.region_code, _("合计"), *(
        Tally(sum(getattr(t, kind).count for t in townships),
              sum((getattr(t, kind).amount for t in townships), Decimal("0.00")))
        for kind in KINDS))
    return Reconciliation(total=total, townships=townships)


@dataclass(frozen=True)
class FileResult:
    bank_file: BankFile
    sent: int  # awaiting the bank's return
    paid: int
    failed: int
    reissued: int  # failed, re-issued, waiting for the next file


def file_results(run: PayrollRun, *, user: Any = None) -> list[FileResult]:
    """Where each file's lines stand now (lines re-issued in a later file count there)."""
    files = list(run.bank_files.order_by("sequence"))
    lines = current_lines(run).filter(bank_file__in=files)
    if user is not None:
        lines = scope(user, lines)
    counts = {c["bank_file"]: c for c in lines.values("bank_file").annotate(
        sent=Count("id", filter=Q(status=LineStatus.SENT)),
        paid=Count("id", filter=Q(status=LineStatus.PAID)),
        failed=Count("id", filter=Q(status=LineStatus.FAILED)),
        reissued=Count("id", filter=Q(status=LineStatus.PENDING))).order_by()}
    return [FileResult(f, *(counts.get(f.pk, {}).get(k, 0) for k in (
        "sent", "paid", "failed", "reissued"))) for f in files]


def reissuable_count(run: PayrollRun) -> int:
    return current_lines(run).filter(FAILED, reissuable_filter()).count()


def lines_for_fixing(run: PayrollRun, user: Any, which: str) -> QuerySet[PayrollLine]:
    """The failed lines ("failed") or the lines waiting for an account ("unbound") in the
    user's region, with the names and accounts the page shows."""
    condition = FAILED if which == "failed" else unbound_filter()
    applicant = Person.objects.filter(household_id=OuterRef("household_id"),
                                      relation="applicant").values("name")[:1]
    return (scope(user, current_lines(run)).filter(condition)
            .select_related("account")
            .annotate(applicant_name=Subquery(applicant),
                      current_account=Subquery(_active_account().values("pk")[:1]))
            .order_by("village_code", "pk"))
