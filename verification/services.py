"""Verification writes: starting runs (with their audit rows) and the rules that judge findings."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import audit_record
from cases.benefit import counted_members
from cases.models import Case
from jiuzhu.errors import ApplicationError
from regions.models import Level, Region
from regions.scoping import region_in_scope
from registry.services import parse_money

from . import engine
from .models import (
    Consequence,
    Rule,
    RunKind,
    RunStatus,
    SourceItem,
    ValueKind,
    VerificationRun,
)
from .tasks import after_run


@transaction.atomic
def recipients_run_create(*, actor: Any, region_code: str) -> VerificationRun:
    """Batch re-verification of every active recipient under a region (county or township)."""
    if not (actor.is_superuser or actor.role == Role.COUNTY_ADMIN):
        raise ApplicationError(_("批量复核由县级民政部门发起"), code="forbidden")
    region = Region.objects.filter(code=region_code, level__lte=Level.TOWNSHIP).first()
    if region is None or not region_in_scope(actor, region_code):
        raise ApplicationError(_("请选择本辖区"), field="region")
    if VerificationRun.objects.filter(kind=RunKind.RECIPIENTS, region_code=region_code,
                                      status__in=[RunStatus.PENDING, RunStatus.RUNNING]).exists():
        raise ApplicationError(_("该范围已有正在进行的批量复核"), code="conflict")
    # What is new is decided when the run is done, against the runs done by then
    # (engine.baseline_for), so `previous` is set there.
    run = VerificationRun.objects.create(kind=RunKind.RECIPIENTS, region_code=region_code,
                                         created_by=actor)
    run.persons_total = engine.fill_recipients(run, region.prefix)
    # Last, so the sources stay locked for as short a time as possible (engine.pin_sources).
    run.sources = engine.pin_sources(timezone.localdate())
    run.save(update_fields=["persons_total", "sources"])
    audit_record(actor=actor, action="verification.batch_create", obj=run,
                 region_code=region_code, after={"persons": run.persons_total,
                                                 "snapshots": _pinned(run)})
    return run


def _pinned(run: VerificationRun) -> dict[str, list[int]]:
    return {code: used["snapshots"] for code, used in run.sources.items() if "snapshots" in used}


def case_run(*, actor: Any, case: Case) -> VerificationRun:
    """核对 for one application's counted members; refused without the signed 授权书."""
    if not region_in_scope(actor, case.village_id):
        raise ApplicationError(_("案件不在您的辖区内"), code="forbidden")
    if case.consent_signed_on is None:
        raise ApplicationError(_("未登记家庭成员签署的核对授权书，不能发起核对"),
                               field="consent_signed_on", code="transition")
    with transaction.atomic():
        previous = (VerificationRun.objects.filter(case=case, status=RunStatus.DONE)
                    .order_by("-id").first())
        run = VerificationRun.objects.create(
            kind=RunKind.CASE, region_code=case.village_id, case=case, previous=previous,
            created_by=actor,
        )
        members = counted_members(case)
        for person in members:
            person.household = case.household
        run.persons_total = engine.fill_persons(run, members)
        run.sources = engine.pin_sources(timezone.localdate())
        run.save(update_fields=["persons_total", "sources"])
        audit_record(actor=actor, action="verification.case_run", obj=case,
                     region_code=case.village_id, after={"run": run.pk,
                                                         "persons": run.persons_total,
                                                         "snapshots": _pinned(run)})
    return engine.run_execute(run.pk)


RULE_FIELDS = ("source", "item", "operator", "threshold", "consequence", "note")


@transaction.atomic
def rule_create(*, actor: Any, region_code: str, source: str, item: str, operator: str,
                threshold: Any, consequence: str, note: str = "") -> Rule:
    """A county admin adds a rule for the county or one of its townships (domain §6)."""
    if not (actor.is_superuser or actor.role == Role.COUNTY_ADMIN):
        raise ApplicationError(_("核对规则由县级民政部门设置"), code="forbidden")
    region = Region.objects.filter(code=region_code).first()
    if region is None or not region_in_scope(actor, region_code):
        raise ApplicationError(_("请选择本辖区"), field="region")
    item_row = SourceItem.objects.filter(source_id=source, code=item).first()
    if item_row is None:
        raise ApplicationError(_("请选择数据源中的核对项目"), field="item")
    if operator not in Rule.Operator.values:
        raise ApplicationError(_("请选择条件"), field="operator")
    if consequence not in Consequence.values:
        raise ApplicationError(_("请选择处理方式"), field="consequence")
    value = None
    if operator != Rule.Operator.PRESENT:
        if item_row.kind != ValueKind.AMOUNT:
            raise ApplicationError(_("只有金额/数值项目可以比较大小"), field="operator")
        if threshold in (None, ""):
            raise ApplicationError(_("请填写阈值"), field="threshold")
        value = parse_money(threshold, "threshold")
    rule = Rule.objects.create(region=region, source_id=source, item=item, operator=operator,
                               threshold=value, consequence=consequence, note=note.strip()[:200])
    audit_record(actor=actor, action="verification.rule_create", obj=rule,
                 region_code=region_code,
                 after={f: str(getattr(rule, f if f != "source" else "source_id"))
                        for f in RULE_FIELDS})
    return rule


@transaction.atomic
def rule_set_active(*, actor: Any, rule: Rule, active: bool) -> Rule:
    if not (actor.is_superuser or actor.role == Role.COUNTY_ADMIN):
        raise ApplicationError(_("核对规则由县级民政部门设置"), code="forbidden")
    before = rule.active
    rule.active = active
    rule.save(update_fields=["active"])
    audit_record(actor=actor, action="verification.rule_active", obj=rule,
                 region_code=rule.region_id or "", before={"active": before},
                 after={"active": active})
    return rule


def run_complete(run_id: int, *, chunk: int = 100_000,
                 progress: engine.Progress | None = None) -> VerificationRun:
    """Match a run to the end, then open its review tasks (and suspend on death records).

    Both steps are idempotent, so a run resumed after an interruption completes once.
    """
    run = engine.run_execute(run_id, chunk=chunk, progress=progress)
    after_run(run)
    return run
