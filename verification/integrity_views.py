"""County pages for integrity matching: hits to review, and the register of officials' relatives."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error, set_choices
from jiuzhu.paging import CachedCountPaginator
from regions.models import Level, Region
from regions.scoping import code_range, scope, scoped_get_or_404

from . import integrity
from .models import IntegrityHit, IntegrityKind, IntegrityStatus, KinRelation, StaffRelative


@require_http_methods(["GET", "POST"])
def integrity_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            result = integrity.integrity_check(actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("比对完成：新增近亲属疑点 %(r)s 条，死亡人员疑点 %(d)s 条") % {
                "r": result.staff_relative, "d": result.death})
        return redirect("verification:integrity_list")
    status = request.GET.get("status", IntegrityStatus.OPEN)
    if status not in IntegrityStatus.values:
        status = IntegrityStatus.OPEN
    hits = scope(request.user, IntegrityHit.objects.filter(status=status)).select_related(
        "person", "enrollment__programme", "reviewed_by").order_by("-id")
    page = CachedCountPaginator(hits, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "verification/integrity_list.html", {
        "page_obj": page, "status": status, "statuses": IntegrityStatus.choices,
        "query": f"status={status}&", "target": "main"})


class ReviewForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("核实结论"), choices=[
        (IntegrityStatus.CONFIRMED, IntegrityStatus.CONFIRMED.label),
        (IntegrityStatus.DISMISSED, IntegrityStatus.DISMISSED.label)])
    review_note = forms.CharField(label=gettext_lazy("核实说明（理由）"),
                                  widget=forms.Textarea(attrs={"rows": 3}))


@require_http_methods(["GET", "POST"])
def integrity_review(request: HttpRequest, pk: int) -> HttpResponse:
    hit = scoped_get_or_404(request.user, IntegrityHit.objects.select_related(
        "person__household__village", "enrollment__programme", "reviewed_by"), pk=pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            integrity.integrity_hit_review(actor=request.user, hit_id=hit.pk,
                                           status=form.cleaned_data["status"],
                                           note=form.cleaned_data["review_note"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("核实结论已记录"))
            return redirect("verification:integrity_list")
    relatives = (scope(request.user, StaffRelative.objects.filter(
        relative_id_number=hit.person.id_number)) if hit.kind == IntegrityKind.STAFF_RELATIVE
        else StaffRelative.objects.none())
    return render(request, "verification/integrity_review.html", {
        "hit": hit, "form": form, "relatives": relatives,
    }, status=400 if request.method == "POST" else 200)


class RelativeForm(forms.Form):
    official_name = forms.CharField(label=gettext_lazy("干部姓名"), max_length=50)
    official_post = forms.CharField(label=gettext_lazy("职务"), max_length=64)
    organisation = forms.CharField(label=gettext_lazy("工作单位"), max_length=100)
    relative_name = forms.CharField(label=gettext_lazy("亲属姓名"), max_length=50)
    relative_id_number = forms.CharField(label=gettext_lazy("亲属身份证号码"), max_length=18)
    relation = forms.ChoiceField(label=gettext_lazy("关系"), choices=KinRelation.choices)
    region = forms.ChoiceField(label=gettext_lazy("所属区划"))


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("备案文件（CSV）"))


def _regions(user: Any) -> list[tuple[str, str]]:
    prefix = user.region.prefix if getattr(user, "region", None) else ""
    return [(r.code, r.name) for r in Region.objects.filter(
        code__range=code_range(prefix), level__in=[Level.COUNTY, Level.TOWNSHIP],
        valid_to__isnull=True).order_by("code")]


@require_http_methods(["GET", "POST"])
def staff_relatives(request: HttpRequest) -> HttpResponse:
    form = RelativeForm(request.POST or None)
    set_choices(form, "region", _regions(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            integrity.staff_relative_add(actor=request.user, data=integrity.RelativeInput(
                official_name=d["official_name"], official_post=d["official_post"],
                organisation=d["organisation"], relative_name=d["relative_name"],
                relative_id_number=d["relative_id_number"], relation=d["relation"],
                region_code=d["region"]))
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已登记"))
            return redirect("verification:staff_relatives")
    rows = scope(request.user, StaffRelative.objects.select_related("region")).order_by("-id")
    page = CachedCountPaginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "verification/staff_relatives.html", {
        "form": form, "import_form": ImportForm(), "page_obj": page, "query": "",
        "target": "main", "columns": integrity.IMPORT_COLUMNS,
    }, status=400 if request.method == "POST" else 200)


@require_http_methods(["POST"])
def staff_relative_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择 CSV 文件"))
        return redirect("verification:staff_relatives")
    try:
        added, known = integrity.staff_relatives_import(
            actor=request.user, content=form.cleaned_data["file"].read())
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("导入 %(a)s 条，已备案跳过 %(k)s 条") % {"a": added, "k": known})
    return redirect("verification:staff_relatives")
