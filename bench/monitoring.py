"""Monitoring benchmark: every warning rule over about 1,000,000 monitored persons.

    .venv/bin/python bench/monitoring.py [--persons 1000000] [--pg-database NAME]

`DATABASE_URL` picks the database as it does for the app (unset = SQLite). The benchmark never
touches the developer's database: SQLite runs in var/bench/monitoring.sqlite3 and PostgreSQL in
a database of its own on the same server (--pg-database, default jiuzhu_bench_monitoring); both
are recreated each run.

Loading is set-based (bench/series.py). Persons come in blocks of ten, four households of one
to four members; one person in a hundred is excluded from the household (57号§8). The
monitored households hold the requested number of monitored persons: 19 in 20 have an active
enrollment (低保 70 %, 特困 10 %, 低保边缘, 刚性支出 and 临时救助 5 % each), 1 in 20 is registered as
a monitored household with an ended enrollment. Another tenth of the population is not
monitored (ended enrollments) and carries the same kinds of data, which must raise nothing.
The triggers, as shares of all persons: medical spending over 20,000 1 %; death records 0.33 %
(three in four within the look-back); disability certificates 10 % (a tenth of them recent);
registered unemployment 2 %; pensions 2 % (one in eight stopped last month); disasters 1 % of
persons (applicants of one-person households); ages 15 and 18 about 2 %; a 4,000 yuan wage on
one applicant in a hundred; open re-checks for 2 % of households (half overdue); asset findings
of a verification run done five days ago for 1 %. Only main earners count for deaths and
disabilities. Township A has its own medical line (14,500), township B has job loss off.

Timed, with a baseline measured in the same run on the same data:
  * the run: monitoring.services.runs.monitoring_run for the county, as the county admin
    (population, settings per village, every rule's INSERT … SELECT with ON CONFLICT).
  * baseline: each rule as one bare `SELECT count(*)` over the registry and department tables
    with the same conditions, the population test inline, county defaults as literals, no
    settings join and no check against earlier warnings.
  * a second run on the same day, which must raise nothing.
Checks: the run's count of each rule equals the baseline's, except the two rules a township
setting changes (medical, job loss), whose counts are printed side by side.
Goals (issue 8): the run < 2 minutes and within 3x the baseline.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, sys.path[0] is bench/; the project root must come first.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.databases import bench_database_url, recreate_database  # noqa: E402
from bench.series import chunked, insert_series, load_note, say  # noqa: E402

SQLITE_PATH = ROOT / "var" / "bench" / "monitoring.sqlite3"
PG_DATABASE = "jiuzhu_bench_monitoring"
COUNTY = "620802000000"
TOWNSHIP_A, TOWNSHIP_B = "620802100000", "620802101000"
GOAL_SECONDS = 120.0
GOAL_RATIO = 3.0
# Changed by a township's setting: the run's count differs from the county-default baseline.
CONFIGURED = ("medical_expense", "job_loss")

# Person k (1-based) is member r = (k-1) % 10 of its block: r 0 | 1 2 | 3 4 5 | 6 7 8 9 are the
# block's four households; r 0, 1, 3, 6 the applicants.


def household_of(person: str) -> str:
    return (f"((({person}) - 1) / 10 * 4 + CASE (({person}) - 1) %% 10 WHEN 0 THEN 1"
            " WHEN 1 THEN 2 WHEN 2 THEN 2 WHEN 3 THEN 3 WHEN 4 THEN 3 WHEN 5 THEN 3 ELSE 4 END)")


APPLICANT_OF = ("(((k - 1) / 4) * 10 + CASE (k - 1) %% 4 WHEN 0 THEN 1 WHEN 1 THEN 2"
                " WHEN 2 THEN 4 ELSE 7 END)")
RELATION = ("CASE WHEN (k - 1) %% 10 IN (0, 1, 3, 6) THEN 'applicant'"
            " WHEN (k - 1) %% 10 IN (2, 4, 7) THEN 'spouse' ELSE 'child' END")
URBAN = "CASE WHEN k %% 10 < 3 THEN 'urban' ELSE 'rural' END"
# Household k's programme by k % 20: 7 is the registered monitored household (its enrollment
# has ended), 14-15 特困, 16 低保边缘, 17 刚性支出, 18 临时救助, the rest 低保 by urban/rural.
PROGRAMME = ("CASE k %% 20 WHEN 14 THEN 'tekun' WHEN 15 THEN 'tekun' WHEN 16 THEN 'edge'"
             " WHEN 17 THEN 'rigid' WHEN 18 THEN 'temporary' ELSE"
             " (CASE WHEN k %% 10 < 3 THEN 'dibao_urban' ELSE 'dibao_rural' END) END")


@dataclass
class Layout:
    persons: int  # all persons
    households: int
    monitored_households: int  # households 1..this are monitored


@dataclass
class Timings:
    load: float = 0.0
    run: float = 0.0
    population: float = 0.0
    commit: float = 0.0
    per_rule: dict[str, float] = field(default_factory=dict)
    raised: dict[str, int] = field(default_factory=dict)
    baseline: float = 0.0
    baseline_rule: dict[str, tuple[int, float]] = field(default_factory=dict)
    second: float = 0.0
    persons: int = 0


def layout_for(target: int) -> Layout:
    """Blocks of 100 persons hold 99 counted members: enough monitored blocks for `target`
    monitored persons, plus a tenth as many persons who are not monitored."""
    blocks = -(-target // 99)
    monitored = blocks * 100
    persons = monitored + blocks * 10
    return Layout(persons=persons, households=persons // 10 * 4,
                  monitored_households=monitored // 10 * 4)


def pad(label: str, width: int) -> str:
    """`label` padded to `width` terminal columns (a Chinese character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in label)
    return label + " " * max(width - used, 0)


