"""Daily cron: queue a batch re-verification for each county whose last one is older than the
`verification.batch_months` parameter (domain §14; demo 3). The worker then runs it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from policies.params import MissingParameter, param
from regions.models import Level, Region
from verification import services
from verification.models import RunKind, VerificationRun


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


class Command(BaseCommand):
    help = "按参数周期为各县排队在保对象批量复核"

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        for county in Region.objects.filter(level=Level.COUNTY, valid_to__isnull=True):
            try:
                months = int(param("verification.batch_months", county.code, today))
            except MissingParameter:
                continue
            last = (VerificationRun.objects.filter(kind=RunKind.RECIPIENTS,
                                                   region_code=county.code)
                    .order_by("-id").first())
            if last and _months_between(timezone.localdate(last.created_at), today) < months:
                continue
            # Queued in the name of the county's administrator, who is answerable for it.
            admin = User.objects.filter(role=Role.COUNTY_ADMIN, region=county,
                                        is_active=True).first()
            if admin is None:
                continue
            run = services.recipients_run_create(actor=admin, region_code=county.code)
            self.stdout.write(f"queued run={run.pk} county={county.code} "
                              f"persons={run.persons_total}")
