"""Registry API: ID-number check (public), households and persons (scoped)."""

from __future__ import annotations

from datetime import date

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from jiuzhu.paging import CachedCountPaginator

from . import selectors, services
from .idcard import check_id_number
from .masking import mask_id, mask_phone
from .models import Household, Person

router = Router(tags=["registry"])


class IdCardOut(Schema):
    valid: bool
    normalized: str | None
    birth_date: date | None
    sex: str | None
    region_code: str | None
    error: str | None
    warning: str | None


@router.get("/idcard/{number}", response=IdCardOut, url_name="idcard", auth=None)
def idcard(request: HttpRequest, number: str) -> IdCardOut:
    r = check_id_number(number)
    return IdCardOut(
        valid=r.valid, normalized=r.normalized or None, birth_date=r.birth_date,
        sex=r.sex or None, region_code=r.region_code or None, error=r.error or None,
        warning=r.warning or None,
    )


class PersonOut(Schema):
    id: int
    household_id: int
    region_code: str
    name: str
    id_number_masked: str
    sex: str
    birth_date: date
    relation: str
    phone_masked: str
    excluded: bool


class HouseholdOut(Schema):
    id: int
    region_code: str
    village_name: str
    address: str
    urban_rural: str
    phone_masked: str
    members: list[PersonOut]


class Page(Schema):
    count: int
    page: int
    pages: int


class HouseholdPage(Page):
    items: list[HouseholdOut]


class PersonPage(Page):
    items: list[PersonOut]


def _person_out(p: Person, region_code: str) -> PersonOut:
    return PersonOut(
        id=p.pk, household_id=p.household_id, region_code=region_code, name=p.name,
        id_number_masked=mask_id(p.id_number), sex=p.sex, birth_date=p.birth_date,
        relation=p.relation, phone_masked=mask_phone(p.phone), excluded=p.excluded,
    )


def _household_out(h: Household, members: list[Person]) -> HouseholdOut:
    return HouseholdOut(
        id=h.pk, region_code=h.village_id, village_name=h.village.name, address=h.address,
        urban_rural=h.urban_rural, phone_masked=mask_phone(h.phone),
        members=[_person_out(p, h.village_id) for p in members],
    )


class HouseholdQuery(Schema):
    village: str = ""
    q: str = ""
    page: int = 1


@router.get("/households", response=HouseholdPage, url_name="household_list")
def household_list(request: HttpRequest, filters: Query[HouseholdQuery]) -> HouseholdPage:
    qs = selectors.household_list(request.user, selectors.HouseholdFilter(filters.village, filters.q))
    paginator = CachedCountPaginator(qs, 50)
    page = paginator.get_page(filters.page)
    households = list(page.object_list)
    members: dict[int, list[Person]] = {}
    for p in Person.objects.filter(household_id__in=[h.pk for h in households]).order_by("id"):
        members.setdefault(p.household_id, []).append(p)
    return HouseholdPage(
        count=paginator.count, page=page.number, pages=paginator.num_pages,
        items=[_household_out(h, members.get(h.pk, [])) for h in households],
    )


class MemberIn(Schema):
    name: str
    id_number: str
    relation: str
    phone: str = ""


class HouseholdIn(Schema):
    village_code: str
    address: str
    urban_rural: str = ""
    phone: str = ""
    members: list[MemberIn]


@router.post("/households", response={201: HouseholdOut}, url_name="household_create")
def household_create(request: HttpRequest, payload: HouseholdIn) -> Status[HouseholdOut]:
    household = services.household_create(
        actor=request.user,
        data=services.HouseholdInput(
            village_code=payload.village_code, address=payload.address,
            urban_rural=payload.urban_rural, phone=payload.phone,
            members=[
                services.MemberInput(**m.dict(), field_prefix=f"members[{i}].")
                for i, m in enumerate(payload.members)
            ],
        ),
    )
    household = selectors.household_get(request.user, household.pk)
    return Status(201, _household_out(household, list(household.members.order_by("id"))))


@router.get("/households/{household_id}", response=HouseholdOut, url_name="household_detail")
def household_detail(request: HttpRequest, household_id: int) -> HouseholdOut:
    household = selectors.household_get(request.user, household_id)
    return _household_out(household, list(household.members.order_by("id")))


class PersonQuery(Schema):
    q: str = ""
    page: int = 1


@router.get("/persons", response=PersonPage, url_name="person_list")
def person_list(request: HttpRequest, filters: Query[PersonQuery]) -> PersonPage:
    paginator = Paginator(selectors.person_list(request.user, filters.q), 50)
    page = paginator.get_page(filters.page)
    return PersonPage(
        count=paginator.count, page=page.number, pages=paginator.num_pages,
        items=[_person_out(p, p.household.village_id) for p in page.object_list],
    )


class PersonIn(MemberIn):
    household_id: int


@router.post("/persons", response={201: PersonOut}, url_name="person_create")
def person_create(request: HttpRequest, payload: PersonIn) -> Status[PersonOut]:
    household = selectors.household_get(request.user, payload.household_id)
    person = services.person_add(
        actor=request.user, household=household,
        member=services.MemberInput(name=payload.name, id_number=payload.id_number,
                                    relation=payload.relation, phone=payload.phone),
    )
    return Status(201, _person_out(person, household.village_id))


@router.get("/persons/{person_id}", response=PersonOut, url_name="person_detail")
def person_detail(request: HttpRequest, person_id: int) -> PersonOut:
    person = selectors.person_get(request.user, person_id)
    return _person_out(person, person.household.village_id)
