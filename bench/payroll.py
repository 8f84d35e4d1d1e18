"""Payroll benchmark: one month's 一卡通 run over N active enrollments, its bank file and report.

    .venv/bin/python bench/payroll.py [--enrollments 1000000]

`DATABASE_URL` picks the database as it does for the app (unset = SQLite). The benchmark never
touches the developer's database: SQLite runs in var/bench/payroll.sqlite3 and PostgreSQL in a
database named jiuzhu_bench_payroll on the same server; both are recreated each run.

Loading is set-based (bench/series.py): N households with one applicant each, their approved
cases, N enrollments spread over every village of the demo county and four programmes
(农村低保 55 %, 城市低保 25 %, 特困 15 % with both support forms and three care classes,
临时救助 5 % one-off grants of this month), N 一卡通 accounts, pending 补发 for 1 % and open
追回 plans for 0.5 % of them.

Timed, with baselines measured in the same run on the same data:
  * the month's run: benefits.services.payroll.payroll_compute for each programme, as the county
    maker (lines, 补发, 追回 deductions, totals, audit). Baseline: a bare INSERT … SELECT of the
    same lines (same columns and filter, no adjustments) into an unindexed copy of the table.
  * the bank file: bank_file_create then bank_file_stream for every approved run, bytes counted
    and thrown away; the largest file is streamed once more under tracemalloc, whose peak shows
    whether memory stays flat (550,000 lines in about 2 MiB).
  * the monthly report: benefits.statistics.monthly_report for the county. Baseline: one plain
    GROUP BY programme, urban/rural over the month's lines.
Checks: line count and total equal what the loaded data implies; the file has a row per line.
Goals (issue 6): run < 60 s and within 3x the bare INSERT; report < 5 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, sys.path[0] is bench/; the project root must come first.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.databases import bench_database_url, recreate_database  # noqa: E402
from bench.series import chunked, insert_series, load_note, say  # noqa: E402

SQLITE_PATH = ROOT / "var" / "bench" / "payroll.sqlite3"
PG_DATABASE = "jiuzhu_bench_payroll"
MONTH = date(2026, 12, 1)
GOAL_SECONDS = 60.0
GOAL_RATIO = 3.0
GOAL_REPORT_SECONDS = 5.0
# k % 20 → programme: 0–10 农村低保, 11–15 城市低保, 16–18 特困, 19 临时救助.
PROGRAMME_SQL = ("CASE WHEN k %% 20 <= 10 THEN 'dibao_rural' WHEN k %% 20 <= 15 THEN 'dibao_urban'"
                 " WHEN k %% 20 <= 18 THEN 'tekun' ELSE 'temporary' END")
PROGRAMMES = ("dibao_rural", "dibao_urban", "tekun", "temporary")


@dataclass
class Timings:
    load: float = 0.0
    run: float = 0.0
    per_programme: dict[str, float] = field(default_factory=dict)
    baseline: float = 0.0
    approve: float = 0.0
    bankfile: float = 0.0
    bank_bytes: int = 0
    bank_rows: int = 0
    bank_peak_mb: float = 0.0
    report: float = 0.0
    report_baseline: float = 0.0


def day(vendor: str, iso: str) -> str:
    return f"CAST('{iso}' AS date)" if vendor == "postgresql" else f"'{iso}'"


def load(vendor: str, n: int) -> None:
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from benefits.models import BackPay, Enrollment, PaymentAccount, Recovery
    from cases.models import Case
    from regions.models import Level, Region
    from registry.models import Household, Person

    stamp = timezone.now().replace(microsecond=0)
    villages = list(Region.objects.filter(level=Level.VILLAGE).order_by("code")
                    .values_list("code", flat=True))
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_village (idx integer PRIMARY KEY, code varchar(12))")
        cur.executemany("INSERT INTO bench_village (idx, code) VALUES (%s, %s)",
                        list(enumerate(villages)))
    village = f"JOIN bench_village v ON v.idx = k %% {len(villages)}"
    urban = "CASE WHEN k %% 20 BETWEEN 11 AND 15 THEN 'urban' ELSE 'rural' END"
    amount = ("CASE WHEN k %% 20 <= 15 THEN 200 + (k %% 60) * 10"
              " WHEN k %% 20 <= 18 THEN 1380 + (k %% 3) * 200 ELSE 2000 END")
    start = (f"CASE WHEN k %% 20 = 19 THEN {day(vendor, MONTH.isoformat())}"
             f" ELSE {day(vendor, '2025-01-01')} END")
    steps: list[tuple[str, Any, int, dict[str, str], str]] = [
        ("households", Household, n,
         {"id": "k", "village_code": "v.code", "address": "'演示路' || k || '号'",
          "urban_rural": urban}, village),
        ("persons", Person, n,
         {"id": "k", "household_id": "k", "name": "'受助人' || k",
          "id_number": "'6208' || substr('00000000000000' || k, -14)" if vendor == "sqlite"
          else "'6208' || lpad(k::text, 14, '0')",
          "sex": "'M'", "relation": "'applicant'", "birth_date": day(vendor, "1960-01-01")}, ""),
        ("cases", Case, n,
         {"id": "k", "number": "'BP' || k", "programme_id": PROGRAMME_SQL, "household_id": "k",
          "applicant_id": "k", "village_code": "v.code", "urban_rural": urban,
          "state": "'approved'", "channel": "'counter'"}, village),
        ("enrollments", Enrollment, n,
         {"id": "k", "programme_id": PROGRAMME_SQL, "household_id": "k", "case_id": "k",
          "village_code": "v.code", "status": "'active'", "monthly_amount": amount,
          "start_month": start, "persons": "CASE WHEN k %% 20 <= 15 THEN 1 + k %% 4 ELSE 1 END",
          "one_off": "k %% 20 = 19" if vendor == "postgresql" else "(k %% 20 = 19)",
          "care_class": "CASE WHEN k %% 20 BETWEEN 16 AND 18 THEN "
                        "(CASE k %% 3 WHEN 0 THEN 'self' WHEN 1 THEN 'partial' ELSE 'full' END)"
                        " ELSE '' END",
          "support_form": "CASE WHEN k %% 20 BETWEEN 16 AND 18 THEN "
                          "(CASE WHEN k %% 2 = 0 THEN 'centralized' ELSE 'dispersed' END)"
                          " ELSE '' END"}, village),
        ("accounts", PaymentAccount, n,
         {"id": "k", "household_id": "k", "holder_id": "k", "bank": "'演示农村商业银行'",
          "account_number": "'6230' || k", "status": "'active'"}, ""),
    ]
    t0 = time.perf_counter()
    for label, model, total, values, joins in steps:
        for lo, hi in chunked(1, total):
            with transaction.atomic():
                insert_series(vendor, model, lo, hi, values, joins, stamp)
            say(f"load {label}: {hi:,}/{total:,}  {time.perf_counter() - t0:.1f}s")
    # Adjustments: 1 % with two months of 补发 waiting, 0.5 % repaying an overpayment.
    with transaction.atomic():
        for month in ("2026-10-01", "2026-11-01"):
            with connection.cursor() as cur:
                cur.execute(
                    f"INSERT INTO {BackPay._meta.db_table} (enrollment_id, month_owed, amount,"
                    " reason, note, decision, created_at) SELECT id, %s, monthly_amount,"
                    f" 'other', '', '', %s FROM {Enrollment._meta.db_table}"
                    " WHERE id %% 100 = 7 AND one_off = %s",
                    [date.fromisoformat(month), stamp, False])
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {Recovery._meta.db_table} (enrollment_id, total, monthly_deduction,"
                " recovered, written_off, status, reason, decision, created_at)"
                " SELECT id, 500, 50, 0, 0, 'open', '多领追回', '演示决定', %s"
                f" FROM {Enrollment._meta.db_table} WHERE id %% 200 = 3 AND one_off = %s",
                [stamp, False])
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(
                no_style(), [Household, Person, Case, Enrollment, PaymentAccount]):
            cur.execute(sql)
        cur.execute("DROP TABLE bench_village")
        cur.execute("ANALYZE" if vendor == "sqlite" else "VACUUM ANALYZE")
        if vendor == "postgresql":
            cur.execute("CHECKPOINT")


def expected_total() -> tuple[int, Decimal]:
    """Lines and total the month must come to, from the loaded data by plain aggregates."""
    from django.db.models import Sum

    from benefits.models import BackPay, Enrollment, Recovery

    enrollments = Enrollment.objects.all()
    base = enrollments.aggregate(s=Sum("monthly_amount"))["s"]
    back = BackPay.objects.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    # Every plan deducts 50 this month (amounts are ≥ 200, outstanding 500).
    deducted = Decimal(50) * Recovery.objects.count()
    return enrollments.count(), base + back - deducted


def bare_baseline(vendor: str) -> float:
    """The same lines' columns by one INSERT … SELECT per programme into an unindexed copy."""
    from django.db import connection, transaction

    from benefits.models import PayrollLine

    table = PayrollLine._meta.db_table
    false = "FALSE" if vendor == "postgresql" else "0"
    # The same plan as the payroll's own statement (benefits.payroll_sql._enrollments).
    enrollments = ("benefits_enrollment e" if vendor == "postgresql"
                   else "benefits_enrollment e INDEXED BY enrollment_prog_status")
    with connection.cursor() as cur:
        cur.execute(f"CREATE TABLE bench_bare AS SELECT * FROM {table} WHERE 1 = 0")
    t0 = time.perf_counter()
    for programme in PROGRAMMES:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"""
                INSERT INTO bench_bare (run_id, version, enrollment_id, household_id,
                    programme_id, month, village_code, urban_rural, persons, care_class,
                    support_form, base_amount, back_pay, deduction, amount, status,
                    failure_reason, attempts)
                SELECT 0, 1, e.id, e.household_id, e.programme_id, %s, e.village_code,
                       h.urban_rural, e.persons, e.care_class, e.support_form,
                       e.monthly_amount, 0, 0, e.monthly_amount, 'pending', '', 0
                FROM {enrollments} JOIN registry_household h ON h.id = e.household_id
                WHERE e.programme_id = %s AND substr(e.village_code, 1, 6) = %s
                  AND e.status = 'active' AND e.start_month <= %s
                  AND (e.end_month IS NULL OR e.end_month >= %s)
                  AND (e.one_off = {false} OR e.start_month = %s)""",
                [MONTH, programme, "620802", MONTH, MONTH, MONTH])
    seconds = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_bare")
    return seconds


