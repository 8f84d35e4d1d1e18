"""The matching engine: set-based SQL over a run's persons and the department facts it pinned.

A run's persons are fixed in `RunPerson` when it is created, and so are its data: the snapshots
active at that moment (`pin_sources`, kept in `VerificationRun.sources`). `run_execute` takes
the persons in chunks of consecutive ids and matches them against those snapshots only; each
chunk's findings and the run's cursor are written in one transaction, so a run stopped half
way resumes after the last committed chunk, never counts twice, and reads the same data even if
a new snapshot was activated meanwhile. A source in append mode may have several snapshots: a
person's item is found once, with the newest snapshot's value. Rules and the comparison with
earlier runs (`baseline_for`) follow, each an idempotent statement; then the housekeeping of
`verification.retention`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Max, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from benefits.models import Enrollment, EnrollmentMember
from regions.models import Region
from regions.scoping import code_range
from registry.models import Household, Person

from . import retention
from .models import (
    CONSEQUENCE_RANK,
    DataSource,
    Finding,
    Rule,
    RunKind,
    RunPerson,
    RunStatus,
    Snapshot,
    SnapshotStatus,
    SourceFact,
    VerificationRun,
)

Progress = Callable[[VerificationRun], None]
T = {m.__name__: m._meta.db_table for m in (DataSource, RunPerson, Finding, SourceFact, Snapshot,
                                             Person, Household, EnrollmentMember, Enrollment,
                                             Rule)}


def source_status(on: date) -> dict[str, dict[str, Any]]:
    """Per active source: its active snapshots, the newest one's date and whether that can vouch
    for "no record" (domain §6: a stale or missing source gives "cannot determine", never
    "none"). A missing source has no "snapshots" key."""
    active: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for source_id, pk, as_of in Snapshot.objects.filter(status=SnapshotStatus.ACTIVE).values_list(
            "source_id", "pk", "as_of"):
        active[source_id].append((as_of, pk))
    result: dict[str, dict[str, Any]] = {}
    for source in DataSource.objects.filter(active=True):
        if not active[source.code]:
            result[source.code] = {"as_of": "", "status": "missing"}
            continue
        as_of = max(active[source.code])[0]
        fresh = as_of >= on - timedelta(days=source.max_age_days)
        result[source.code] = {"as_of": as_of.isoformat(), "status": "ok" if fresh else "stale",
                               "snapshots": sorted(pk for _day, pk in active[source.code])}
    return result


def pin_sources(on: date) -> dict[str, dict[str, Any]]:
    """`source_status` for a run being created: the snapshots it will match, to the end.

    Call it last in the run's creating transaction. The active sources stay locked until that
    commits, and activating a snapshot locks its source first (importing._locked), so an
    activation either comes before (the run pins the new snapshot) or waits until the run is
    visible, and the purge it triggers then spares the snapshot the run pinned
    (retention.purge_unused_facts). NO KEY: imports checking facts' foreign keys to the source
    rows carry on meanwhile.
    """
    list(DataSource.objects.select_for_update(no_key=True).filter(active=True).order_by("pk"))
    return source_status(on)


def _local_settings(**settings: str) -> None:
    """PostgreSQL: planner settings for the rest of the current transaction (SET LOCAL)."""
    if connection.vendor != "postgresql":
        return
    calls = ", ".join(["set_config(%s, %s, true)"] * len(settings))
    with connection.cursor() as cur:
        cur.execute(f"SELECT {calls}", [v for pair in settings.items() for v in pair])


def fill_recipients(run: VerificationRun, prefix: str) -> int:
    """Every person with an active membership of an active enrollment under `prefix`.

    They are numbered in ID-number order, so each chunk probes the department facts' ID-number
    index in order: consecutive probes share index pages instead of landing at random. ("C" on
    PostgreSQL: a plain byte comparison, for digits the same order as the index's collation.)
    """
    low, high = code_range(prefix)
    order = 'p.id_number COLLATE "C"' if connection.vendor == "postgresql" else "p.id_number"
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {T['RunPerson']} (run_id, person_id, id_number, village_code)
                SELECT %s, p.id, p.id_number, h.village_code
                FROM {T['Person']} p JOIN {T['Household']} h ON h.id = p.household_id
                WHERE p.id IN (
                    SELECT em.person_id FROM {T['EnrollmentMember']} em
                    JOIN {T['Enrollment']} e ON e.id = em.enrollment_id
                    WHERE em.active AND e.status = 'active'
                      AND e.village_code BETWEEN %s AND %s)
                ORDER BY {order}""",
            [run.pk, low, high],
        )
        return cur.rowcount


