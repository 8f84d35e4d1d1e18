"""Sampling writes (抽查核查, issue 8 §3): draw a round, record each check's finding, add the
应保未保 households found on the way. Findings other than "correct" go to the problem list
(问题清单) in the same transaction.

The draw. Each township's share is `supervision.sample_rate` (read for that township, so a
township may be set higher) of its active enrollments, rounded up: a township with any
recipients gets at least one check. Which ones is decided by sorting the township's active
enrollments on MD5(seed ":" id) and taking the first n — one query per township, no row-by-row
Python. MD5 is computed by the database (Django registers it on SQLite too) over the same text
on both backends, so a stored seed gives the same sample on SQLite and PostgreSQL, and anyone
holding the seed and the round's strata (the counts and rates of the day) can re-run it.
"""

from __future__ import annotations

import secrets
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, Q, Value
from django.db.models.functions import MD5, Cast, Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import audit_record
from benefits.models import Enrollment, EnrollmentStatus
from jiuzhu.errors import ApplicationError
from policies.params import MissingParameter, param
from regions.models import Level, Region
from regions.scoping import code_range, region_in_scope
from registry.idcard import check_id_number
from registry.models import Person

from ..models import Finding, ItemSource, LedgerItem, ListKind, SampleCheck, SamplingRound
from ..selectors.sampling import quarter_bounds, quarter_of
from .ledgers import ledger_item_create

RATE_KEY = "supervision.sample_rate"
NOTE_MAX = 500  # SampleCheck.note
SEED_MAX = 32  # SamplingRound.seed
# Ongoing recipients only: a one-off temporary grant has nothing left to check against.
ACTIVE = Q(status=EnrollmentStatus.ACTIVE, one_off=False)
# A drawn enrollment is checked once; its finding is final (a mistake is put right through the
# ledger item it opened, not by rewriting the check). 应保未保 checks are created as such.
MOVES: dict[str, frozenset[str]] = {
    Finding.PENDING: frozenset({Finding.CORRECT, Finding.WRONG_AMOUNT, Finding.INELIGIBLE}),
}


def _require_county(actor: Any) -> None:
    # Supervision is the county's check on the townships; the route map keeps townships off
    # the pages and this keeps them off the service.
    if not (actor.is_superuser or actor.role == Role.COUNTY_ADMIN):
        raise ApplicationError(_("抽查核查由县级民政部门组织"), code="forbidden")


def _rate(region_code: str, on: Any) -> Decimal:
    try:
        rate = Decimal(param(RATE_KEY, region_code, on))
    except (MissingParameter, InvalidOperation) as exc:
        raise ApplicationError(_("未配置抽查比例参数 %(key)s，请联系县级管理员") % {"key": RATE_KEY},
                               code="config") from exc
    if not Decimal(0) < rate <= Decimal(1):
        raise ApplicationError(_("抽查比例参数 %(key)s 须大于0且不超过1") % {"key": RATE_KEY},
                               code="config")
    return rate


def sample_size(active: int, rate: Decimal) -> int:
    """The share rounded up, so any township with recipients gets at least one check."""
    return int((Decimal(active) * rate).to_integral_value(rounding=ROUND_CEILING))


def draw_key(seed: str) -> MD5:
    return MD5(Concat(Value(f"{seed}:"), Cast("id", output_field=CharField())))


def draw(seed: str, township_code: str, n: int) -> list[tuple[int, int, str]]:
    """(enrollment, household, village) of the first n active enrollments by MD5(seed:id)."""
    return list(
        Enrollment.objects.filter(ACTIVE, village__code__scope_range=code_range(township_code[:9]))
        .annotate(draw_key=draw_key(seed)).order_by("draw_key", "id")
        .values_list("id", "household_id", "village_id")[:n])


