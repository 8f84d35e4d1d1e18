"""Batch re-verification pages: start a run, follow its progress, read its findings; rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error, set_choices
from jiuzhu.paging import CachedCountPaginator
from policies.params import param_or
from regions.models import Level, Region
from regions.scoping import scope, scope_with_ancestors
from regions.selectors import regions_for_user

from . import engine, services
from .models import Consequence, DataSource, Finding, Rule, RunKind, SourceItem, VerificationRun


def _batch_regions(user: Any) -> list[tuple[str, str]]:
    """The county and its townships the user may start a batch or set a rule for."""
    return [(r.code, r.name) for r in regions_for_user(user, Level.COUNTY, Level.TOWNSHIP)]


class RunForm(forms.Form):
    region = forms.ChoiceField(label=gettext_lazy("复核范围"))


def _inline_limit(region_code: str) -> int:
    # Small runs finish within the request; bigger ones wait for `manage.py verification_worker`.
    return int(param_or("verification.inline_limit", region_code, timezone.localdate(), 20_000))


@require_http_methods(["GET", "POST"])
def run_list(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST or None)
    set_choices(form, "region", _batch_regions(request.user))
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["region"]
        try:
            run = services.recipients_run_create(actor=request.user, region_code=code)
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            if run.persons_total <= _inline_limit(code):
                services.run_complete(run.pk)
                messages.success(request, _("批量复核已完成"))
            else:
                messages.success(request, _("批量复核已排队，后台处理中"))
            return redirect("runs:run_detail", pk=run.pk)
    runs = scope_with_ancestors(request.user,
                                VerificationRun.objects.filter(kind=RunKind.RECIPIENTS))
    page = CachedCountPaginator(runs.order_by("-id"), settings.PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "verification/run_list.html",
                  {"form": form, "page_obj": page, "query": ""})


def _run(request: HttpRequest, pk: int) -> VerificationRun:
    # A township follows county-wide runs; what it reads of them (findings) is scoped below.
    run = scope_with_ancestors(request.user, VerificationRun.objects.filter(pk=pk)).first()
    if run is None:
        raise Http404
    return run


def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment; htmx polls it every 2 s while the run is not done."""
    run = _run(request, pk)
    return render(request, "verification/_run_progress.html",
                  {"run": run, "time_left": engine.run_time_left(run)})


def _findings(request: HttpRequest, run: VerificationRun) -> QuerySet[Finding]:
    return scope(request.user, Finding.objects.filter(run=run))


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    findings = _findings(request, run)
    by_township = (findings.annotate(township=Substr("village_code", 1, 9))
                   .values("township").annotate(
                       hits=Count("id"), new=Count("id", filter=Q(new=True)),
                       flagged=Count("id", filter=~Q(consequence="")))
                   .order_by("township"))
    names = dict(Region.objects.filter(level=Level.TOWNSHIP).values_list("code", "name"))
    rows = [{**r, "name": names.get(r["township"] + "000", r["township"])} for r in by_township]
    labels = dict(((i.source_id, i.code), i.label) for i in SourceItem.objects.all())
    new_only = request.GET.get("new") == "1"
    listed = findings.filter(new=True) if new_only else findings
    page = CachedCountPaginator(
        listed.select_related("person", "source").order_by("village_code", "person_id", "id"),
        settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "verification/run_detail.html", {
        "run": run, "time_left": engine.run_time_left(run), "townships": rows,
        "page_obj": page, "new_only": new_only, "query": "new=1&" if new_only else "",
        "gone": _gone(run, request),
        # The runs compared with, newest first, as "12、#9" for "与上次复核（#12、#9）相比".
        "compared_with": "、#".join(str(pk) for pk, _low, _high in run.baseline),
        "rows": [(f, labels.get((f.source_id, f.item), f.item)) for f in page.object_list],
    })


def _gone(run: VerificationRun, request: HttpRequest) -> int:
    """Findings of the runs this one was compared with that it no longer finds (a car sold)."""
    if not run.baseline:
        return 0
    current = Finding.objects.filter(run=run)
    return scope(request.user, engine.baseline_findings(run)).exclude(
        person_id__in=current.values("person_id")).count()


class RuleForm(forms.Form):
    region = forms.ChoiceField(label=gettext_lazy("适用地区"))
    item = forms.ChoiceField(label=gettext_lazy("核对项目"))
    operator = forms.ChoiceField(label=gettext_lazy("条件"), choices=Rule.Operator.choices)
    threshold = forms.CharField(label=gettext_lazy("阈值（比较时填写）"), required=False,
                                max_length=20)
    consequence = forms.ChoiceField(label=gettext_lazy("处理"), choices=Consequence.choices)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=200)


@require_http_methods(["GET", "POST"])
def rule_list(request: HttpRequest) -> HttpResponse:
    form = RuleForm(request.POST or None)
    set_choices(form, "region", _batch_regions(request.user))
    set_choices(form, "item", [
        (f"{i.source_id}:{i.code}", f"{i.source.name} · {i.label}")
        for i in SourceItem.objects.select_related("source").filter(source__active=True)])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        source, _sep, item = d["item"].partition(":")
        try:
            services.rule_create(actor=request.user, region_code=d["region"], source=source,
                                 item=item, operator=d["operator"], threshold=d["threshold"],
                                 consequence=d["consequence"], note=d["note"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("规则已添加"))
            return redirect("runs:rule_list")
    rules = Rule.objects.select_related("region", "source").order_by("-active", "source", "item")
    labels = dict(((i.source_id, i.code), i.label) for i in SourceItem.objects.all())
    return render(request, "verification/rule_list.html", {
        "form": form, "rules": [(r, labels.get((r.source_id, r.item), r.item)) for r in rules],
        "sources": DataSource.objects.count(),
    })


@require_http_methods(["POST"])
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    try:
        services.rule_set_active(actor=request.user, rule=rule, active=not rule.active)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("runs:rule_list")