def day(vendor: str, when: date) -> str:
    return f"CAST('{when.isoformat()}' AS date)" if vendor == "postgresql" else f"'{when}'"


def days_before(vendor: str, when: date, expr: str) -> str:
    if vendor == "postgresql":
        return f"(DATE '{when.isoformat()}' - CAST({expr} AS integer))"
    return f"date('{when.isoformat()}', '-' || ({expr}) || ' days')"


def id_number(vendor: str, key: str) -> str:
    if vendor == "sqlite":
        return f"('6208' || substr('00000000000000' || ({key}), -14))"
    return f"('6208' || lpad(CAST({key} AS text), 14, '0'))"


def _fill(label: str, model: Any, total: int, values: dict[str, str], joins: str,
          vendor: str, stamp: Any, t0: float) -> None:
    from django.db import transaction

    for lo, hi in chunked(1, total):
        with transaction.atomic():
            insert_series(vendor, model, lo, hi, values, joins, stamp)
        say(f"load {label}: {hi:,}/{total:,}  {time.perf_counter() - t0:.1f}s")


def load_registry(vendor: str, lay: Layout, today: date, stamp: Any, t0: float) -> None:
    from django.db import connection

    from benefits.models import Enrollment, RecheckTask
    from cases.models import Case
    from monitoring.models import MonitoredHousehold
    from regions.models import Level, Region
    from registry.models import Disability, Household, IncomeRecord, Person

    villages = list(Region.objects.filter(level=Level.VILLAGE).order_by("code")
                    .values_list("code", flat=True))
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_village (idx integer PRIMARY KEY, code varchar(12))")
        cur.executemany("INSERT INTO bench_village (idx, code) VALUES (%s, %s)",
                        list(enumerate(villages)))
    village = f"JOIN bench_village v ON v.idx = k %% {len(villages)}"
    false, true = ("FALSE", "TRUE") if vendor == "postgresql" else ("0", "1")
    null_date = "CAST(NULL AS date)" if vendor == "postgresql" else "NULL"
    hm = lay.monitored_households
    recent_month = (today - timedelta(days=40)).replace(day=1)

    def income(kind: str, person: str, amount: str, excluded: str = false,
               end: str = null_date) -> dict[str, str]:
        return {"person_id": person, "income_type": f"'{kind}'", "monthly_amount": amount,
                "start_month": day(vendor, date(2025, 1, 1)), "end_month": end,
                "excluded": excluded, "source": "'declared'"}

    wage_pick = "CASE (k - 1) %% 6 WHEN 0 THEN 1 WHEN 1 THEN 2 WHEN 2 THEN 3 WHEN 3 THEN 4" \
                " WHEN 4 THEN 7 ELSE 8 END"
    steps: list[tuple[str, Any, int, dict[str, str], str]] = [
        ("households", Household, lay.households,
         {"id": "k", "village_code": "v.code", "address": "'演示路' || k || '号'",
          "urban_rural": URBAN}, village),
        ("persons", Person, lay.persons,
         {"id": "k", "household_id": household_of("k"), "name": "'监测对象' || k",
          "id_number": id_number(vendor, "k"), "sex": "'F'", "relation": RELATION,
          "birth_date": f"{days_before(vendor, today, '(k * 7919) %% 34675')}",
          "excluded": "(k %% 100 = 56)",
          "excluded_reason": "CASE WHEN k %% 100 = 56 THEN 'prison' ELSE '' END"}, ""),
        ("cases", Case, lay.households,
         {"id": "k", "number": "'BM' || k", "programme_id": PROGRAMME, "household_id": "k",
          "applicant_id": APPLICANT_OF, "village_code": "v.code", "urban_rural": URBAN,
          "state": "'approved'", "channel": "'counter'"}, village),
        ("enrollments", Enrollment, lay.households,
         {"id": "k", "programme_id": PROGRAMME, "household_id": "k", "case_id": "k",
          "village_code": "v.code", "monthly_amount": "300",
          "status": f"CASE WHEN k <= {hm} AND k %% 20 <> 7 THEN 'active' ELSE 'ended' END",
          "start_month": day(vendor, date(2025, 1, 1)), "persons": "(k - 1) %% 4 + 1"},
         village),
        ("monitored households", MonitoredHousehold, hm // 20,
         {"household_id": "(k - 1) * 20 + 7", "kind": "'edge'",
          "since": day(vendor, date(2026, 1, 1))}, ""),
        # Six members in ten earn 100-399 a month; one wage-earning applicant in a hundred
        # (k % 97 = 3 among applicants) 4,000, above any standard.
        ("wages", IncomeRecord, lay.persons // 10 * 6,
         income("wage", f"((k - 1) / 6) * 10 + {wage_pick}",
                "CASE WHEN k %% 97 = 3 AND (k - 1) %% 6 IN (0, 1, 3, 4)"
                " THEN 4000 ELSE 100 + ((k * 31) %% 300) END"), ""),
        ("excluded incomes", IncomeRecord, lay.persons // 10,
         income("basic_pension", "(k - 1) * 10 + 10", "150", excluded=true), ""),
        ("pensions", IncomeRecord, lay.persons // 50,
         income("pension", "(k - 1) * 50 + 9", "1500",
                end=f"CASE k %% 8 WHEN 1 THEN {day(vendor, recent_month)}"
                    f" WHEN 2 THEN {day(vendor, date(2024, 6, 1))} ELSE {null_date} END"), ""),
        ("disabilities", Disability, lay.persons // 10,
         {"person_id": "(k - 1) * 10 + CASE WHEN k %% 2 = 0 THEN 1 ELSE 3 END",
          "category": "'physical'", "grade": "1 + k %% 4",
          "issued_on": f"CASE WHEN k %% 10 = 3 THEN {days_before(vendor, today, 'k %% 80')}"
                       f" ELSE {day(vendor, date(2015, 5, 1))} END"}, ""),
        ("re-checks", RecheckTask, lay.households // 50,
         {"enrollment_id": "(k - 1) * 50 + 11", "kind": "'scheduled'", "status": "'open'",
          "due_on": f"CASE WHEN k %% 2 = 1 THEN {day(vendor, today - timedelta(days=10))}"
                    f" ELSE {day(vendor, today + timedelta(days=20))} END"}, ""),
    ]
    for label, model, total, values, joins in steps:
        _fill(label, model, total, values, joins, vendor, stamp, t0)