def fill_persons(run: VerificationRun, persons: list[Person]) -> int:
    RunPerson.objects.bulk_create([
        RunPerson(run=run, person=p, id_number=p.id_number,
                  village_code=p.household.village_id) for p in persons
    ])
    return len(persons)


BOUNDS_SQL = f"""
SELECT (SELECT id FROM {T['RunPerson']} WHERE run_id = %s AND id > %s ORDER BY run_id, id LIMIT 1),
       (SELECT id FROM {T['RunPerson']} WHERE run_id = %s ORDER BY run_id DESC, id DESC LIMIT 1)
"""


def _next_chunk(run: VerificationRun, size: int) -> tuple[int, int] | None:
    """(upper id, persons) of the next chunk: the run's persons with ids in (cursor, upper].

    Two probes of the (run, id) index. The OFFSET it replaces walked the chunk; on PostgreSQL,
    with statistics that did not yet know the new rows, it was planned as a bitmap scan of the
    whole run and a sort: up to a quarter of a second per chunk. Counting the chunk is needed
    only when the remaining ids have gaps (ids taken by another writer while the run was filled).
    """
    with connection.cursor() as cur:
        cur.execute(BOUNDS_SQL, [run.pk, run.cursor, run.pk])
        low, high = cur.fetchone()
    if low is None:
        return None
    upper = min(low + size - 1, high)
    if high - low + 1 == run.persons_total - run.persons_done:  # no gaps after the cursor
        return upper, upper - low + 1
    return upper, RunPerson.objects.filter(run_id=run.pk, id__gt=run.cursor,
                                           id__lte=upper).count()


MATCH_SQL = f"""
INSERT INTO {T['Finding']} (run_id, person_id, village_code, source_id, item, value_num,
                            value_text, value_date, as_of, consequence, new)
SELECT rp.run_id, rp.person_id, rp.village_code, f.source_id, f.item, f.value_num,
       f.value_text, f.value_date, s.as_of, '', %s
FROM {T['RunPerson']} rp
JOIN {T['SourceFact']} f ON f.id_number = rp.id_number
JOIN {T['Snapshot']} s ON s.id = f.snapshot_id
WHERE rp.run_id = %s AND rp.id > %s AND rp.id <= %s AND f.snapshot_id IN ({{pinned}})
"""
# Only for sources with several pinned snapshots (append mode): one finding per person and item,
# from the newest snapshot (latest as_of; of two with the same date, the later upload).
NEWEST_ONLY_SQL = f"""
  AND NOT EXISTS (
    SELECT 1 FROM {T['SourceFact']} n JOIN {T['Snapshot']} ns ON ns.id = n.snapshot_id
    WHERE n.id_number = f.id_number AND n.item = f.item AND n.source_id = f.source_id
      AND n.snapshot_id IN ({{stacked}})
      AND (ns.as_of > s.as_of OR (ns.as_of = s.as_of AND ns.id > s.id)))
"""


def _pins(run: VerificationRun) -> tuple[list[int], list[int]]:
    """The snapshots the run pinned, and those of them that share a source with another."""
    per_source = [used.get("snapshots", []) for used in run.sources.values()]
    return (sorted(pk for pks in per_source for pk in pks),
            sorted(pk for pks in per_source if len(pks) > 1 for pk in pks))


