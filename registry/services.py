"""Registry writes. Each is one transaction with its audit row; bad input changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from audit.services import audit_record
from jiuzhu.errors import ApplicationError
from policies.params import MissingParameter, param
from regions.models import Level, Region
from regions.scoping import region_in_scope

from .choices import (
    NATIONAL_INCOME_EXCLUSIONS,
    AssetType,
    DisabilityCategory,
    IncomeType,
    RecordSource,
    Relation,
    UrbanRural,
)
from .idcard import IdCheck, check_id_number
from .models import AssetRecord, Disability, Household, IncomeRecord, Person


@dataclass
class MemberInput:
    name: str
    id_number: str
    relation: str
    phone: str = ""
    field_prefix: str = ""


@dataclass
class HouseholdInput:
    village_code: str
    address: str
    urban_rural: str = ""
    phone: str = ""
    members: list[MemberInput] = field(default_factory=list)


def _snapshot(obj: Any) -> dict[str, Any]:
    return {k: str(v) if v is not None else None for k, v in model_to_dict(obj).items()}


def validated_id(raw: str, field_name: str = "id_number") -> IdCheck:
    result = check_id_number(raw)
    if not result.valid:
        raise ApplicationError(result.error, field=field_name)
    return result


def _village_for(actor: Any, code: str) -> Region:
    village = Region.objects.filter(code=code, level=Level.VILLAGE, valid_to__isnull=True).first()
    if village is None or not region_in_scope(actor, code):
        raise ApplicationError(_("请选择本辖区内的村（社区）"), field="village")
    return village


def _check_member(member: MemberInput, seen: set[str]) -> IdCheck:
    prefix = member.field_prefix
    if not member.name.strip():
        raise ApplicationError(_("姓名不能为空"), field=f"{prefix}name")
    if member.relation not in Relation.values:
        raise ApplicationError(_("与申请人关系无效"), field=f"{prefix}relation")
    result = validated_id(member.id_number, f"{prefix}id_number")
    if result.normalized in seen:
        raise ApplicationError(_("同一家庭中身份证号码重复"), field=f"{prefix}id_number")
    seen.add(result.normalized)
    if Person.objects.filter(id_number=result.normalized).exists():
        raise ApplicationError(
            _("该身份证号码已登记在其他家庭中"), field=f"{prefix}id_number", code="duplicate"
        )
    return result


def person_from_check(household: Household, member: MemberInput, idc: IdCheck) -> Person:
    """An unsaved Person whose sex, birth date and old 15-digit number come from the ID check."""
    assert idc.valid and idc.birth_date is not None
    return Person(
        household=household, name=member.name.strip(), id_number=idc.normalized,
        id_number_old=idc.upgraded_from, sex=idc.sex, birth_date=idc.birth_date,
        relation=member.relation, phone=member.phone.strip(),
    )


@transaction.atomic
def household_create(*, actor: Any, data: HouseholdInput) -> Household:
    village = _village_for(actor, data.village_code)
    if not data.address.strip():
        raise ApplicationError(_("居住地址不能为空"), field="address")
    urban_rural = data.urban_rural or village.default_urban_rural
    if urban_rural not in UrbanRural.values:
        raise ApplicationError(_("城乡类别无效"), field="urban_rural")
    applicants = [m for m in data.members if m.relation == Relation.APPLICANT]
    if len(applicants) != 1:
        raise ApplicationError(_("每户须有且只有一名申请人/户主"), field="members")
    seen: set[str] = set()
    checked = [(m, _check_member(m, seen)) for m in data.members]
    household = Household.objects.create(
        village=village, address=data.address.strip(), phone=data.phone.strip(),
        urban_rural=urban_rural, created_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            for member, idc in checked:
                person_from_check(household, member, idc).save()
    except IntegrityError as exc:  # a concurrent registration took the same ID number
        raise ApplicationError(_("身份证号码已被登记"), field="id_number", code="duplicate") from exc
    audit_record(actor=actor, action="household.create", obj=household, region_code=village.code,
                 after={"members": [idc.normalized for _m, idc in checked]})
    return household


@transaction.atomic
def household_update(
    *, actor: Any, household: Household, address: str, phone: str, urban_rural: str,
    village_code: str, reason: str = "",
) -> Household:
    household = Household.objects.select_for_update().get(pk=household.pk)
    before = _snapshot(household)
    village = _village_for(actor, village_code)
    if not address.strip():
        raise ApplicationError(_("居住地址不能为空"), field="address")
    if urban_rural not in UrbanRural.values:
        raise ApplicationError(_("城乡类别无效"), field="urban_rural")
    household.village = village
    household.address = address.strip()
    household.phone = phone.strip()
    household.urban_rural = urban_rural
    household.save()
    audit_record(actor=actor, action="household.update", obj=household, region_code=village.code,
                 before=before, after=_snapshot(household), reason=reason)
    return household


@transaction.atomic
def person_add(*, actor: Any, household: Household, member: MemberInput) -> Person:
    if member.relation == Relation.APPLICANT and household.members.filter(
        relation=Relation.APPLICANT
    ).exists():
        raise ApplicationError(_("该户已有申请人/户主"), field="relation")
    idc = _check_member(member, set())
    person = person_from_check(household, member, idc)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        raise ApplicationError(_("身份证号码已被登记"), field="id_number", code="duplicate") from exc
    audit_record(actor=actor, action="person.add", obj=person, region_code=household.village_id,
                 after=_snapshot(person))
    return person


@transaction.atomic
def person_update(
    *, actor: Any, person: Person, name: str, phone: str, relation: str, excluded: bool,
    excluded_reason: str, cohabiting_since: date | None,
) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = _snapshot(person)
    if not name.strip():
        raise ApplicationError(_("姓名不能为空"), field="name")
    if relation not in Relation.values:
        raise ApplicationError(_("与申请人关系无效"), field="relation")
    if relation == Relation.APPLICANT and Person.objects.filter(
        household_id=person.household_id, relation=Relation.APPLICANT
    ).exclude(pk=person.pk).exists():
        raise ApplicationError(_("该户已有申请人/户主"), field="relation")
    if excluded and not excluded_reason:
        raise ApplicationError(_("不计入家庭成员时须选择原因"), field="excluded_reason")
    person.name, person.phone, person.relation = name.strip(), phone.strip(), relation
    person.excluded = excluded
    person.excluded_reason = excluded_reason if excluded else ""
    person.cohabiting_since = cohabiting_since
    person.save()
    audit_record(actor=actor, action="person.update", obj=person,
                 region_code=person.household.village_id, before=before, after=_snapshot(person))
    return person


def income_exclusions(region_code: str, on_date: date) -> tuple[set[str], str]:
    """Income types not counted, and which parameter version said so."""
    try:
        value = param("dibao.income_exclusions", region_code, on_date)
        return set(value), f"dibao.income_exclusions@{on_date.isoformat()}"
    except MissingParameter:
        return set(NATIONAL_INCOME_EXCLUSIONS), "national-default"


def parse_money(raw: Any, field_name: str) -> Decimal:
    try:
        amount = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(_("金额须为数字"), field=field_name) from exc
    if not amount.is_finite() or amount < 0:
        raise ApplicationError(_("金额不能为负数"), field=field_name)
    if amount != amount.quantize(Decimal("0.01")):
        raise ApplicationError(_("金额最多保留两位小数"), field=field_name)
    if amount >= Decimal("1e12"):
        raise ApplicationError(_("金额过大"), field=field_name)
    return amount


@transaction.atomic
def income_add(
    *, actor: Any, person: Person, income_type: str, monthly_amount: Any, start_month: date,
    source: str = RecordSource.DECLARED, note: str = "",
) -> IncomeRecord:
    if income_type not in IncomeType.values:
        raise ApplicationError(_("收入类型无效"), field="income_type")
    amount = parse_money(monthly_amount, "monthly_amount")
    region = person.household.village_id
    exclusions, rule = income_exclusions(region, start_month)
    record = IncomeRecord.objects.create(
        person=person, income_type=income_type, monthly_amount=amount,
        start_month=start_month.replace(day=1), excluded=income_type in exclusions,
        excluded_rule=rule if income_type in exclusions else "", source=source, note=note,
    )
    audit_record(actor=actor, action="income.add", obj=record, region_code=region,
                 after=_snapshot(record))
    return record


@transaction.atomic
def asset_add(
    *, actor: Any, household: Household, asset_type: str, value: Any, as_of: date,
    description: str = "", owner: Person | None = None, exempt: bool = False,
    source: str = RecordSource.DECLARED,
) -> AssetRecord:
    if asset_type not in AssetType.values:
        raise ApplicationError(_("财产类型无效"), field="asset_type")
    if owner is not None and owner.household_id != household.pk:
        raise ApplicationError(_("所有人须为本户成员"), field="owner")
    record = AssetRecord.objects.create(
        household=household, owner=owner, asset_type=asset_type,
        value=parse_money(value, "value"), as_of=as_of, description=description,
        exempt=exempt, source=source,
    )
    audit_record(actor=actor, action="asset.add", obj=record, region_code=household.village_id,
                 after=_snapshot(record))
    return record


@transaction.atomic
def disability_add(
    *, actor: Any, person: Person, category: str, grade: int, certificate_number: str = "",
    issued_on: date | None = None,
) -> Disability:
    if category not in DisabilityCategory.values:
        raise ApplicationError(_("残疾类别无效"), field="category")
    if grade not in (1, 2, 3, 4):
        raise ApplicationError(_("残疾等级须为一至四级"), field="grade")
    record = Disability.objects.create(
        person=person, category=category, grade=grade,
        certificate_number=certificate_number.strip(), issued_on=issued_on,
    )
    audit_record(actor=actor, action="disability.add", obj=record,
                 region_code=person.household.village_id, after=_snapshot(record))
    return record