def load_department_data(vendor: str, lay: Layout, today: date, stamp: Any, t0: float) -> None:
    from django.db import connection
    from django.utils import timezone

    from demo.verification import ensure_sources
    from monitoring.models import RuleCode, WarningRule
    from verification.models import Finding, RunKind, RunStatus, Snapshot, SourceFact, VerificationRun

    ensure_sources()
    snapshots = {code: Snapshot.objects.create(source_id=code, as_of=today - timedelta(days=5),
                                               status="active").pk
                 for code in ("medical", "death", "unemployment", "disaster")}
    null_num = "CAST(NULL AS numeric)" if vendor == "postgresql" else "NULL"
    null_date = "CAST(NULL AS date)" if vendor == "postgresql" else "NULL"

    def facts(source: str, item: str, person: str, num: str = null_num,
              when: str = null_date) -> dict[str, str]:
        return {"snapshot_id": str(snapshots[source]), "source_id": f"'{source}'",
                "id_number": id_number(vendor, person), "item": f"'{item}'",
                "value_num": num, "value_date": when}

    vrun = VerificationRun.objects.create(
        kind=RunKind.RECIPIENTS, region_code=COUNTY, status=RunStatus.DONE,
        finished_at=timezone.now() - timedelta(days=5))
    villages = "(SELECT count(*) FROM bench_village)"
    finding_person = "((k - 1) * 100 + 37)"
    finding_village = (f"JOIN bench_village v ON v.idx = "
                       f"{household_of(finding_person)} %% {villages}")
    which = "CASE k %% 4 WHEN 0 THEN {0} WHEN 1 THEN {1} WHEN 2 THEN {2} ELSE {3} END"
    steps: list[tuple[str, Any, int, dict[str, str], str]] = [
        ("medical facts", SourceFact, lay.persons // 5,
         facts("medical", "out_of_pocket_12m", "(k - 1) * 5 + 3",
               num="CASE WHEN k %% 20 = 1 THEN 20000 + (k * 7) %% 40000"
                   " ELSE (k * 37) %% 15000 END"), ""),
        ("death facts", SourceFact, lay.persons // 300,
         facts("death", "death_date", "(k - 1) * 300 + 17",
               when=days_before(vendor, today, "k %% 120")), ""),
        ("unemployment facts", SourceFact, lay.persons // 50,
         facts("unemployment", "registered", "(k - 1) * 50 + 23"), ""),
        ("disaster facts", SourceFact, lay.persons // 100,
         facts("disaster", "disaster_date", "(k - 1) * 100 + 1",
               when=days_before(vendor, today, "k %% 60")), ""),
        ("disaster losses", SourceFact, lay.persons // 100,
         facts("disaster", "loss_amount", "(k - 1) * 100 + 1", num="5000 + (k * 13) %% 50000"),
         ""),
        ("findings", Finding, lay.persons // 100,
         {"run_id": str(vrun.pk), "person_id": finding_person, "village_code": "v.code",
          "source_id": which.format("'vehicles'", "'business'", "'deposits'", "'property'"),
          "item": which.format("'vehicle_value'", "'registered'", "'balance'", "'house_count'"),
          "value_num": which.format("60000 + k %% 9000", null_num, "35000", "1"),
          "consequence": which.format("'ineligible'", "'review'", "'ineligible'", "''"),
          "as_of": day(vendor, today - timedelta(days=20)),
          "new": "(k %% 10 <> 0)"}, finding_village),
    ]
    for label, model, total, values, joins in steps:
        _fill(label, model, total, values, joins, vendor, stamp, t0)
    WarningRule.objects.create(code=RuleCode.MEDICAL_EXPENSE, region_id=TOWNSHIP_A,
                               threshold=14500)
    WarningRule.objects.create(code=RuleCode.JOB_LOSS, region_id=TOWNSHIP_B, enabled=False)
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_village")


