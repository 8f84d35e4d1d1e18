"""Registry pages. Views parse input, call one service or selector, and render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.roles import CASE_INTAKE, FULL_RECORD_VIEWERS
from audit.services import record_access_log
from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from jiuzhu.paging import CachedCountPaginator
from regions.selectors import villages_for_user

from . import selectors, services
from .forms import (
    AssetForm,
    DisabilityForm,
    HouseholdCreateForm,
    HouseholdForm,
    IncomeForm,
    MemberForm,
    PersonEditForm,
)
from .models import Person


def _can_see_full(user: Any) -> bool:
    return bool(user.has_role(FULL_RECORD_VIEWERS))


def household_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.HouseholdFilter(
        village=request.GET.get("village", ""), q=request.GET.get("q", "")
    )
    page = CachedCountPaginator(selectors.household_list(request.user, filters), settings.PAGE_SIZE)
    page_obj = page.get_page(request.GET.get("page"))
    households = list(page_obj.object_list)
    applicants = selectors.applicants_for(households)
    counts = selectors.member_counts(households)
    context = {
        "page_obj": page_obj,
        "rows": [(h, applicants.get(h.pk), counts.get(h.pk, 0)) for h in households],
        "filters": filters,
        "villages": villages_for_user(request.user),
    }
    # htmx filter and paging requests swap only the table.
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-Boosted")
    template = "registry/_household_table.html" if partial else "registry/household_list.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    form = HouseholdCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            household = services.household_create(
                actor=request.user,
                data=services.HouseholdInput(
                    village_code=data["village"], address=data["address"], phone=data["phone"],
                    urban_rural=data["urban_rural"],
                    members=[services.MemberInput(
                        name=data["applicant_name"], id_number=data["applicant_id_number"],
                        relation="applicant", phone=data["applicant_phone"],
                        field_prefix="applicant_",
                    )],
                ),
            )
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("家庭已登记"))
            return redirect("registry:household_detail", household_id=household.pk)
    return render(request, "registry/household_form.html", {"form": form, "creating": True})


def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get(request.user, household_id)
    full = _can_see_full(request.user)
    if full:
        record_access_log(user=request.user, obj=household)
    return render(request, "registry/household_detail.html", {
        "household": household,
        "members": selectors.household_members(household),
        "assets": household.assets.select_related("owner").order_by("-as_of"),
        "full": full,
        "member_form": MemberForm(),
        "asset_form": AssetForm(),
        "can_apply": getattr(request.user, "role", None) in CASE_INTAKE,
        "cases": household.cases.select_related("programme").order_by("-id"),
    })


@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get(request.user, household_id)
    initial = {"village": household.village_id, "address": household.address,
               "phone": household.phone, "urban_rural": household.urban_rural}
    form = HouseholdForm(request.POST or None, initial=initial, user=request.user)
    form.fields["urban_rural"].required = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.household_update(
                actor=request.user, household=household, address=data["address"],
                phone=data["phone"], urban_rural=data["urban_rural"], village_code=data["village"],
            )
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("家庭信息已更新"))
            return redirect("registry:household_detail", household_id=household.pk)
    return render(request, "registry/household_form.html",
                  {"form": form, "household": household, "creating": False})


def household_history(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get(request.user, household_id)
    record_access_log(user=request.user, obj=household, channel="history")
    return render(request, "registry/household_history.html", {
        "household": household,
        "entries": selectors.household_history(household),
    })


@require_http_methods(["POST"])
def member_add(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get(request.user, household_id)
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            services.person_add(actor=request.user, household=household,
                                member=services.MemberInput(**form.cleaned_data))
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("成员已添加"))
            return redirect("registry:household_detail", household_id=household.pk)
    return render(request, "registry/member_form.html",
                  {"form": form, "household": household}, status=400)


def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(request.user, person_id)
    full = _can_see_full(request.user)
    if full:
        record_access_log(user=request.user, obj=person)
    return render(request, "registry/person_detail.html", {
        "person": person, "full": full,
        "incomes": person.incomes.order_by("-start_month"),
        "disabilities": person.disabilities.all(),
        "income_form": IncomeForm(), "disability_form": DisabilityForm(),
    })


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(request.user, person_id)
    initial = {f: getattr(person, f) for f in PersonEditForm.base_fields}
    form = PersonEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=request.user, person=person, **form.cleaned_data)
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("人员信息已更新"))
            return redirect("registry:person_detail", person_id=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "person": person})


def _person_subform(
    request: HttpRequest, person: Person, form: Any, title: str, save: Any
) -> HttpResponse:
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("registry:person_detail", person_id=person.pk)
    return render(request, "registry/subform.html",
                  {"form": form, "person": person, "title": title}, status=400)


@require_http_methods(["POST"])
def income_add(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(request.user, person_id)
    return _person_subform(
        request, person, IncomeForm(request.POST), _("添加收入"),
        lambda d: services.income_add(actor=request.user, person=person, **d),
    )


@require_http_methods(["POST"])
def disability_add(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(request.user, person_id)
    return _person_subform(
        request, person, DisabilityForm(request.POST), _("添加残疾信息"),
        lambda d: services.disability_add(actor=request.user, person=person, **d),
    )


@require_http_methods(["POST"])
def asset_add(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get(request.user, household_id)
    form = AssetForm(request.POST)
    if form.is_valid():
        try:
            services.asset_add(actor=request.user, household=household, **form.cleaned_data)
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("财产记录已添加"))
            return redirect("registry:household_detail", household_id=household.pk)
    return render(request, "registry/asset_form.html",
                  {"form": form, "household": household}, status=400)