def _match_sql(run: VerificationRun) -> tuple[str, list[int]] | None:
    """The chunk statement for the run's pinned snapshots and its trailing parameters."""
    pinned, stacked = _pins(run)
    if not pinned:
        return None
    sql = MATCH_SQL.format(pinned=", ".join(["%s"] * len(pinned)))
    if stacked:
        sql += NEWEST_ONLY_SQL.format(stacked=", ".join(["%s"] * len(stacked)))
    return sql, pinned + stacked


def _match_chunk(run: VerificationRun, size: int) -> bool:
    """Match the next chunk and advance the cursor, atomically. False when none is left."""
    with transaction.atomic():
        run = VerificationRun.objects.select_for_update().get(pk=run.pk)
        chunk = _next_chunk(run, size)
        if chunk is None:
            return False
        upper, done = chunk
        hits = 0
        statement = _match_sql(run)
        if statement is not None:  # no source had data when the run started: nothing to find
            sql, pins = statement
            # One index probe per person, whatever the statistics say. Once RunPerson is
            # analysed (autovacuum does it soon after a batch's insert), PostgreSQL prefers a
            # hash join that reads all ten million facts for every chunk: 1.1 s a chunk instead
            # of 0.15 s. The JIT compilation that such cost estimates trigger adds a few
            # hundredths more.
            _local_settings(enable_hashjoin="off", enable_mergejoin="off", jit="off")
            with connection.cursor() as cur:
                cur.execute(sql, [True, run.pk, run.cursor, upper, *pins])
                hits = cur.rowcount
        VerificationRun.objects.filter(pk=run.pk).update(
            cursor=upper, persons_done=run.persons_done + done, hits=run.hits + hits)
    return True


def _apply_rules(run: VerificationRun) -> None:
    """Each active rule is one UPDATE; a stronger consequence is never overwritten by a
    weaker one because rules run weakest first."""
    rules = sorted(Rule.objects.filter(active=True).select_related("region"),
                   key=lambda r: CONSEQUENCE_RANK[r.consequence])
    for rule in rules:
        qs = Finding.objects.filter(run=run, source_id=rule.source_id, item=rule.item)
        if rule.region is not None:
            qs = qs.filter(village_code__range=code_range(rule.region.prefix))
        if rule.operator == Rule.Operator.GT:
            qs = qs.filter(value_num__gt=rule.threshold)
        elif rule.operator == Rule.Operator.GTE:
            qs = qs.filter(value_num__gte=rule.threshold)
        qs.update(consequence=rule.consequence, rule=rule)


ALL_VILLAGES = ("000000000000", "999999999999")


def baseline_for(run: VerificationRun) -> list[list[Any]]:
    """The earlier done runs a run's findings are compared with: [[run id, low, high], ...],
    newest first, each with the part of this run's village range it covered.

    A case run: the case's last done run. A recipients run: for each person, the latest earlier
    done recipients run whose scope held the person's village, whatever scope it was started
    for — a county batch covers its townships, so a township batch after it is compared with it
    (and a county batch after a township batch with that, for the township's villages). Only
    the latest run of each overlapping region can be anyone's latest, and a run whose whole
    range a newer one covers is no one's, so the list stays as short as the region tree.
    """
    if run.kind == RunKind.CASE:
        return [[run.previous_id, *ALL_VILLAGES]] if run.previous_id else []
    low, high = run.village_range()
    latest = list(
        VerificationRun.objects.filter(kind=RunKind.RECIPIENTS, status=RunStatus.DONE,
                                       pk__lt=run.pk)
        .filter(Q(region_code__in=retention.region_and_ancestors(run.region_code))
                | Q(region_code__range=(low, high)))
        .values("region_code").annotate(last=Max("pk")).order_by("-last")
        .values_list("region_code", "last"))
    prefixes = {r.code: r.prefix for r in Region.objects.filter(
        code__in=[code for code, _last in latest])}
    baseline: list[list[Any]] = []
    for code, last in latest:
        if code not in prefixes:  # a region since removed from the register: no range to use
            continue
        # Codes are fixed-width prefixes: two ranges are nested or apart, never overlapping.
        area_low, area_high = code_range(prefixes[code])
        area_low, area_high = max(area_low, low), min(area_high, high)
        if not any(lo <= area_low and area_high <= hi for _pk, lo, hi in baseline):
            baseline.append([last, area_low, area_high])
    return baseline