def load(vendor: str, lay: Layout, today: date) -> None:
    from django.core.management.color import no_style
    from django.db import connection
    from django.utils import timezone

    from benefits.models import Enrollment
    from cases.models import Case
    from registry.models import Household, Person

    stamp = timezone.now().replace(microsecond=0)
    t0 = time.perf_counter()
    load_registry(vendor, lay, today, stamp, t0)
    load_department_data(vendor, lay, today, stamp, t0)
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(),
                                                     [Household, Person, Case, Enrollment]):
            cur.execute(sql)
        cur.execute("ANALYZE" if vendor == "sqlite" else "VACUUM ANALYZE")
        if vendor == "postgresql":
            cur.execute("CHECKPOINT")


# ---------------------------------------------------------------------------------------------
# the bare baseline: each rule as one SELECT count(*), no settings join, no earlier warnings

# The county is matched on the code's first six digits, an expression no index covers, as the
# payroll does: with a range on the village index SQLite walks the whole county from households
# outwards, even when a few thousand department rows would be the better place to start.
MONITORED = """
    p.excluded = FALSE AND substr(h.village_code, 1, 6) = %(county)s
    AND (EXISTS (SELECT 1 FROM benefits_enrollment e
                 WHERE e.household_id = h.id AND e.status = 'active')
         OR EXISTS (SELECT 1 FROM monitoring_monitoredhousehold m
                    WHERE m.household_id = h.id AND m.since <= %(on)s
                      AND (m.until IS NULL OR m.until >= %(on)s)))"""


