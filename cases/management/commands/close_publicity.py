"""Nightly: send on every case whose 公示 period ended with no objection (cron, after midnight)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cases.services.publicity import publicity_close_due


class Command(BaseCommand):
    help = "公示期满且无异议的案件自动报送审批"

    def handle(self, *args: Any, **options: Any) -> None:
        closed = publicity_close_due()
        self.stdout.write(f"closed={closed}")
