"""The monitoring run: every enabled rule over a region's monitored population, set-based.

A run first writes two temporary tables, each with one statement: the monitored households (an
active enrollment of any programme, 低保边缘 and 刚性支出 included, or an open MonitoredHousehold
row) and each rule's setting per village (monitoring.rules.config). Then each rule is one
INSERT … SELECT into monitoring_warning (monitoring.rules.statements) that starts from its own
records (a department's facts, certificates, incomes, tasks), reaches their persons and keeps
those of monitored households; it skips what was raised before: the unique (person, rule, event
key) with ON CONFLICT DO NOTHING. The caller holds the transaction.

Measured at 1M persons (bench/monitoring.py, bench/RESULTS-monitoring.md): the persons are not
copied into a table of their own. That copy, with each one's income and each household's main
earner, cost PostgreSQL 6 s of a 13 s run, while the rules need a few thousand of the persons
each; only the income rule reads every 低保 household's members, once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.utils import timezone

from benefits.models import Enrollment, EnrollmentStatus
from regions.models import Level, Region
from regions.scoping import code_range
from registry.models import Household, Person
from verification.engine import source_status
from verification.models import RunStatus, VerificationRun

from .models import MonitoredHousehold, MonitoringRun, RuleCode, Warning
from .rules import DIBAO_PROGRAMMES, RULES, config
from .rules.statements import STATEMENTS, Context, Select

# (rule code, warnings raised, seconds) after each rule.
Progress = Callable[[str, int, float], None]
T = {m.__name__: m._meta.db_table for m in (
    Enrollment, MonitoredHousehold, Household, Person, Warning)}
TABLES = ("mon_config", "mon_household")
WORK_MEM = "256MB"


@dataclass
class Outcome:
    monitored_persons: int = 0
    # Per rule in RULES order: warnings raised (0 where the rule is off or has no data).
    raised: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _id_type() -> str:
    # SQLite: an INTEGER PRIMARY KEY is the row id itself, no separate index to maintain.
    return "integer" if connection.vendor == "sqlite" else "bigint"


def create_tables() -> None:
    key = _id_type()
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(f"DROP TABLE IF EXISTS {table}")
        cur.execute(f"""CREATE TEMPORARY TABLE mon_household (
            household_id {key} PRIMARY KEY, village_code varchar(12) NOT NULL,
            urban_rural varchar(5) NOT NULL, dibao integer NOT NULL)""")
        cur.execute("""CREATE TEMPORARY TABLE mon_config (
            rule varchar(20) NOT NULL, village_code varchar(12) NOT NULL,
            urban_rural varchar(5) NOT NULL, threshold numeric(16, 2), since date,
            PRIMARY KEY (rule, village_code, urban_rural))""")


def drop_tables() -> None:
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(f"DROP TABLE {table}")


def fill_population(prefix: str, on: date) -> int:
    """The monitored households of the region with code prefix `prefix`; returns how many
    persons they count (their non-excluded members).

    The region is matched on the code's leading digits, an expression no index covers, as the
    payroll does: on SQLite a range on the village index visited the households in village
    order, at random in the table (11.7 s instead of 1.4 s at 1M persons).
    """
    with connection.cursor() as cur:
        # Every active enrollment and open registration, each household once; a join and
        # a grouping, which both databases do in one pass whatever the sizes (an IN list under
        # an OR is a lookup per household on PostgreSQL once it outgrows work_mem).
        cur.execute(f"""
            INSERT INTO mon_household (household_id, village_code, urban_rural, dibao)
            SELECT h.id, h.village_code, h.urban_rural, MAX(s.dibao)
            FROM (SELECT e.household_id AS household_id,
                         CASE WHEN e.programme_id IN (%(dibao_urban)s, %(dibao_rural)s)
                              THEN 1 ELSE 0 END AS dibao
                  FROM {T['Enrollment']} e WHERE e.status = %(active)s
                  UNION ALL
                  SELECT m.household_id, 0 FROM {T['MonitoredHousehold']} m
                  WHERE m.since <= %(on)s AND (m.until IS NULL OR m.until >= %(on)s)) s
            JOIN {T['Household']} h ON h.id = s.household_id
            WHERE substr(h.village_code, 1, %(digits)s) = %(prefix)s
            GROUP BY h.id, h.village_code, h.urban_rural""",  # noqa: S608 - model table names
            {"prefix": prefix, "digits": len(prefix), "dibao_urban": DIBAO_PROGRAMMES[0],
             "dibao_rural": DIBAO_PROGRAMMES[1], "active": EnrollmentStatus.ACTIVE.value,
             "on": on})
        cur.execute(f"""
            SELECT COUNT(*) FROM {T['Person']} p
            JOIN mon_household mh ON mh.household_id = p.household_id
            WHERE p.excluded = FALSE""")  # noqa: S608 - model table names
        return int(cur.fetchone()[0])


def fill_config(settings: list[config.VillageSetting]) -> None:
    with connection.cursor() as cur:
        cur.executemany(
            "INSERT INTO mon_config (rule, village_code, urban_rural, threshold, since)"
            " VALUES (%s, %s, %s, %s, %s)",
            [(s.rule, s.village_code, s.urban_rural, s.threshold, s.since) for s in settings])
        # Temporary tables get no statistics by themselves (no autovacuum, no sqlite_stat1):
        # without them the planners guess the sizes and may scan a million persons per village.
        if connection.vendor == "postgresql":
            cur.execute(f"ANALYZE {', '.join(TABLES)}")
        else:
            cur.execute("ANALYZE temp")


def _insert_sql(select: Select, rule: str, run: MonitoringRun, due_on: date) -> \
        tuple[str, dict[str, Any]]:
    """INSERT INTO monitoring_warning … SELECT … ON CONFLICT DO NOTHING around a rule's SELECT.

    Columns come from the model: a field added later gets its default, so the statement does
    not silently go stale."""
    values = {"rule": "%(rule)s", "run_id": "%(run)s", "person_id": "x.person_id",
              "household_id": "x.household_id", "village_code": "x.village_code",
              "evidence": "x.evidence", "value": "x.value", "event_key": "x.event_key",
              "raised_on": "%(raised_on)s", "due_on": "%(due_on)s"}
    params: dict[str, Any] = {**select.params, "rule": rule, "run": run.pk,
                                 "raised_on": run.on_date, "due_on": due_on}
    columns, exprs = [], []
    for f in Warning._meta.concrete_fields:
        if f.column in values:
            columns.append(f.column)
            exprs.append(values[f.column])
            continue
        if f.primary_key or (f.null and not f.has_default()):
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            default: Any = timezone.now()
        else:
            default = f.get_default()
        params[f"d_{f.column}"] = f.get_db_prep_save(default, connection)
        columns.append(f.column)
        exprs.append(f"%(d_{f.column})s")
    # A household-level warning goes to the main earner: none where every member is excluded.
    # (SQLite also needs a WHERE before ON CONFLICT in INSERT … SELECT: its parser would read
    # the ON as a join's.)
    sql = (f"INSERT INTO {T['Warning']} ({', '.join(columns)})"  # noqa: S608 - model names
           f" SELECT {', '.join(exprs)} FROM ({select.sql}) x WHERE x.person_id IS NOT NULL"
           " ON CONFLICT (person_id, rule, event_key) DO NOTHING")
    return sql, params


def _context(on: date, settings: list[config.VillageSetting]) -> Context:
    snapshots = {code: used["snapshots"] for code, used in source_status(on).items()
                 if used.get("snapshots")}
    asset_since = [s.since for s in settings if s.rule == RuleCode.ASSET_FOUND and s.since]
    runs: list[int] = []
    if asset_since:
        # The candidates, a handful of runs; each village's own look-back is applied in SQL.
        runs = list(VerificationRun.objects.filter(
            status=RunStatus.DONE, finished_at__date__gte=min(asset_since),
            finished_at__date__lte=on).values_list("pk", flat=True))
    return Context(on=on, snapshots=snapshots, verification_runs=runs)


def villages_of(region_code: str) -> tuple[str, list[str]]:
    """The region's code prefix and its villages' codes."""
    region = Region.objects.get(code=region_code)
    villages = list(Region.objects.filter(level=Level.VILLAGE,
                                          code__range=code_range(region.prefix))
                    .values_list("code", flat=True))
    return region.prefix, villages


def _planner_settings() -> None:
    """PostgreSQL, for the rest of the run's transaction (SET LOCAL): memory to hash a county's
    persons without spilling to disk (the default 4 MB split them into batches), and no JIT,
    whose compilation the cost estimates of a million-row statement trigger for more time than
    it saves (0.4 s on the households' statement)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)",
                        [WORK_MEM])


def run_rules(run: MonitoringRun, *, due_on: date, progress: Progress | None = None) -> Outcome:
    """Evaluate every rule for the run's region and date; the caller holds the transaction."""
    _planner_settings()
    prefix, villages = villages_of(run.region_code)
    settings = config.resolve(villages, run.on_date)
    enabled = {s.rule for s in settings}
    outcome = Outcome()
    create_tables()
    outcome.monitored_persons = fill_population(prefix, run.on_date)
    fill_config(settings)
    ctx = _context(run.on_date, settings)
    for code in RULES:
        started = time.perf_counter()
        select = STATEMENTS[code](ctx) if code in enabled else None
        raised = 0
        if select is not None:
            sql, params = _insert_sql(select, code, run, due_on)
            with connection.cursor() as cur:
                cur.execute(sql, params)
                raised = int(cur.rowcount)
        outcome.raised[code] = raised
        outcome.seconds[code] = time.perf_counter() - started
        if progress:
            progress(code, raised, outcome.seconds[code])
    drop_tables()
    return outcome
