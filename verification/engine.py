"""The matching engine: set-based SQL over a run's persons and the active department facts.

A run's persons are fixed in `RunPerson` when it is created. `run_execute` takes them in chunks
of consecutive ids; each chunk's findings and the run's cursor are written in one transaction,
so a run stopped half way resumes after the last committed chunk and never counts twice. Rules,
the comparison with the previous run and the review tasks follow, each an idempotent statement.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from benefits.models import Enrollment, EnrollmentMember
from registry.models import Household, Person

from .models import (
    CONSEQUENCE_RANK,
    DataSource,
    Finding,
    Rule,
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


def source_status(on: date) -> dict[str, dict[str, str]]:
    """Per active source: the newest active snapshot date and whether it can vouch for "no
    record" (domain §6: a stale or missing source gives "cannot determine", never "none")."""
    latest = dict(Snapshot.objects.filter(status=SnapshotStatus.ACTIVE)
                  .values("source").annotate(as_of=Max("as_of")).values_list("source", "as_of"))
    result = {}
    for source in DataSource.objects.filter(active=True):
        as_of = latest.get(source.code)
        if as_of is None:
            result[source.code] = {"as_of": "", "status": "missing"}
        else:
            fresh = as_of >= on - timedelta(days=source.max_age_days)
            result[source.code] = {"as_of": as_of.isoformat(),
                                   "status": "ok" if fresh else "stale"}
    return result


def _range(prefix: str) -> tuple[str, str]:
    return prefix.ljust(12, "0"), prefix.ljust(12, "9")


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
    low, high = _range(prefix)
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
WHERE rp.run_id = %s AND rp.id > %s AND rp.id <= %s AND s.status = 'active'
  AND s.source_id IN (SELECT code FROM {T['DataSource']} WHERE active)
"""


def _match_chunk(run: VerificationRun, size: int) -> bool:
    """Match the next chunk and advance the cursor, atomically. False when none is left."""
    with transaction.atomic():
        run = VerificationRun.objects.select_for_update().get(pk=run.pk)
        chunk = _next_chunk(run, size)
        if chunk is None:
            return False
        upper, done = chunk
        # One index probe per person, whatever the statistics say. Once RunPerson is analysed
        # (autovacuum does it soon after a batch's insert), PostgreSQL prefers a hash join that
        # reads all ten million facts for every chunk: 1.1 s a chunk instead of 0.15 s. The JIT
        # compilation that such cost estimates trigger adds a few hundredths more.
        _local_settings(enable_hashjoin="off", enable_mergejoin="off", jit="off")
        with connection.cursor() as cur:
            cur.execute(MATCH_SQL, [True, run.pk, run.cursor, upper])
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
            qs = qs.filter(village_code__range=_range(rule.region.prefix))
        if rule.operator == Rule.Operator.GT:
            qs = qs.filter(value_num__gt=rule.threshold)
        elif rule.operator == Rule.Operator.GTE:
            qs = qs.filter(value_num__gte=rule.threshold)
        qs.update(consequence=rule.consequence, rule=rule)


def _mark_new(run: VerificationRun) -> None:
    """A finding is new unless the previous run found the same item with the same value
    (a corrected death date is new)."""
    if run.previous_id is None:
        return
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {T['Finding']} SET new = %s
                WHERE run_id = %s AND EXISTS (
                  SELECT 1 FROM {T['Finding']} p
                  WHERE p.run_id = %s AND p.person_id = {T['Finding']}.person_id
                    AND p.source_id = {T['Finding']}.source_id
                    AND p.item = {T['Finding']}.item
                    AND COALESCE(p.value_num, -1) = COALESCE({T['Finding']}.value_num, -1)
                    AND p.value_text = {T['Finding']}.value_text
                    AND (p.value_date = {T['Finding']}.value_date
                         OR (p.value_date IS NULL AND {T['Finding']}.value_date IS NULL)))""",
            [False, run.pk, run.previous_id],
        )


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
        _mark_new(run)
        new_hits = Finding.objects.filter(run=run, new=True).count()
        VerificationRun.objects.filter(pk=run_id).update(
            status=RunStatus.DONE, finished_at=timezone.now(), new_hits=new_hits)
    run.refresh_from_db()
    return run


def run_time_left(run: VerificationRun) -> float | None:
    """Seconds left at the rate so far, for the progress bar."""
    if not run.started_at or not run.persons_done or run.status != RunStatus.RUNNING:
        return None
    elapsed = (timezone.now() - run.started_at).total_seconds()
    return elapsed / run.persons_done * (run.persons_total - run.persons_done)