def _region(actor: Any, region_code: str) -> Region:
    region = Region.objects.filter(code=region_code, level__in=[Level.COUNTY, Level.TOWNSHIP],
                                   valid_to__isnull=True).first()
    if region is None or not region_in_scope(actor, region.code):
        raise ApplicationError(_("请选择本辖区内的区县或乡镇（街道）"), field="region")
    return region


def _period(period: str, today: Any) -> str:
    period = period.strip().upper()
    bounds = quarter_bounds(period)
    if bounds is None:
        raise ApplicationError(_("抽查期间格式应为“2026Q4”"), field="period")
    if period > quarter_of(today):
        raise ApplicationError(_("不能为尚未开始的季度抽查"), field="period")
    return period


def _overlapping(region: Region, period: str) -> SamplingRound | None:
    """A round of the same quarter over this region, or over a region containing or inside it:
    a household must not be drawn twice in one quarter by nested rounds."""
    ancestors = [region.code[:n].ljust(12, "0") for n in (6, 9) if n < len(region.prefix)]
    return (SamplingRound.objects.filter(period=period)
            .filter(Q(region_code__range=code_range(region.prefix))
                    | Q(region_code__in=ancestors)).first())


@transaction.atomic
def sampling_round_create(*, actor: Any, region_code: str, period: str,
                          seed: str = "") -> SamplingRound:
    _require_county(actor)
    today = timezone.localdate()
    region = _region(actor, region_code)
    period = _period(period, today)
    seed = seed.strip() or secrets.token_hex(8)
    if len(seed) > SEED_MAX:
        raise ApplicationError(_("抽样种子不超过%(n)s个字符") % {"n": SEED_MAX}, field="seed")
    existing = _overlapping(region, period)
    if existing is not None:
        name = Region.objects.filter(code=existing.region_code).values_list("name", flat=True)
        raise ApplicationError(
            _("%(period)s 已有覆盖该地区的抽查批次（%(region)s）") % {
                "period": period, "region": name.first() or existing.region_code},
            field="period", code="duplicate")
    active = dict(
        Enrollment.objects.filter(ACTIVE, village__code__scope_range=code_range(region.prefix))
        .annotate(township=Substr("village_id", 1, 9)).values("township")
        .annotate(n=Count("id")).values_list("township", "n").order_by("township"))
    townships = Region.objects.filter(level=Level.TOWNSHIP,
                                      code__range=code_range(region.prefix))
    codes = sorted({t.code for t in townships if t.valid_to is None}
                   | {f"{prefix}000" for prefix in active})
    try:
        with transaction.atomic():
            round_ = SamplingRound.objects.create(region_code=region.code, period=period,
                                                  rate=_rate(region.code, today), seed=seed,
                                                  created_by=actor)
    except IntegrityError as exc:  # a second request for the same round got there first
        raise ApplicationError(_("%(period)s 已有该地区的抽查批次") % {"period": period},
                               field="period", code="duplicate") from exc
    checks = []
    strata = {}
    for code in codes:
        count = active.get(code[:9], 0)
        rate = _rate(code, today)
        drawn = draw(seed, code, sample_size(count, rate)) if count else []
        strata[code] = {"active": count, "rate": str(rate), "drawn": len(drawn)}
        checks += [SampleCheck(round=round_, enrollment_id=e, household_id=h, village_code=v)
                   for e, h, v in drawn]
    SampleCheck.objects.bulk_create(checks)
    round_.strata = strata
    round_.save(update_fields=["strata"])
    audit_record(actor=actor, action="sampling.round_create", obj=round_,
                 region_code=region.code,
                 after={"period": period, "seed": seed, "rate": str(round_.rate),
                        "drawn": len(checks)})
    return round_


def _to_ledger(actor: Any, check: SampleCheck) -> LedgerItem:
    """The finding as a 问题清单 item of the check's township, through the ledger's own service
    (numbering, audit, 销号 by the county that registered it)."""
    village = Region.objects.filter(code=check.village_code).first()
    title = _("%(period)s抽查核查：%(finding)s（%(village)s，家庭编号%(household)s）") % {
        "period": check.round.period, "finding": Finding(check.finding).label,
        "village": village.name if village else check.village_code,
        "household": check.household_id}
    return ledger_item_create(actor=actor, list_kind=ListKind.PROBLEM, source=ItemSource.SAMPLING,
                              region_code=f"{check.village_code[:9]}000", title=title,
                              description=check.note, sample_check_id=check.pk)