def _income(person: str) -> str:
    return f"""COALESCE((SELECT SUM(i.monthly_amount) FROM registry_incomerecord i
                        WHERE i.person_id = {person} AND i.excluded = FALSE
                          AND i.start_month <= %(month)s
                          AND (i.end_month IS NULL OR i.end_month >= %(month)s)), 0)"""


EARNER = f"""p.id = (SELECT q.id FROM registry_person q
                WHERE q.household_id = p.household_id AND q.excluded = FALSE
                ORDER BY {_income('q.id')} DESC,
                         CASE WHEN q.relation = 'applicant' THEN 1 ELSE 0 END DESC, q.id
                LIMIT 1)"""
PERSON = "JOIN registry_person p ON p.id_number = f.id_number" \
         " JOIN registry_household h ON h.id = p.household_id"
BASELINE = {
    "medical_expense": f"""SELECT count(*) FROM verification_sourcefact f {PERSON}
        WHERE f.snapshot_id IN (%(medical)s) AND f.item = 'out_of_pocket_12m'
          AND f.value_num > %(medical_line)s AND {MONITORED}""",
    "earner_death": f"""SELECT count(*) FROM verification_sourcefact f {PERSON}
        WHERE f.snapshot_id IN (%(death)s) AND f.item = 'death_date'
          AND f.value_date BETWEEN %(since)s AND %(on)s AND {MONITORED} AND {EARNER}""",
    "earner_disability": f"""SELECT count(*) FROM registry_disability d
        JOIN registry_person p ON p.id = d.person_id
        JOIN registry_household h ON h.id = p.household_id
        WHERE d.issued_on BETWEEN %(since)s AND %(on)s AND {MONITORED} AND {EARNER}""",
    "job_loss": f"""SELECT count(*) FROM verification_sourcefact f {PERSON}
        WHERE f.snapshot_id IN (%(unemployment)s) AND f.item = 'registered' AND {MONITORED}""",
    "pension_loss": f"""SELECT count(*) FROM registry_incomerecord i
        JOIN registry_person p ON p.id = i.person_id
        JOIN registry_household h ON h.id = p.household_id
        WHERE i.income_type = 'pension' AND i.end_month BETWEEN %(since_month)s AND %(on)s
          AND NOT EXISTS (SELECT 1 FROM registry_incomerecord j
                          WHERE j.person_id = i.person_id AND j.income_type = 'pension'
                            AND j.id <> i.id
                            AND (j.end_month IS NULL OR j.end_month > i.end_month))
          AND {MONITORED}""",
    "disaster": f"""SELECT count(*), count(l.value_num) FROM verification_sourcefact f {PERSON}
        LEFT JOIN verification_sourcefact l ON l.id_number = f.id_number
             AND l.snapshot_id = f.snapshot_id AND l.item = 'loss_amount'
        WHERE f.snapshot_id IN (%(disaster)s) AND f.item = 'disaster_date'
          AND f.value_date BETWEEN %(since)s AND %(on)s AND {MONITORED}""",
    "school_entry": f"""SELECT count(*) FROM registry_person p
        JOIN registry_household h ON h.id = p.household_id
        WHERE (p.birth_date BETWEEN %(high_first)s AND %(high_last)s
               OR p.birth_date BETWEEN %(uni_first)s AND %(uni_last)s) AND {MONITORED}""",
    "income_above": f"""SELECT count(*) FROM (
        SELECT h.id, h.urban_rural, SUM({_income('p.id')}) AS income, count(*) AS members
        FROM registry_household h JOIN registry_person p ON p.household_id = h.id
        WHERE p.excluded = FALSE AND substr(h.village_code, 1, 6) = %(county)s
          AND EXISTS (SELECT 1 FROM benefits_enrollment e
                      WHERE e.household_id = h.id AND e.status = 'active'
                        AND e.programme_id IN ('dibao_urban', 'dibao_rural'))
        GROUP BY h.id, h.urban_rural) x
        WHERE x.income > x.members * CASE x.urban_rural WHEN 'urban' THEN %(urban)s
                                                         ELSE %(rural)s END""",
    "missed_recheck": f"""SELECT count(*) FROM benefits_rechecktask t
        JOIN benefits_enrollment en ON en.id = t.enrollment_id
        JOIN registry_household h ON h.id = en.household_id
        JOIN registry_person p ON p.household_id = h.id AND p.relation = 'applicant'
        WHERE t.status = 'open' AND t.due_on < %(on)s AND {MONITORED}""",
    "asset_found": f"""SELECT count(*) FROM verification_finding fd
        JOIN verification_sourceitem si ON si.source_id = fd.source_id AND si.code = fd.item
        JOIN registry_person p ON p.id = fd.person_id
        JOIN registry_household h ON h.id = p.household_id
        WHERE fd.run_id IN (%(runs)s) AND fd.new = TRUE
          AND fd.consequence IN ('ineligible', 'review') AND si.feeds LIKE 'asset:%%'
          AND {MONITORED}""",
}


