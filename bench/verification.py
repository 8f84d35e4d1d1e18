"""Verification benchmark: batch re-verification of N recipients against M department rows.

    .venv/bin/python bench/verification.py [--persons 1000000] [--rows 10000000]

`DATABASE_URL` picks the database as it does for the app (unset = SQLite). The benchmark never
touches the developer's database: SQLite runs in var/bench/verification.sqlite3 and PostgreSQL
in a database named jiuzhu_bench_verification on the same server; both are dropped and
recreated each run (unless --skip-load reuses the previous run's data).

Loading is set-based: every table is filled by INSERT … SELECT over generate_series
(PostgreSQL) or a recursive CTE (SQLite), in chunks of a million rows, one transaction each.
The N recipients are persons of households with an active enrollment (case, enrollment and
memberships included); a few registered persons have ended enrollments. The M department rows
cover the whole population: almost all are for ID numbers of people who are not recipients, in
an active snapshot of one of twelve sources (two sources also keep a superseded snapshot). A
few thousand rows are planted hits on recipients, recorded in the table bench_planted with
decoys that must not be found (recipients in a superseded snapshot, registered persons whose
enrollment has ended).

The batch is the real one: verification.services.recipients_run_create as the county admin,
then verification.engine.run_execute. Its findings must equal the planted hits exactly.
Baselines measured in the same run on the same data:
  * DuckDB: persons' ID numbers and the facts exported to CSV and loaded into an in-memory
    DuckDB, then one hand-written hash join; duckdb_seconds is the join alone.
  * per-row ORM: for each person and each source, a SourceFact query by ID number and active
    snapshot and Finding.save() per hit, timed on a sample of persons and scaled linearly to N.
The goal (issue 5): batch < 5 minutes, within 2x DuckDB, at least 20x faster than per-row ORM.
"""

from __future__ import annotations

import argparse
import csv
import inspect
import math
import os
import random
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, sys.path[0] is bench/, where this file would shadow the `verification` app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.databases import bench_database_url, recreate_database  # noqa: E402
from bench.series import chunked, insert_series, load_note, say  # noqa: E402

SQLITE_PATH = ROOT / "var" / "bench" / "verification.sqlite3"
DUCKDB_DIR = ROOT / "var" / "bench" / "verification-duckdb"
PG_DATABASE = "jiuzhu_bench_verification"
COUNTY = "620802000000"
PROGRAMME = "dibao_rural"
GOAL_SECONDS = 300.0
GOAL_DUCKDB_RATIO = 2.0
GOAL_ORM_SPEEDUP = 20.0
# ID numbers: '6208' + 14 digits of key * ID_MULT mod 10^14. The multiplier is prime to 10, so
# distinct keys give distinct ID numbers, and their order has nothing to do with the keys'.
ID_MULT = 387_420_489
ID_MOD = 10**14

# (code, name, department, weight in rows, [(item, label, kind)])
SOURCES: list[tuple[str, str, str, int, list[tuple[str, str, str]]]] = [
    ("death", "死亡登记", "区公安分局", 2, [("death_date", "死亡日期", "date")]),
    ("marriage", "婚姻登记", "区民政局婚姻登记处", 6, [("marital_status", "婚姻状况", "text")]),
    ("pension", "社会保险", "区人力资源和社会保障局", 20,
     [("pension_monthly", "养老金月领取额", "amount"), ("employed", "参保就业", "flag")]),
    ("property", "不动产登记", "区自然资源局不动产登记中心", 12,
     [("property_count", "房产套数", "amount"), ("property_area", "房产面积", "amount")]),
    ("vehicles", "机动车登记", "区公安分局交警大队", 10,
     [("vehicle_value", "车辆价值", "amount"), ("vehicle_count", "车辆数", "amount")]),
    ("business", "市场主体登记", "区市场监督管理局", 6,
     [("registered", "登记市场主体", "flag"), ("capital", "注册资本", "amount")]),
    ("tax", "个人所得税", "区税务局", 14, [("annual_income", "年收入", "amount")]),
    ("fund", "住房公积金", "市住房公积金中心", 10, [("monthly_deposit", "月缴存额", "amount")]),
    ("deposits", "银行存款", "人民银行区支行", 12, [("balance", "存款余额", "amount")]),
    ("securities", "证券持有", "市证券登记服务点", 2, [("market_value", "证券市值", "amount")]),
    ("payroll", "财政供养人员", "区财政局", 3, [("salary", "月工资", "amount")]),
    ("relatives", "近亲属备案", "区纪委监委", 1, [("official", "备案干部", "text")]),
]
SUPERSEDED_SOURCES = ("vehicles", "tax")  # also keep last quarter's superseded snapshot
SUPERSEDED_SHARE = 0.04  # of the background rows


