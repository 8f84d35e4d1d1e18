"""Integrity matching (domain §6; issue 5 item 5): recipients against the registered relatives of
officials (近亲属备案, 57号§11) and against death records.

Hits are listed for the county and reviewed there; nothing is acted on automatically — an
integrity hit never changes an enrollment.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.models import AuditEvent
from audit.services import audit_record
from benefits.models import Enrollment, EnrollmentMember
from jiuzhu.errors import ApplicationError
from regions.models import Region
from regions.scoping import code_range, region_in_scope, user_prefix
from registry.models import Person
from registry.services import validated_id

from .models import (
    IntegrityHit,
    IntegrityKind,
    IntegrityStatus,
    KinRelation,
    Snapshot,
    SourceFact,
    StaffRelative,
)

# The department source whose facts are death records (民政殡葬/公安户籍注销).
DEATH_SOURCE = "death"

T = {m.__name__: m._meta.db_table for m in (IntegrityHit, EnrollmentMember, Enrollment, Person,
                                             StaffRelative, SourceFact, Snapshot)}
SR_REGION = StaffRelative._meta.get_field("region").column


def _county_only(actor: Any, message: str) -> None:
    if not (actor.is_superuser or getattr(actor, "role", None) == Role.COUNTY_ADMIN):
        raise ApplicationError(message, code="forbidden")


# Active members of active enrollments under the scope, one row per person.
RECIPIENTS = f"""
    SELECT m.person_id, p.id_number, MIN(e.id) AS enrollment_id,
           MIN(e.village_code) AS village_code
    FROM {T['EnrollmentMember']} m
    JOIN {T['Enrollment']} e ON e.id = m.enrollment_id
    JOIN {T['Person']} p ON p.id = m.person_id
    WHERE m.active AND e.status = 'active' AND e.village_code BETWEEN %s AND %s
    GROUP BY m.person_id, p.id_number"""  # noqa: S608 - table names from model metadata

HIT_COLUMNS = """(checked_on, checked_by_id, person_id, enrollment_id, village_code, kind, basis,
                  detail, status, review_note)"""

# One open hit per person and kind; a hit already reviewed on the same basis is not raised again.
NOT_ALREADY = f"""
    NOT EXISTS (SELECT 1 FROM {T['IntegrityHit']} h
                WHERE h.person_id = r.person_id AND h.kind = %s
                  AND (h.status = 'open' OR h.basis = {{basis}}))"""  # noqa: S608

STAFF_RELATIVE_SQL = f"""
INSERT INTO {T['IntegrityHit']} {HIT_COLUMNS}
SELECT %s, %s, r.person_id, r.enrollment_id, r.village_code, %s,
       'staff_relative:' || CAST(sr.id AS VARCHAR(20)),
       SUBSTR(sr.official_name || ' · ' || sr.organisation || ' ' || sr.official_post, 1, 200),
       'open', ''
FROM ({RECIPIENTS}) r
JOIN {T['StaffRelative']} sr ON sr.id = (
    SELECT MIN(s2.id) FROM {T['StaffRelative']} s2
    WHERE s2.relative_id_number = r.id_number AND s2.{SR_REGION} BETWEEN %s AND %s)
WHERE {NOT_ALREADY.format(basis="'staff_relative:' || CAST(sr.id AS VARCHAR(20))")}
"""  # noqa: S608

DEATH_SQL = f"""
INSERT INTO {T['IntegrityHit']} {HIT_COLUMNS}
SELECT %s, %s, r.person_id, r.enrollment_id, r.village_code, %s,
       SUBSTR('death:' || d.died, 1, 64), SUBSTR(d.died || ' / ' || d.as_of, 1, 200), 'open', ''
FROM ({RECIPIENTS}) r
JOIN (SELECT f.id_number,
             COALESCE(CAST(MAX(f.value_date) AS VARCHAR(10)), MAX(f.value_text)) AS died,
             CAST(MAX(s.as_of) AS VARCHAR(10)) AS as_of
      FROM {T['SourceFact']} f JOIN {T['Snapshot']} s ON s.id = f.snapshot_id
      WHERE f.source_id = %s AND s.status = 'active'
      GROUP BY f.id_number) d ON d.id_number = r.id_number
WHERE {NOT_ALREADY.format(basis="SUBSTR('death:' || d.died, 1, 64)")}
"""  # noqa: S608


@dataclass
class CheckResult:
    staff_relative: int
    death: int


def integrity_check(*, actor: Any) -> CheckResult:
    """Match every active recipient in the actor's county; two INSERT … SELECT statements."""
    _county_only(actor, _("廉政比对由县级民政部门发起"))
    prefix = user_prefix(actor)
    assert prefix is not None
    low, high = code_range(prefix)
    today = timezone.localdate()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(STAFF_RELATIVE_SQL, [today, actor.pk, IntegrityKind.STAFF_RELATIVE.value,
                                         low, high, low, high,
                                         IntegrityKind.STAFF_RELATIVE.value])
        relatives = cur.rowcount
        cur.execute(DEATH_SQL, [today, actor.pk, IntegrityKind.DEATH.value, low, high,
                                DEATH_SOURCE, IntegrityKind.DEATH.value])
        deaths = cur.rowcount
        region = getattr(actor, "region", None)
        audit_record(actor=actor, action="verification.integrity_check", obj=region or actor,
                     region_code=region.code if region else "",
                     after={"staff_relative": relatives, "death": deaths})
    return CheckResult(relatives, deaths)


REVIEW_OUTCOMES = {IntegrityStatus.CONFIRMED, IntegrityStatus.DISMISSED}