def baseline_counts(today: date) -> dict[str, tuple[int, float]]:
    """(count, seconds) of each rule's bare SELECT, county defaults as values."""
    from django.db import connection

    from policies.params import param
    from verification.models import RunStatus, Snapshot, VerificationRun

    snapshots = {s.source_id: s.pk for s in Snapshot.objects.filter(status="active")}
    since = today - timedelta(days=90)
    params: dict[str, Any] = {
        "county": COUNTY[:6], "on": today,
        "month": today.replace(day=1), "since": since, "since_month": since.replace(day=1),
        "medical_line": param("warning.thresholds.medical", COUNTY, today),
        "urban": param("dibao.standard.urban", COUNTY, today),
        "rural": param("dibao.standard.rural", COUNTY, today),
        "high_first": date(today.year - 15, 1, 1), "high_last": date(today.year - 15, 12, 31),
        "uni_first": date(today.year - 18, 1, 1), "uni_last": date(today.year - 18, 12, 31),
        "runs": VerificationRun.objects.get(status=RunStatus.DONE).pk,
        **{code: snapshots[code] for code in ("medical", "death", "unemployment", "disaster")}}
    counts = {}
    for code, sql in BASELINE.items():
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(sql, params)
            counts[code] = (int(cur.fetchone()[0]), time.perf_counter() - t0)
        say(f"baseline {code}: {counts[code][0]:,} in {counts[code][1]:.2f}s")
    return counts