# ---------------------------------------------------------------------------------------------
# set-based SQL helpers


def id_number(key: int) -> str:
    return f"6208{key * ID_MULT % ID_MOD:014d}"


def id_sql(vendor: str, key: str) -> str:
    """SQL for id_number(key); `%%` because the statements always go with parameters."""
    if vendor == "sqlite":  # || binds tighter than * in SQLite
        return f"('6208' || substr('00000000000000' || (({key}) * {ID_MULT} %% {ID_MOD}), -14))"
    return f"('6208' || lpad(((({key})::bigint * {ID_MULT}) %% {ID_MOD})::text, 14, '0'))"


# ---------------------------------------------------------------------------------------------
# loading


@dataclass
class Planted:
    """One planted department row: (person, source, item) and the values it carries."""

    kind: str  # hit | decoy_superseded | decoy_ended
    person_id: int
    source: str
    item: str
    value_num: Decimal | None = None
    value_text: str = ""
    value_date: date | None = None

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.person_id, self.source, self.item)


@dataclass
class LoadResult:
    persons: int = 0
    registered_others: int = 0
    households: int = 0
    rows: int = 0
    active_rows: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def load_s(self) -> float:
        return sum(self.seconds.values())


@dataclass
class Layout:
    """Where everything is, derived from the arguments so --skip-load can rebuild it."""

    persons: int
    rows: int
    hits: int
    others: int  # registered persons whose enrollment has ended
    population: int  # distinct non-recipient ID numbers the department rows draw from

    @classmethod
    def of(cls, persons: int, rows: int, hits: int) -> Layout:
        hits = max(1, min(hits, persons // 4 or 1, rows // 10 or 1))
        others = max(10, persons // 50)
        return cls(persons, rows, hits, others, max(2 * persons, rows // 2, 1000))

    @property
    def decoys(self) -> int:
        return max(1, self.hits // 5)

    @property
    def recipient_households(self) -> int:
        return -(-self.persons // 3)

    @property
    def other_households(self) -> int:
        return -(-self.others // 3)

    @property
    def population_base(self) -> int:
        """Keys above this are the department-only population."""
        return self.persons + self.others


def load(vendor: str, layout: Layout, seed: int) -> LoadResult:
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from benefits.models import Enrollment, EnrollmentMember
    from cases.models import Case
    from regions.models import Level, Region
    from registry.models import Household, Person
    from verification.models import Snapshot, SourceFact

    result = LoadResult(persons=layout.persons, registered_others=layout.others)
    stamp = timezone.now().replace(microsecond=0)
    villages = list(Region.objects.filter(level=Level.VILLAGE, code__startswith=COUNTY[:6])
                    .order_by("code").values_list("code", flat=True))
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_village (idx integer PRIMARY KEY, code varchar(12))")
        cur.executemany("INSERT INTO bench_village (idx, code) VALUES (%s, %s)",
                        list(enumerate(villages)))
    nv = len(villages)

    # Households, persons, cases, enrollments, memberships: recipients (active), then others
    # (ended). Person k has ID number id_number(k); household j holds persons 3j-2 .. 3j.
    t0 = time.perf_counter()
    groups = [(0, 0, layout.persons, "approved", "active"),
              (layout.persons, layout.recipient_households, layout.others, "terminated", "ended")]
    for p_off, h_off, count, case_state, status in groups:
        households = -(-count // 3)
        hid, pid = f"({h_off} + k)", f"({p_off} + k)"
        village = f"JOIN bench_village v ON v.idx = ({h_off} + k) %% {nv}"
        first_pid = f"({p_off} + 3 * k - 2)"

        def day(iso: str) -> str:
            return f"CAST('{iso}' AS date)" if vendor == "postgresql" else f"'{iso}'"

        steps: list[tuple[str, Any, int, dict[str, str], str]] = [
            ("households", Household, households,
             {"id": hid, "village_code": "v.code", "address": "'演示路' || k || '号'",
              "urban_rural": "'rural'"}, village),
            ("persons", Person, count,
             {"id": pid, "household_id": f"({h_off} + (k - 1) / 3 + 1)", "name": f"'受助人' || {pid}",
              "id_number": id_sql(vendor, pid), "sex": "CASE WHEN k %% 2 = 0 THEN 'F' ELSE 'M' END",
              "relation": ("CASE (k - 1) %% 3 WHEN 0 THEN 'applicant' WHEN 1 THEN 'spouse'"
                           " ELSE 'child' END"),
              "birth_date": day("1970-01-01")}, ""),
            ("cases", Case, households,
             {"id": hid, "number": f"'BV' || {hid}", "programme_id": f"'{PROGRAMME}'",
              "household_id": hid, "applicant_id": first_pid, "village_code": "v.code",
              "urban_rural": "'rural'", "state": f"'{case_state}'", "channel": "'counter'"},
             village),
            ("enrollments", Enrollment, households,
             {"id": hid, "programme_id": f"'{PROGRAMME}'", "household_id": hid, "case_id": hid,
              "village_code": "v.code", "status": f"'{status}'", "monthly_amount": "600",
              "start_month": day("2025-01-01")}, village),
            ("memberships", EnrollmentMember, count,
             {"id": pid, "enrollment_id": f"({h_off} + (k - 1) / 3 + 1)", "person_id": pid,
              "programme_id": f"'{PROGRAMME}'"}, ""),
        ]
        for label, model, total, values, joins in steps:
            for lo, hi in chunked(1, total):
                with transaction.atomic():
                    insert_series(vendor, model, lo, hi, values, joins, stamp)
                say(f"load {label} ({status}): {hi:,}/{total:,}  {time.perf_counter() - t0:.1f}s")
        result.households += households
    result.seconds["registry rows (households, persons, cases, enrollments)"] = (
        time.perf_counter() - t0)

    # Department data: sources, snapshots, then the rows with their indexes dropped and rebuilt
    # (as an import would for a whole new snapshot).
    t0 = time.perf_counter()
    snapshots = create_sources()
    planted = plant(layout, seed, snapshots)
    background = layout.rows - len(planted)
    superseded_rows = int(background * SUPERSEDED_SHARE) if background > 100 else 0
    active_rows = background - superseded_rows
    weights = {code: w for code, _n, _d, w, _i in SOURCES}
    plan: list[tuple[str, str, int]] = []  # (source, "active" | "superseded", rows)
    left = active_rows
    for i, (code, *_rest) in enumerate(SOURCES):
        n = left if i == len(SOURCES) - 1 else active_rows * weights[code] // sum(weights.values())
        plan.append((code, "active", n))
        left -= n
    for i, code in enumerate(SUPERSEDED_SOURCES):
        n = superseded_rows // 2 if i == 0 else superseded_rows - superseded_rows // 2
        plan.append((code, "superseded", n))
    dropped = drop_indexes(vendor, SourceFact._meta.db_table)
    items = {code: its for code, _n, _d, _w, its in SOURCES}
    done = 0
    for s, (code, status, n) in enumerate(plan):
        values = fact_values(vendor, layout, s, items[code], snapshots[(code, status)], code)
        for lo, hi in chunked(1, n):
            with transaction.atomic():
                insert_series(vendor, SourceFact, lo, hi, values)
            say(f"load facts {code} ({status}): {hi:,}/{n:,}  total {done + hi:,}/{layout.rows:,}"
                f"  {time.perf_counter() - t0:.1f}s")
        done += n
    with transaction.atomic(), connection.cursor() as cur:
        cur.executemany(
            "INSERT INTO verification_sourcefact (snapshot_id, source_id, id_number, item,"
            " value_num, value_text, value_date) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(snapshots[(p.source, "superseded" if p.kind == "decoy_superseded" else "active")],
              p.source, id_number(p.person_id), p.item, p.value_num, p.value_text, p.value_date)
             for p in planted])
        cur.execute("CREATE TABLE bench_planted (kind varchar(20), person_id bigint,"
                    " source_id varchar(32), item varchar(32), value_num numeric(16, 2),"
                    " value_text varchar(200), value_date date)")
        cur.executemany("INSERT INTO bench_planted VALUES (%s, %s, %s, %s, %s, %s, %s)",
                        [(p.kind, p.person_id, p.source, p.item, p.value_num, p.value_text,
                          p.value_date) for p in planted])
    result.seconds["department rows (INSERT … SELECT, indexes dropped)"] = time.perf_counter() - t0
    result.rows = done + len(planted)
    result.active_rows = active_rows + sum(p.kind != "decoy_superseded" for p in planted)
    per_snapshot = {snapshots[(code, status)]: n for code, status, n in plan}
    for p in planted:
        snap = snapshots[(p.source, "superseded" if p.kind == "decoy_superseded" else "active")]
        per_snapshot[snap] += 1
    for snap_id, n in per_snapshot.items():
        Snapshot.objects.filter(pk=snap_id).update(rows_total=n, facts=n)

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for sql in dropped:
            say(f"index: {sql}")
            cur.execute(sql)
    result.seconds["department rows: rebuild indexes"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [Household, Person, Case, Enrollment, EnrollmentMember, SourceFact]
        ):
            cur.execute(sql)
        cur.execute("DROP TABLE bench_village")
        if vendor == "sqlite":
            cur.execute("PRAGMA analysis_limit = 2000")
            cur.execute("ANALYZE")
        else:
            cur.execute("VACUUM ANALYZE")
            # Write the load's dirty pages out now, not while the batch is timed.
            cur.execute("CHECKPOINT")
    finish = "ANALYZE" if vendor == "sqlite" else "VACUUM ANALYZE, CHECKPOINT"
    result.seconds[f"reset sequences, {finish}"] = time.perf_counter() - t0
    return result


def drop_indexes(vendor: str, table: str) -> list[str]:
    """Drop the table's secondary indexes; return the statements that recreate them."""
    from django.db import connection

    with connection.cursor() as cur:
        if vendor == "sqlite":
            cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
                        " AND sql IS NOT NULL", [table])
        else:
            cur.execute("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s"
                        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
                        "                 WHERE c.conname = i.indexname)", [table])
        found = cur.fetchall()
        for name, _sql in found:
            cur.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


def create_sources() -> dict[tuple[str, str], int]:
    """Twelve sources with their items, an active snapshot each, two superseded ones."""
    from django.utils import timezone

    from policies.models import Department
    from verification.models import DataSource, Snapshot, SnapshotStatus, SourceItem

    today = timezone.localdate()
    snapshots = {}
    for i, (code, name, dept, _w, items) in enumerate(SOURCES):
        department, _ = Department.objects.get_or_create(name=dept)
        source = DataSource.objects.create(code=code, name=name, department=department,
                                           sort_order=i)
        for item, label, kind in items:
            SourceItem.objects.create(source=source, code=item, label=label, column=label,
                                      kind=kind)
        snapshots[(code, "active")] = Snapshot.objects.create(
            source=source, as_of=today - timedelta(days=10 + i), status=SnapshotStatus.ACTIVE,
            file_name=f"{code}.csv").pk
        if code in SUPERSEDED_SOURCES:
            snapshots[(code, "superseded")] = Snapshot.objects.create(
                source=source, as_of=today - timedelta(days=100 + i),
                status=SnapshotStatus.SUPERSEDED, file_name=f"{code}-old.csv").pk
    return snapshots


def fact_values(vendor: str, layout: Layout, s: int, items: list[tuple[str, str, str]],
                snapshot_id: int, source: str) -> dict[str, str]:
    """Column expressions for background row k of source plan entry s: an ID number of the
    department-only population, spread over it by a per-source multiplier."""
    mult = [7_919, 104_729, 1_299_709, 15_485_863, 32_452_843, 49_979_687][s % 6] + 2 * s
    # Prime to the population, so distinct rows of a snapshot get distinct ID numbers: one value
    # per person and item in a snapshot, as the importer and fact_one_value_per_item require.
    while math.gcd(mult, layout.population) != 1:
        mult += 2
    key = f"({layout.population_base + 1} + (k * {mult} + {s * 7_777}) %% {layout.population})"
    n = len(items)

    def by_item(per_kind: dict[str, str], default: str) -> str:
        whens = [f"WHEN {i} THEN {per_kind.get(kind, default)}"
                 for i, (_c, _l, kind) in enumerate(items)]
        return f"CASE k %% {n} {' '.join(whens)} ELSE {default} END" if n > 1 else \
            per_kind.get(items[0][2], default)

    if vendor == "sqlite":
        date_sql = "date('2020-01-01', '+' || (k %% 1500) || ' days')"
    else:
        date_sql = "(DATE '2020-01-01' + (k %% 1500)::int)"
    items_case = (f"CASE k %% {n} " + " ".join(f"WHEN {i} THEN '{c}'" for i, (c, _l, _k)
                                                in enumerate(items)) + " END") if n > 1 \
        else f"'{items[0][0]}'"
    return {
        "snapshot_id": str(snapshot_id),
        "source_id": f"'{source}'",
        "id_number": id_sql(vendor, key),
        "item": items_case,
        "value_num": by_item({"amount": "((k * 7919) %% 5000000) / 100.0"},
                             "NULL" if vendor == "sqlite" else "CAST(NULL AS numeric)"),
        "value_text": by_item({"flag": "'有'", "text": "('T' || (k %% 97))"}, "''"),
        "value_date": by_item({"date": date_sql},
                              "NULL" if vendor == "sqlite" else "CAST(NULL AS date)"),
    }


def plant(layout: Layout, seed: int, snapshots: dict[tuple[str, str], int]) -> list[Planted]:
    """Hits on recipients in active snapshots, and decoys that must not be found."""
    rng = random.Random(seed)
    choices = [(code, item, kind) for code, _n, _d, _w, items in SOURCES for item, _l, kind in items]

    def values(kind: str) -> tuple[Decimal | None, str, date | None]:
        if kind == "amount":
            return Decimal(rng.randint(1, 50_000_000)) / 100, "", None
        if kind == "date":
            return None, "", date(2024, 1, 1) + timedelta(days=rng.randint(0, 600))
        return None, ("有" if kind == "flag" else f"P{rng.randint(0, 999)}"), None

    planted: list[Planted] = []
    seen: set[tuple[int, str, str]] = set()

    def add(kind: str, lo: int, hi: int, count: int, sources: Sequence[tuple[str, str, str]]) -> None:
        while count:
            person = rng.randint(lo, hi)
            code, item, vkind = rng.choice(sources)
            if (person, code, item) in seen:
                continue
            seen.add((person, code, item))
            planted.append(Planted(kind, person, code, item, *values(vkind)))
            count -= 1

    add("hit", 1, layout.persons, layout.hits, choices)
    add("decoy_superseded", 1, layout.persons, layout.decoys,
        [c for c in choices if c[0] in SUPERSEDED_SOURCES])
    add("decoy_ended", layout.persons + 1, layout.persons + layout.others, layout.decoys, choices)
    return planted


def read_planted() -> list[Planted]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT kind, person_id, source_id, item, value_num, value_text, value_date"
                    " FROM bench_planted")
        return [Planted(k, p, s, i, None if n is None else Decimal(str(n)).quantize(Decimal("0.01")),
                        t or "", d) for k, p, s, i, n, t, d in cur.fetchall()]


def existing_counts(vendor: str) -> LoadResult:
    from django.db import connection

    from registry.models import Household, Person

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM verification_sourcefact")
        rows = cur.fetchone()[0]
    return LoadResult(persons=Person.objects.count(), households=Household.objects.count(),
                      rows=rows)


def clear_runs() -> None:
    """Forget earlier batches, so a --skip-load run does the same work as the first."""
    from django.db import connection

    tables = ("verification_finding", "verification_runperson", "verification_verificationrun")
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
            return
        for table in tables:
            cur.execute(f"DELETE FROM {table}")


# ---------------------------------------------------------------------------------------------
# the batch


@dataclass
class Batch:
    seconds: float
    create_s: float
    execute_s: float
    persons: int
    hits: int
    found: list[Planted]
    run_id: int
    chunks: int


def run_batch(chunk: int | None) -> Batch:
    from django.db import connection

    from accounts.models import User
    from verification import engine, services
    from verification.models import Finding, VerificationRun

    admin = User.objects.get(username="county_admin")
    chunks = 0
    t_start = time.perf_counter()

    def progress(run: VerificationRun) -> None:
        nonlocal chunks
        chunks += 1
        left = engine.run_time_left(run)
        say(f"batch: {run.persons_done:,}/{run.persons_total:,} persons"
            f" ({100 * run.persons_done / max(run.persons_total, 1):.0f}%), hits {run.hits:,},"
            f" {time.perf_counter() - t_start:.1f}s, time left "
            f"{'?' if left is None else f'{left:.0f}s'}")

    if connection.vendor == "sqlite":  # start with an empty WAL file, as after a quiet spell
        with connection.cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    say(f"batch: start ({load_note()})")
    t0 = time.perf_counter()
    run = services.recipients_run_create(actor=admin, region_code=COUNTY)
    t1 = time.perf_counter()
    say(f"batch: recipients_run_create {t1 - t0:.1f}s, {run.persons_total:,} persons")
    kwargs: dict[str, Any] = {"progress": progress}
    if chunk:
        kwargs["chunk"] = chunk
    run = engine.run_execute(run.pk, **kwargs)
    t2 = time.perf_counter()
    say(f"batch: run_execute {t2 - t1:.1f}s ({load_note()})")
    found = [Planted("found", f.person_id, f.source_id, f.item, f.value_num, f.value_text,
                     f.value_date) for f in Finding.objects.filter(run_id=run.pk)]
    return Batch(t2 - t0, t1 - t0, t2 - t1, run.persons_total, run.hits, found, run.pk, chunks)


def check(found: list[Planted], planted: list[Planted], label: str,
          persons: set[int] | None = None) -> None:
    """Found must be exactly the planted hits (of `persons`, when sampled): fail loudly."""
    want = [p for p in planted if p.kind == "hit" and (persons is None or p.person_id in persons)]
    want_keys, got_keys = {p.key for p in want}, {p.key for p in found}
    problems = []
    if len(found) != len(got_keys):
        problems.append(f"{len(found) - len(got_keys)} duplicate findings")
    if got_keys != want_keys:
        missing, extra = sorted(want_keys - got_keys), sorted(got_keys - want_keys)
        problems.append(f"missing {len(missing)} {missing[:5]}, unexpected {len(extra)} {extra[:5]}")
    values = {p.key: (p.value_num, p.value_text, p.value_date) for p in want}
    wrong = [p.key for p in found if p.key in values
             and values[p.key] != (p.value_num, p.value_text or "", p.value_date)]
    if wrong:
        problems.append(f"{len(wrong)} findings with other values, e.g. {wrong[:3]}")
    if problems:
        raise SystemExit(f"{label}: findings differ from the planted hits: {'; '.join(problems)}")
    say(f"{label}: {len(found):,} findings = the planted hits")


# ---------------------------------------------------------------------------------------------
# baselines


@dataclass
class DuckResult:
    export_s: float
    join_s: float
    rows: int

    @property
    def total_s(self) -> float:
        return self.export_s + self.join_s


RECIPIENTS_SQL = """
SELECT p.id, p.id_number, h.village_code
FROM registry_person p JOIN registry_household h ON h.id = p.household_id
WHERE p.id IN (SELECT em.person_id FROM benefits_enrollmentmember em
               JOIN benefits_enrollment e ON e.id = em.enrollment_id
               WHERE em.active AND e.status = 'active'
                 AND e.village_code BETWEEN '620802000000' AND '620802999999')"""
FACTS_SQL = ("SELECT snapshot_id, source_id, id_number, item, value_num, value_text, value_date"
             " FROM verification_sourcefact")
SNAPSHOTS_SQL = "SELECT id, as_of, status FROM verification_snapshot"
DUCK_TABLES = [
    ("persons", RECIPIENTS_SQL, {"person_id": "BIGINT", "id_number": "VARCHAR",
                                 "village_code": "VARCHAR"}),
    ("facts", FACTS_SQL, {"snapshot_id": "BIGINT", "source_id": "VARCHAR", "id_number": "VARCHAR",
                          "item": "VARCHAR", "value_num": "DECIMAL(16, 2)", "value_text": "VARCHAR",
                          "value_date": "DATE"}),
    ("snaps", SNAPSHOTS_SQL, {"id": "BIGINT", "as_of": "DATE", "status": "VARCHAR"}),
]
DUCK_JOIN = """
CREATE TABLE found AS
SELECT p.person_id, p.village_code, f.source_id, f.item, f.value_num, f.value_text,
       f.value_date, s.as_of
FROM persons p JOIN facts f ON f.id_number = p.id_number JOIN snaps s ON s.id = f.snapshot_id
WHERE s.status = 'active'"""


def export_csv(vendor: str, sql: str, path: Path) -> None:
    from django.db import connection

    connection.ensure_connection()
    raw: Any = connection.connection
    if vendor == "postgresql":
        with raw.cursor() as cur, path.open("wb") as out, \
                cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                out.write(block)
        return
    cur = raw.cursor()
    cur.execute(sql)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        while rows := cur.fetchmany(100_000):
            writer.writerows(rows)


def duckdb_baseline(vendor: str, planted: list[Planted]) -> DuckResult:
    import duckdb

    shutil.rmtree(DUCKDB_DIR, ignore_errors=True)
    DUCKDB_DIR.mkdir(parents=True)
    db = duckdb.connect()
    t0 = time.perf_counter()
    for name, sql, columns in DUCK_TABLES:
        path = DUCKDB_DIR / f"{name}.csv"
        export_csv(vendor, sql, path)
        cols = ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items())
        db.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', header = false,"
                   f" columns = {{{cols}}})")
    t1 = time.perf_counter()
    db.execute(DUCK_JOIN)
    t2 = time.perf_counter()
    rows = db.execute("SELECT person_id, source_id, item, value_num, value_text, value_date"
                      " FROM found").fetchall()
    db.close()
    shutil.rmtree(DUCKDB_DIR, ignore_errors=True)
    check([Planted("found", p, s, i, n, t or "", d) for p, s, i, n, t, d in rows], planted, "duckdb")
    return DuckResult(t1 - t0, t2 - t1, len(rows))


@dataclass
class OrmResult:
    sample: int
    seconds: float
    hits: int

    def estimate(self, persons: int) -> float:
        return self.seconds * persons / max(self.sample, 1)


def orm_baseline(persons: int, sample: int, planted: list[Planted]) -> OrmResult:
    """The per-row approach on `sample` recipients spread over all of them."""
    from accounts.models import User
    from registry.models import Person
    from verification.models import (
        DataSource,
        Finding,
        RunKind,
        RunStatus,
        SnapshotStatus,
        SourceFact,
        VerificationRun,
    )

    sample = min(sample, persons)
    step = persons / sample
    ids = sorted({1 + int(i * step) for i in range(sample)})
    run = VerificationRun.objects.create(kind=RunKind.RECIPIENTS, region_code=COUNTY,
                                         status=RunStatus.DONE, persons_total=len(ids),
                                         created_by=User.objects.get(username="county_admin"))
    say(f"orm: {len(ids):,} persons ({load_note()})")
    t0 = time.perf_counter()
    sources = list(DataSource.objects.filter(active=True))
    people = Person.objects.filter(id__in=ids).select_related("household")
    for n, person in enumerate(people, 1):
        for source in sources:
            facts = SourceFact.objects.filter(
                id_number=person.id_number, source=source,
                snapshot__status=SnapshotStatus.ACTIVE).select_related("snapshot")
            for fact in facts:
                Finding(run=run, person=person, village_code=person.household.village_id,
                        source=source, item=fact.item, value_num=fact.value_num,
                        value_text=fact.value_text, value_date=fact.value_date,
                        as_of=fact.snapshot.as_of, new=True).save()
        if n % 2000 == 0:
            say(f"orm: {n:,}/{len(ids):,} persons  {time.perf_counter() - t0:.1f}s")
    seconds = time.perf_counter() - t0
    found = [Planted("found", f.person_id, f.source_id, f.item, f.value_num, f.value_text,
                     f.value_date) for f in Finding.objects.filter(run=run)]
    check(found, planted, "orm sample", persons=set(ids))
    Finding.objects.filter(run=run).delete()
    run.delete()
    return OrmResult(len(ids), seconds, len(found))


# ---------------------------------------------------------------------------------------------
# report


def report(vendor: str, args: argparse.Namespace, loaded: LoadResult, did_load: bool,
           batch: Batch, hits_planted: int, duck: DuckResult | None, orm: OrmResult | None) -> None:
    from django.db import connection

    from verification import engine

    print(f"\nverification benchmark  db={vendor} ({connection.settings_dict['NAME']})  "
          f"{time.strftime('%Y-%m-%d %H:%M')}  {load_note()}")
    print(f"data: recipients={loaded.persons:,} (+{loaded.registered_others:,} registered with"
          f" ended enrollments) households={loaded.households:,} department rows={loaded.rows:,}"
          f" ({len(SOURCES)} sources) planted hits={hits_planted:,}")
    if did_load:
        print("\nload (seconds)")
        for label, s in loaded.seconds.items():
            print(f"  {label:<58} {s:8.1f}")
        print(f"  {'total':<58} {loaded.load_s:8.1f}")
    chunk = args.chunk or inspect.signature(engine.run_execute).parameters["chunk"].default
    print(f"\nbatch (chunk {chunk:,} persons, {batch.chunks} chunks)")
    print(f"  recipients_run_create (RunPerson rows)  {batch.create_s:8.1f} s")
    print(f"  run_execute (match, rules, new)         {batch.execute_s:8.1f} s")
    verdict = "ok" if batch.seconds < GOAL_SECONDS else "MISSED"
    print(f"  total                                   {batch.seconds:8.1f} s"
          f"   goal < {GOAL_SECONDS:.0f} s: {verdict}")
    if duck:
        ratio = batch.seconds / duck.join_s
        print(f"\nDuckDB baseline: join only {duck.join_s:.2f} s (duckdb_seconds);"
              f" export to CSV + load {duck.export_s:.1f} s; export + join {duck.total_s:.1f} s")
        print(f"  batch / DuckDB join = {ratio:.1f}x (goal <= {GOAL_DUCKDB_RATIO:.0f}x:"
              f" {'ok' if ratio <= GOAL_DUCKDB_RATIO else 'MISSED'});"
              f" batch / (export + join) = {batch.seconds / duck.total_s:.2f}x")
    if orm:
        est = orm.estimate(batch.persons)
        speedup = est / batch.seconds
        print(f"\nper-row ORM baseline: {orm.sample:,} persons in {orm.seconds:.1f} s"
              f" ({orm.hits} findings), scaled to {batch.persons:,}: {est:.0f} s")
        print(f"  ORM / batch = {speedup:.0f}x (goal >= {GOAL_ORM_SPEEDUP:.0f}x:"
              f" {'ok' if speedup >= GOAL_ORM_SPEEDUP else 'MISSED'})")
    d = f"{duck.join_s:.2f}" if duck else "NA"
    o = f"{orm.estimate(batch.persons):.1f}" if orm else "NA"
    print(f"\nverification: persons={batch.persons} rows={loaded.rows} hits_planted={hits_planted}"
          f" hits_found={batch.hits} seconds={batch.seconds:.1f} duckdb_seconds={d}"
          f" orm_estimated_seconds={o}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--hits", type=int, default=3_000, help="planted hits (a few thousand)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--chunk", type=int, default=0,
                        help="persons per chunk for run_execute (default: the engine's)")
    parser.add_argument("--orm-sample", type=int, default=10_000)
    parser.add_argument("--skip-load", action="store_true",
                        help="reuse the data of the previous run instead of reloading")
    parser.add_argument("--skip-baselines", action="store_true",
                        help="time the batch only (the last line then says NA)")
    args = parser.parse_args(argv)

    vendor, url = bench_database_url(SQLITE_PATH, PG_DATABASE)
    if not args.skip_load:
        recreate_database(vendor, url, SQLITE_PATH, PG_DATABASE)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from demo.reference import load_reference_data

    layout = Layout.of(args.persons, args.rows, args.hits)
    if args.skip_load:
        loaded, did_load = existing_counts(vendor), False
        loaded.persons -= layout.others
        loaded.registered_others = layout.others
        clear_runs()
    else:
        say(f"load: {args.persons:,} recipients, {args.rows:,} department rows ({load_note()})")
        call_command("migrate", verbosity=0, interactive=False)
        load_reference_data()
        loaded, did_load = load(vendor, layout, args.seed), True
    planted = read_planted()
    hits_planted = sum(p.kind == "hit" for p in planted)

    batch = run_batch(args.chunk or None)
    if batch.persons != loaded.persons:
        raise SystemExit(f"batch: {batch.persons} persons, expected {loaded.persons}")
    check(batch.found, planted, "batch")
    if batch.hits != hits_planted:
        raise SystemExit(f"batch: run.hits {batch.hits} != {hits_planted} planted")
    duck = orm = None
    if not args.skip_baselines:
        duck = duckdb_baseline(vendor, planted)
        orm = orm_baseline(batch.persons, args.orm_sample, planted)
    report(vendor, args, loaded, did_load, batch, hits_planted, duck, orm)


if __name__ == "__main__":
    main()