def _mark_new(run: VerificationRun, baseline: list[list[Any]]) -> None:
    """A finding is new unless the person's baseline run found the same item with the same
    value (a corrected death date is new). One UPDATE: the CASE picks, for each finding's
    village, the first (newest) baseline run whose range holds it."""
    if not baseline:
        return
    finding = T["Finding"]
    which = " ".join([f"WHEN {finding}.village_code BETWEEN %s AND %s THEN %s"] * len(baseline))
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {finding} SET new = %s
                WHERE run_id = %s AND EXISTS (
                  SELECT 1 FROM {finding} p
                  WHERE p.run_id = CASE {which} END AND p.person_id = {finding}.person_id
                    AND p.source_id = {finding}.source_id
                    AND p.item = {finding}.item
                    AND COALESCE(p.value_num, -1) = COALESCE({finding}.value_num, -1)
                    AND p.value_text = {finding}.value_text
                    AND (p.value_date = {finding}.value_date
                         OR (p.value_date IS NULL AND {finding}.value_date IS NULL)))""",
            [False, run.pk, *(v for pk, low, high in baseline for v in (low, high, pk))],
        )


def baseline_findings(run: VerificationRun) -> QuerySet[Finding]:
    """The earlier findings a done run was compared with: of each baseline run, those in the
    part of its range that no newer baseline run covers."""
    if not run.baseline:
        return Finding.objects.none()
    match = Q(pk__in=[])
    newer: list[tuple[str, str]] = []
    for pk, low, high in run.baseline:
        part = Q(run_id=pk, village_code__range=(low, high))
        for covered in newer:
            part &= ~Q(village_code__range=covered)
        match |= part
        newer.append((low, high))
    return Finding.objects.filter(match)


def run_execute(run_id: int, *, chunk: int = 100_000, progress: Progress | None = None) -> \
        VerificationRun:
    """Match, apply rules, mark what is new. Safe to call again on an interrupted run."""
    VerificationRun.objects.filter(pk=run_id).exclude(status=RunStatus.DONE).update(
        # A resumed run keeps its first start, so the rate behind "time left" stays honest.
        status=RunStatus.RUNNING, started_at=Coalesce(F("started_at"), Value(timezone.now())))
    run = VerificationRun.objects.get(pk=run_id)
    if run.status == RunStatus.DONE:
        return run
    while _match_chunk(run, chunk):
        if progress:
            progress(VerificationRun.objects.get(pk=run_id))
    run.refresh_from_db()
    with transaction.atomic():
        _apply_rules(run)
        baseline = baseline_for(run)
        _mark_new(run, baseline)
        new_hits = Finding.objects.filter(run=run, new=True).count()
        previous = baseline[0][0] if baseline else None
        VerificationRun.objects.filter(pk=run_id).update(
            status=RunStatus.DONE, finished_at=timezone.now(), new_hits=new_hits,
            baseline=baseline, previous_id=previous)
    run.refresh_from_db()
    retention.after_run_done(run)
    return run


def run_time_left(run: VerificationRun) -> float | None:
    """Seconds left at the rate so far, for the progress bar."""
    if not run.started_at or not run.persons_done or run.status != RunStatus.RUNNING:
        return None
    elapsed = (timezone.now() - run.started_at).total_seconds()
    return elapsed / run.persons_done * (run.persons_total - run.persons_done)