def run_month(t: Timings) -> list[Any]:
    from accounts.models import User
    from benefits.services.payroll import payroll_approve, payroll_compute

    maker = User.objects.get(username="county_admin")
    checker = User.objects.get(username="county_checker")
    runs = []
    for programme in PROGRAMMES:
        t0 = time.perf_counter()
        result = payroll_compute(actor=maker, programme_id=programme, month=MONTH)
        t.per_programme[programme] = time.perf_counter() - t0
        say(f"run {programme}: {result.run.lines:,} lines in {t.per_programme[programme]:.1f}s")
        runs.append(result.run)
    t.run = sum(t.per_programme.values())
    t0 = time.perf_counter()
    runs = [payroll_approve(actor=checker, run_id=r.pk) for r in runs]
    t.approve = time.perf_counter() - t0
    return runs


def bank_files(t: Timings, runs: list[Any]) -> None:
    """Make and stream every run's file (timed), then stream the largest again under
    tracemalloc (untimed: tracing every allocation slows Python several times over)."""
    from accounts.models import User
    from benefits.bankfile import bank_file_stream
    from benefits.services.bank import bank_file_create

    checker = User.objects.get(username="county_checker")
    files = []
    t0 = time.perf_counter()
    for run in runs:
        bank_file = bank_file_create(actor=checker, run_id=run.pk)
        files.append(bank_file)
        for chunk in bank_file_stream(bank_file):
            t.bank_bytes += len(chunk)
            t.bank_rows += chunk.count(b"\n")
    t.bankfile = time.perf_counter() - t0
    tracemalloc.start()
    for _chunk in bank_file_stream(max(files, key=lambda f: f.lines)):
        pass
    t.bank_peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()


