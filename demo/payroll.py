"""Recipients and a year of payroll for the demo county (domain.md §10, §13).

A real county starts with the recipients its previous system held: about 8 % of the demo
households are taken over as 在册对象 with an approved (migrated) case, an enrollment and a
一卡通 account, a few of them ended (清退) during the year. Then the last twelve months are paid
through the real services: each month and programme computed by county_admin and approved by
county_checker, so the monthly report and the dashboard chart have a history on day one.
Each month goes to the bank and back; the latest 农村低保 month has two failed payments
waiting for the township to fix the accounts. Deterministic for a seed; skipped when payroll
runs already exist.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from benefits.bankfile import bank_file_stream
from benefits.models import Enrollment, EnrollmentMember, PaymentAccount, PayrollRun
from benefits.months import add_months, month_of
from benefits.services.bank import ReturnMode, bank_file_create, bank_return_import
from benefits.services.payroll import payroll_approve, payroll_compute
from cases.choices import CaseState
from cases.models import Case
from registry.idcard import age_on
from registry.models import Household

SHARE = 0.08
ENDED_SHARE = 0.05
BANKS = ["甘肃崆峒农村商业银行", "中国农业银行崆峒支行", "中国邮政储蓄银行崆峒区支行"]
PROGRAMMES = ("dibao_rural", "dibao_urban", "tekun", "temporary")
PREFIX = {"dibao_rural": "DB", "dibao_urban": "DB", "tekun": "TK"}
MIGRATED_REASON = "由原社会救助信息系统迁移的在册对象"


def _programme(household: Household, members: list[Any], today: date) -> str:
    single_elder = len(members) == 1 and age_on(members[0].birth_date, today) >= 60
    if single_elder:
        return "tekun"
    return "dibao_urban" if household.urban_rural == "urban" else "dibao_rural"


def _amount(rng: random.Random, programme: str, persons: int, care: str) -> Decimal:
    if programme == "tekun":  # 1.3 × 600 + care standard (seed 001's three levels)
        return Decimal(780) + {"self": 600, "partial": 800, "full": 1200}[care]
    standard = 750 if programme == "dibao_urban" else 600
    gap = rng.choice([0.25, 0.4, 0.55, 0.7, 0.85])
    return Decimal(round(standard * gap * persons))


@transaction.atomic
def seed_recipients(seed: int, today: date) -> int:
    """Migrated recipients of households that have no enrollment yet; returns how many."""
    rng = random.Random(f"{seed}-recipients")
    taken = set(Enrollment.objects.values_list("household_id", flat=True))
    households = [h for h in Household.objects.order_by("id").prefetch_related("members")
                  if h.pk not in taken]
    chosen = rng.sample(households, round(len(households) * SHARE))
    n = 0
    for i, household in enumerate(chosen, start=1):
        members = [m for m in household.members.all() if not m.excluded]
        applicant = next((m for m in members if m.relation == "applicant"), None)
        if applicant is None:
            continue
        programme = _programme(household, members, today)
        counted = [applicant] if programme == "tekun" else members
        care = rng.choice(["self", "self", "partial", "full"]) if programme == "tekun" else ""
        start = add_months(month_of(today), -rng.randint(1, 36))
        amount = _amount(rng, programme, len(counted), care)
        case = Case.objects.create(
            number=f"{PREFIX[programme]}{start.year}Q{i:05d}", programme_id=programme,
            household=household, applicant=applicant, village_id=household.village_id,
            urban_rural=household.urban_rural, state=CaseState.APPROVED, channel="counter",
            amount=amount, decided_on=add_months(start, -1), care_class=care,
            support_form=rng.choice(["centralized", "dispersed"]) if care else "",
            reason=MIGRATED_REASON)
        # 清退 decided mid-month, paid through that month: the payroll of the next month
        # ends the enrollment (payroll_sql.end_finished_exits), as it would have then.
        ended_on = add_months(month_of(today), -rng.randint(1, 10)).replace(day=15)
        ended = rng.random() < ENDED_SHARE and ended_on > start
        enrollment = Enrollment.objects.create(
            programme_id=programme, household=household, case=case,
            village_id=household.village_id, monthly_amount=amount, start_month=start,
            persons=len(counted), care_class=care, support_form=case.support_form,
            last_recheck_on=add_months(start, rng.randint(0, 11)) if start < today else None,
            income_stable=rng.random() < 0.7,
            ended_on=ended_on if ended else None,
            end_month=month_of(ended_on) if ended else None,
            end_reason="复核家庭收入超过低保标准，清退" if ended else "")
        EnrollmentMember.objects.bulk_create([
            EnrollmentMember(enrollment=enrollment, person=p, programme_id=programme,
                             active=not ended) for p in counted])
        PaymentAccount.objects.create(
            household=household, holder=applicant, bank=rng.choice(BANKS),
            account_number=f"62{rng.randrange(10**16, 10**17)}")
        n += 1
    return n


def _bank_round_trip(actor: User, run: PayrollRun, failures: dict[int, str]) -> None:
    """Send the run's bank file and load the bank's answer: every line paid except the
    `failures` (position in the file → reason), which wait for the township to fix."""
    if not run.lines:
        return
    bank_file = bank_file_create(actor=actor, run_id=run.pk)
    sent = list(csv.reader(io.StringIO(b"".join(bank_file_stream(bank_file)).decode("utf-8-sig"))))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["流水号", "账号", "金额", "结果", "失败原因"])
    for i, (line_id, account, _name, amount, *_rest) in enumerate(sent[1:-1]):
        reason = failures.get(i, "")
        writer.writerow([line_id, account, amount, "失败" if reason else "成功", reason])
    answer = io.BytesIO(out.getvalue().encode("utf-8"))
    answer.name = f"return-{run.programme_id}-{run.month:%Y%m}.csv"
    bank_return_import(actor=actor, bank_file_id=bank_file.pk, uploaded_file=answer,
                       mode=ReturnMode.ALL_OR_NOTHING)


def seed_payroll_history(today: date, months: int = 12) -> int:
    """Compute and approve the last `months` months for every programme, send each to the
    bank and load its return (the latest 农村低保 month with two failed payments)."""
    if PayrollRun.objects.exists():
        return 0
    maker = User.objects.get(username="county_admin")
    checker = User.objects.get(username="county_checker")
    first = add_months(month_of(today), -(months - 1))
    made = 0
    for k in range(months):
        month = add_months(first, k)
        for programme in PROGRAMMES:
            run = payroll_compute(actor=maker, programme_id=programme, month=month).run
            run = payroll_approve(actor=checker, run_id=run.pk)
            last = k == months - 1 and programme == "dibao_rural"
            _bank_round_trip(checker, run, {0: "账户已销户", 5: "户名与账号不符"} if last else {})
            made += 1
    return made


def seed_payroll(seed: int) -> tuple[int, int] | None:
    """(recipients taken over, runs approved), or None when payroll already exists."""
    if PayrollRun.objects.exists():
        return None
    today = timezone.localdate()
    recipients = seed_recipients(seed, today)
    return recipients, seed_payroll_history(today)