def _note(note: str, *, required: bool) -> str:
    note = note.strip()
    if required and not note:
        raise ApplicationError(_("请填写核查情况"), field="note")
    if len(note) > NOTE_MAX:
        raise ApplicationError(_("核查情况不超过%(n)s字") % {"n": NOTE_MAX}, field="note")
    return note


@transaction.atomic
def sample_check_record(*, actor: Any, check_id: int, finding: str, note: str = "") -> SampleCheck:
    """The conclusion on a drawn enrollment; anything but "correct" opens a 问题清单 item."""
    _require_county(actor)
    check = SampleCheck.objects.select_for_update().filter(pk=check_id).first()
    if check is None or not region_in_scope(actor, check.village_code):
        raise ApplicationError(_("未找到该抽查记录"), code="not_found")
    if finding not in MOVES.get(check.finding, frozenset()) or check.enrollment_id is None:
        if check.finding != Finding.PENDING or check.enrollment_id is None:
            raise ApplicationError(_("该户已有核查结论，不能重复登记"), code="transition")
        raise ApplicationError(_("请选择核查结论"), field="finding")
    check.note = _note(note, required=finding != Finding.CORRECT)
    before = check.finding
    check.finding, check.checked_by, check.checked_at = finding, actor, timezone.now()
    check.save(update_fields=["finding", "note", "checked_by", "checked_at"])
    item = None if finding == Finding.CORRECT else _to_ledger(actor, check)
    audit_record(actor=actor, action="sampling.check_record", obj=check,
                 region_code=check.village_code, before={"finding": before},
                 after={"finding": finding, "ledger_item": item.number if item else None},
                 reason=check.note)
    return check


@transaction.atomic
def sample_missing_add(*, actor: Any, round_id: int, id_number: str, note: str) -> SampleCheck:
    """A household found during the round that should receive assistance and does not (应保未保),
    identified by a member's ID number; it must already be in the registry."""
    _require_county(actor)
    round_ = SamplingRound.objects.select_for_update().filter(pk=round_id).first()
    if round_ is None or not (region_in_scope(actor, round_.region_code)):
        raise ApplicationError(_("未找到该抽查批次"), code="not_found")
    idc = check_id_number(id_number)
    if not idc.valid:
        raise ApplicationError(idc.error or _("身份证号码有误"), field="id_number")
    person = Person.objects.select_related("household").filter(id_number=idc.normalized).first()
    prefix = Region.objects.get(code=round_.region_code).prefix
    if person is None or not person.household.village_id.startswith(prefix) \
            or not region_in_scope(actor, person.household.village_id):
        raise ApplicationError(_("本批次抽查范围内没有该身份证号码的登记人员，请先在家庭档案中登记"),
                               field="id_number")
    household = person.household
    if Enrollment.objects.filter(ACTIVE, household=household).exists():
        raise ApplicationError(_("该家庭正在享受救助，不属于应保未保"), field="id_number")
    if round_.checks.filter(household=household, finding=Finding.MISSING).exists():
        raise ApplicationError(_("该家庭已登记为本批次的应保未保户"), field="id_number",
                               code="duplicate")
    check = SampleCheck.objects.create(
        round=round_, household=household, village_code=household.village_id,
        finding=Finding.MISSING, note=_note(note, required=True), checked_by=actor,
        checked_at=timezone.now())
    item = _to_ledger(actor, check)
    audit_record(actor=actor, action="sampling.missing_add", obj=check,
                 region_code=check.village_code,
                 after={"finding": Finding.MISSING, "ledger_item": item.number},
                 reason=check.note)
    return check
