"""What verification keeps and when it lets go: department facts and runs' person lists.

Both are the largest tables of the app, and both are only needed while something reads them:

* a snapshot's facts, while the snapshot is active or a run that pinned it is still matching
  (`VerificationRun.sources`: a run matches the snapshots it started with, to the end);
* a recipients run's person list (`RunPerson`), while the run is the latest done one for its
  scope. Findings and the run's counters keep what was found and how many were checked.

Every delete here is one statement over a set of snapshots or runs, never a loop over rows.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef

from audit.services import audit_record

from .models import (
    RunKind,
    RunPerson,
    RunStatus,
    Snapshot,
    SnapshotStatus,
    SourceFact,
    VerificationRun,
)

UNFINISHED = (RunStatus.PENDING, RunStatus.RUNNING)


def pinned_snapshot_ids() -> set[int]:
    """Snapshots that runs still matching have pinned: their facts must stay until those runs
    are done, even once a newer snapshot has replaced them. Few runs are ever unfinished."""
    pinned: set[int] = set()
    for sources in VerificationRun.objects.filter(status__in=UNFINISHED).values_list(
            "sources", flat=True):
        for used in sources.values():
            pinned.update(used.get("snapshots", []))
    return pinned


def purge_unused_facts(source_id: str) -> int:
    """Delete the facts of the source's superseded and cancelled snapshots that no unfinished
    run has pinned.

    Decision: a superseded snapshot keeps its row (date, counts, errors, who uploaded) as
    history, but its facts are deleted. Matching never reads them once the runs that started
    with them are done, every finding and issued report keeps its own copy of the values and the
    snapshot date, and at province scale the old facts would double the largest table at each
    refresh. To go back, upload the old file again. One DELETE per call; it also clears what an
    interrupted earlier purge, or one that had to wait for a run (`release_pins`), left.
    """
    done = SnapshotStatus.SUPERSEDED, SnapshotStatus.CANCELLED
    unused = (Snapshot.objects.filter(source_id=source_id, status__in=done)
              .exclude(pk__in=pinned_snapshot_ids()))
    deleted, _by_model = SourceFact.objects.filter(snapshot__in=unused).delete()
    return deleted


def release_pins(run: VerificationRun) -> int:
    """A finished run no longer holds its snapshots: purge those replaced while it ran."""
    pinned = [pk for used in run.sources.values() for pk in used.get("snapshots", [])]
    replaced = (Snapshot.objects.filter(pk__in=pinned).exclude(status=SnapshotStatus.ACTIVE)
                .values_list("source_id", flat=True).distinct())
    return sum(purge_unused_facts(source_id) for source_id in replaced)


def region_and_ancestors(code: str) -> list[str]:
    # An ancestor's code is the code cut at a shorter level (2, 4, 6, 9 digits), zero-padded.
    return sorted({code} | {code[:n].ljust(12, "0") for n in (2, 4, 6, 9)} - {"0" * 12})


def prune_run_persons(run: VerificationRun) -> int:
    """Delete the person lists of the recipients runs a done run supersedes; returns the rows.

    Superseded: done, and a newer done recipients run covers its whole scope (the same region
    or one above it: a county batch supersedes its townships' earlier batches, a township batch
    supersedes nothing county-wide). That is the older runs inside this run's scope, and this
    run itself when a newer, wider one happened to finish first. A case run's list is the
    case's members and stays with its report. One audit row per run whose list goes.
    """
    if run.kind != RunKind.RECIPIENTS or run.status != RunStatus.DONE:
        return 0
    done = VerificationRun.objects.filter(kind=RunKind.RECIPIENTS, status=RunStatus.DONE)
    superseded = list(done.filter(pk__lt=run.pk, region_code__range=run.village_range())
                      .values_list("pk", flat=True))
    if done.filter(pk__gt=run.pk, region_code__in=region_and_ancestors(run.region_code)).exists():
        superseded.append(run.pk)
    # Most superseded runs were pruned long ago: one index probe each finds the rest.
    with_lists = list(VerificationRun.objects.filter(pk__in=superseded).filter(
        Exists(RunPerson.objects.filter(run_id=OuterRef("pk")))).only(
        "pk", "region_code", "persons_total"))
    if not with_lists:
        return 0
    with transaction.atomic():
        deleted, _by_model = RunPerson.objects.filter(
            run_id__in=[r.pk for r in with_lists]).delete()
        for pruned in with_lists:
            audit_record(actor=None, action="verification.run_persons_prune", obj=pruned,
                         region_code=pruned.region_code,
                         after={"persons": pruned.persons_total, "superseded_by": run.pk})
    return deleted


def after_run_done(run: VerificationRun) -> None:
    """Housekeeping once a run is done, after its result is committed: if it is interrupted,
    the next run's completion (or the next activation's purge) does it."""
    release_pins(run)
    prune_run_persons(run)