def run_monitoring(t: Timings, today: date) -> None:
    from accounts.models import User
    from monitoring.services.runs import monitoring_run

    admin = User.objects.get(username="county_admin")

    def progress(code: str, raised: int, seconds: float) -> None:
        t.per_rule[code], t.raised[code] = seconds, raised
        say(f"run {code}: {raised:,} raised in {seconds:.2f}s")

    t0 = time.perf_counter()
    run = monitoring_run(actor=admin, region_code=COUNTY, on_date=today, progress=progress)
    t.run = time.perf_counter() - t0
    # run.seconds is taken inside the run's transaction; what follows is the commit, where
    # PostgreSQL checks the new warnings' deferred foreign keys.
    t.commit = t.run - float(run.seconds or 0)
    t.population = t.run - t.commit - sum(t.per_rule.values())
    t.persons = run.monitored_persons
    t0 = time.perf_counter()
    again = monitoring_run(actor=admin, region_code=COUNTY, on_date=today)
    t.second = time.perf_counter() - t0
    if sum(again.raised.values()):
        raise SystemExit(f"second run raised {again.raised}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--persons", type=int, default=1_000_000,
                        help="monitored persons to aim for (rounded up to whole blocks)")
    parser.add_argument("--pg-database", default=PG_DATABASE)
    args = parser.parse_args(argv)
    lay = layout_for(args.persons)

    vendor, url = bench_database_url(SQLITE_PATH, args.pg_database)
    recreate_database(vendor, url, SQLITE_PATH, args.pg_database)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from demo.reference import load_reference_data
    from monitoring.models import RuleCode
    from monitoring.rules import RULES

    today = timezone.localdate()
    t = Timings()
    say(f"load: {lay.persons:,} persons, {lay.households:,} households ({load_note()})")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    load_reference_data()
    load(vendor, lay, today)
    t.load = time.perf_counter() - t0

    t.baseline_rule = baseline_counts(today)
    t.baseline = sum(s for _n, s in t.baseline_rule.values())
    run_monitoring(t, today)
    wrong = {code: (t.raised[code], t.baseline_rule[code][0]) for code in RULES
             if code not in CONFIGURED and t.raised[code] != t.baseline_rule[code][0]}
    if wrong:
        raise SystemExit(f"run and baseline disagree (run, baseline): {wrong}")

    ratio = t.run / t.baseline
    print(f"\nmonitoring benchmark  db={vendor} ({connection.settings_dict['NAME']})  "
          f"{time.strftime('%Y-%m-%d %H:%M')}  {load_note()}")
    print(f"data: monitored persons={t.persons:,} (of {lay.persons:,}), households="
          f"{lay.households:,}, run date {today}, load {t.load:.1f} s")
    print("\nthe run (monitoring_run, county)                    raised  seconds |"
          "  baseline count  seconds")
    print(f"  {'population, settings':<52} {t.population:8.2f} |")
    for code in RULES:
        count, seconds = t.baseline_rule[code]
        label = pad(str(RuleCode(code).label), 20)
        print(f"  {code:<22} {label} {t.raised[code]:>8,} {t.per_rule[code]:8.2f} |"
              f" {count:>10,} {seconds:8.2f}")
    print(f"  {'commit':<52} {t.commit:8.2f} |")
    print(f"  {'total':<43} {sum(t.raised.values()):>8,} {t.run:8.2f} |"
          f" {sum(c for c, _s in t.baseline_rule.values()):>10,} {t.baseline:8.2f}")
    print(f"  goal < {GOAL_SECONDS:.0f} s: {'ok' if t.run < GOAL_SECONDS else 'MISSED'};"
          f" run / baseline = {ratio:.2f}x (goal <= {GOAL_RATIO:.0f}x:"
          f" {'ok' if ratio <= GOAL_RATIO else 'MISSED'})")
    print(f"  ({', '.join(CONFIGURED)}: township settings, so the counts differ by design)")
    print(f"\nsecond run the same day (nothing new to raise) {t.second:.2f} s")
    print(f"\nmonitoring: persons={t.persons} seconds={t.run:.1f} baseline_seconds={t.baseline:.1f}"
          f" ratio={ratio:.2f} second_run_seconds={t.second:.1f}")


if __name__ == "__main__":
    main()