def report_timing(t: Timings) -> None:
    from django.db import connection

    from benefits.statistics import monthly_report

    t0 = time.perf_counter()
    monthly_report("620802000000", MONTH)
    t.report = time.perf_counter() - t0
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT programme_id, urban_rural, COUNT(*), SUM(persons), SUM(amount)"
                    " FROM benefits_payrollline WHERE month = %s"
                    " GROUP BY programme_id, urban_rural", [MONTH])
        cur.fetchall()
    t.report_baseline = time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--enrollments", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    n = args.enrollments

    vendor, url = bench_database_url(SQLITE_PATH, PG_DATABASE)
    recreate_database(vendor, url, SQLITE_PATH, PG_DATABASE)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from demo.reference import load_reference_data

    t = Timings()
    say(f"load: {n:,} enrollments ({load_note()})")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    load_reference_data()
    load(vendor, n)
    t.load = time.perf_counter() - t0
    lines_expected, total_expected = expected_total()

    t.baseline = bare_baseline(vendor)
    runs = run_month(t)
    lines = sum(r.lines for r in runs)
    total = sum((r.total for r in runs), Decimal(0))
    if (lines, total) != (lines_expected, total_expected):
        raise SystemExit(f"run: {lines} lines, total {total}; expected {lines_expected} lines,"
                         f" total {total_expected}")
    bank_files(t, runs)
    # One header and one totals row per file around the lines.
    if t.bank_rows != lines + 2 * len(runs):
        raise SystemExit(f"bank files: {t.bank_rows} rows for {lines} lines")
    report_timing(t)

    ratio = t.run / t.baseline
    print(f"\npayroll benchmark  db={vendor} ({connection.settings_dict['NAME']})  "
          f"{time.strftime('%Y-%m-%d %H:%M')}  {load_note()}")
    print(f"data: enrollments={n:,} month={MONTH:%Y-%m} load {t.load:.1f} s")
    print("\nthe month's run (payroll_compute per programme)")
    for programme, s in t.per_programme.items():
        print(f"  {programme:<14} {s:8.2f} s")
    print(f"  total          {t.run:8.2f} s   goal < {GOAL_SECONDS:.0f} s: "
          f"{'ok' if t.run < GOAL_SECONDS else 'MISSED'}")
    print(f"  bare INSERT … SELECT baseline {t.baseline:.2f} s; run / baseline = {ratio:.2f}x"
          f" (goal <= {GOAL_RATIO:.0f}x: {'ok' if ratio <= GOAL_RATIO else 'MISSED'})")
    print(f"  approval (checker, 4 runs) {t.approve:.2f} s")
    print(f"\nbank files: {t.bank_rows:,} rows, {t.bank_bytes / 2**20:.1f} MiB in {t.bankfile:.2f} s;"
          f" Python heap peak streaming the largest file again {t.bank_peak_mb:.1f} MiB")
    print(f"\nmonthly report (county) {t.report:.3f} s (goal < {GOAL_REPORT_SECONDS:.0f} s: "
          f"{'ok' if t.report < GOAL_REPORT_SECONDS else 'MISSED'}); plain GROUP BY baseline"
          f" {t.report_baseline:.3f} s")
    print(f"\npayroll: enrollments={n} seconds={t.run:.1f} baseline_seconds={t.baseline:.1f}"
          f" bankfile_seconds={t.bankfile:.1f} report_seconds={t.report:.2f}"
          f" report_baseline_seconds={t.report_baseline:.2f}")


if __name__ == "__main__":
    main()