@transaction.atomic
def integrity_hit_review(*, actor: Any, hit_id: int, status: str, note: str) -> IntegrityHit:
    """The county records its decision; any follow-up goes through the normal procedures."""
    _county_only(actor, _("廉政比对疑点由县级民政部门核实"))
    hit = IntegrityHit.objects.select_for_update().filter(pk=hit_id).first()
    if hit is None or not region_in_scope(actor, hit.village_code):
        raise ApplicationError(_("比对疑点不存在或不在您的辖区内"), code="forbidden")
    if hit.status != IntegrityStatus.OPEN:
        raise ApplicationError(_("该疑点已核实"), code="transition")
    if status not in REVIEW_OUTCOMES:
        raise ApplicationError(_("请选择核实结论"), field="status")
    if not note.strip():
        raise ApplicationError(_("请填写核实说明"), field="review_note")
    hit.status, hit.review_note = status, note.strip()
    hit.reviewed_by, hit.reviewed_at = actor, timezone.now()
    hit.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    audit_record(actor=actor, action="verification.integrity_review", obj=hit,
                 region_code=hit.village_code, before={"status": IntegrityStatus.OPEN.value},
                 after={"status": status, "review_note": hit.review_note})
    return hit


# --- 近亲属备案 ---------------------------------------------------------------------------------


@dataclass
class RelativeInput:
    official_name: str
    official_post: str
    organisation: str
    relative_name: str
    relative_id_number: str
    relation: str
    region_code: str
    field_prefix: str = ""


def _checked(actor: Any, data: RelativeInput, regions: dict[str, Region]) -> StaffRelative:
    p = data.field_prefix
    for name in ("official_name", "official_post", "organisation", "relative_name"):
        if not getattr(data, name).strip():
            raise ApplicationError(_("此项不能为空"), field=f"{p}{name}")
    idc = validated_id(data.relative_id_number, f"{p}relative_id_number")
    if data.relation not in KinRelation.values:
        raise ApplicationError(_("请选择关系"), field=f"{p}relation")
    region = regions.get(data.region_code)
    if region is None or not region_in_scope(actor, data.region_code):
        raise ApplicationError(_("请选择本辖区"), field=f"{p}region")
    return StaffRelative(
        official_name=data.official_name.strip()[:50],
        official_post=data.official_post.strip()[:64],
        organisation=data.organisation.strip()[:100],
        relative_name=data.relative_name.strip()[:50],
        relative_id_number=idc.normalized, relation=data.relation, region=region,
        recorded_by=actor,
    )


def _audit_rows(actor: Any, rows: list[StaffRelative], action: str) -> list[AuditEvent]:
    return [AuditEvent(actor=actor, action=action, object_type="verification.staffrelative",
                       object_id=str(r.pk), region_code=r.region_id,
                       after={"official": r.official_name, "organisation": r.organisation,
                              "relative": r.relative_name, "id_number": r.relative_id_number,
                              "relation": r.relation})
            for r in rows]


@transaction.atomic
def staff_relative_add(*, actor: Any, data: RelativeInput) -> StaffRelative:
    _county_only(actor, _("近亲属备案由县级民政部门登记"))
    regions = {r.code: r for r in Region.objects.filter(code=data.region_code)}
    row = _checked(actor, data, regions)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise ApplicationError(_("该近亲属已备案"), field="relative_id_number",
                               code="duplicate") from exc
    AuditEvent.objects.bulk_create(_audit_rows(actor, [row], "verification.staff_relative_add"))
    return row


IMPORT_COLUMNS = ("干部姓名", "职务", "工作单位", "亲属姓名", "亲属身份证号码", "关系", "区划代码")
RELATION_BY_LABEL = {str(label): value for value, label in KinRelation.choices}


def _decode(content: bytes) -> str:
    # Excel in a Chinese locale saves CSV as GB18030; everything else sends UTF-8 (maybe BOM).
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("gb18030")


@transaction.atomic
def staff_relatives_import(*, actor: Any, content: bytes) -> tuple[int, int]:
    """A CSV of 近亲属备案, all rows or none; returns (added, already on file)."""
    _county_only(actor, _("近亲属备案由县级民政部门登记"))
    reader = csv.DictReader(io.StringIO(_decode(content)))
    missing = [c for c in IMPORT_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ApplicationError(_("缺少列：%(cols)s") % {"cols": "、".join(missing)}, field="file")
    records = list(reader)
    codes = {(r.get("区划代码") or "").strip() for r in records}
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    rows, errors = [], []
    for n, rec in enumerate(records, start=2):
        relation = (rec.get("关系") or "").strip()
        try:
            rows.append(_checked(actor, RelativeInput(
                official_name=rec.get("干部姓名") or "", official_post=rec.get("职务") or "",
                organisation=rec.get("工作单位") or "", relative_name=rec.get("亲属姓名") or "",
                relative_id_number=rec.get("亲属身份证号码") or "",
                relation=RELATION_BY_LABEL.get(relation, relation),
                region_code=(rec.get("区划代码") or "").strip()), regions))
        except ApplicationError as exc:
            errors.append(_("第%(n)s行：%(e)s") % {"n": n, "e": exc.message})
    if errors:
        raise ApplicationError("；".join(errors[:10]), field="file")
    existing = set(StaffRelative.objects.filter(
        relative_id_number__in={r.relative_id_number for r in rows}).values_list(
        "relative_id_number", "official_name", "organisation"))
    fresh: dict[tuple[str, str, str], StaffRelative] = {}
    for r in rows:
        key = (r.relative_id_number, r.official_name, r.organisation)
        if key not in existing:
            fresh.setdefault(key, r)
    created = StaffRelative.objects.bulk_create(list(fresh.values()), batch_size=1000)
    AuditEvent.objects.bulk_create(_audit_rows(actor, created,
                                               "verification.staff_relative_import"))
    return len(created), len(rows) - len(created)
