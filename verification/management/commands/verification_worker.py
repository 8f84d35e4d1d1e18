"""Runs queued and interrupted verification runs (cron every minute, or `--loop` as a service).

A run interrupted by a restart is picked up again and continues after its last committed chunk.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from verification import engine, services
from verification.models import RunStatus, VerificationRun


class Command(BaseCommand):
    help = "处理排队中或中断的核对任务"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep polling every 5 seconds")
        parser.add_argument("--chunk", type=int, default=100_000)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            ids = list(VerificationRun.objects.filter(
                status__in=[RunStatus.PENDING, RunStatus.RUNNING]).order_by("id")
                .values_list("id", flat=True))
            for run_id in ids:
                run = services.run_complete(run_id, chunk=options["chunk"],
                                            progress=self._report)
                self.stdout.write(f"run={run.pk} persons={run.persons_done} hits={run.hits} "
                                  f"new={run.new_hits} status={run.status}")
            if not options["loop"]:
                return
            time.sleep(5)

    def _report(self, run: VerificationRun) -> None:
        left = engine.run_time_left(run)
        self.stdout.write(f"run={run.pk} {run.persons_done}/{run.persons_total}"
                          + (f" ~{left:.0f}s left" if left is not None else ""))
