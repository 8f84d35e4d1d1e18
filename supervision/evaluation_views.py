"""Evaluation pages (绩效评估): schemes, a region's evaluation with its indicator table and the
county's scoring, the ranked table and the year-on-year comparison. Views parse input, call one
service or selector, and render."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import COUNTY_ONLY, Role
from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from jiuzhu.paging import CachedCountPaginator

from .evaluation_forms import ComputeForm, ScoreForm
from .models import Evaluation, EvaluationScheme, IndicatorSource
from .selectors import evaluation as selectors
from .services import evaluation as services

COUNTY_READERS = frozenset({Role.COUNTY_ADMIN, Role.AUDITOR})


def _partial(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))


def _is_county(user: Any) -> bool:
    """Whether to offer the county's actions; the route map enforces it (jiuzhu.access)."""
    return bool(user.has_role(COUNTY_ONLY))


def _reads_schemes(user: Any) -> bool:
    return bool(user.has_role(COUNTY_READERS))


@require_GET
def evaluation_list(request: HttpRequest) -> HttpResponse:
    page = CachedCountPaginator(selectors.evaluation_list(request.user),
                                settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {"page_obj": page, "query": ""}
    if _partial(request):
        return render(request, "supervision/evaluation/_evaluation_table.html", context)
    context["schemes"] = selectors.scheme_list() if _reads_schemes(request.user) else None
    return render(request, "supervision/evaluation/evaluation_list.html", context)


def _render_scheme(request: HttpRequest, scheme: EvaluationScheme,
                   form: ComputeForm | None = None) -> HttpResponse:
    if form is None and _is_county(request.user):
        form = ComputeForm(user=request.user, initial={
            "period_start": date(scheme.year, 1, 1), "period_end": date(scheme.year, 12, 31)})
    return render(request, "supervision/evaluation/scheme_detail.html", {
        "scheme": scheme, "dimensions": selectors.dimensions(scheme),
        "evaluations": selectors.evaluation_list(request.user).filter(scheme=scheme),
        "form": form, "manual": IndicatorSource.MANUAL,
    })


@require_GET
def scheme_detail(request: HttpRequest, scheme_id: int) -> HttpResponse:
    return _render_scheme(request, selectors.scheme_get(scheme_id))


@require_POST
def evaluation_compute(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = selectors.scheme_get(scheme_id)
    form = ComputeForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            evaluation = services.evaluation_compute(
                actor=request.user, scheme=scheme, region_code=data["region"],
                period_start=data["period_start"], period_end=data["period_end"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已按平台数据计算考评得分"))
            return redirect("evaluation:evaluation_detail", evaluation_id=evaluation.pk)
    messages.error(request, _("未保存，请按提示修改后重新提交"))
    return _render_scheme(request, scheme, form)


def _render_evaluation(request: HttpRequest, evaluation: Evaluation,
                       bound: ScoreForm | None = None) -> HttpResponse:
    can_score = _is_county(request.user) and evaluation.finalized_at is None
    groups = selectors.dimensions(evaluation.scheme, evaluation)
    forms: dict[int, ScoreForm] = {}
    if can_score:
        for group in groups:
            for row in group.rows:
                if row.indicator.source != IndicatorSource.MANUAL:
                    continue
                pk = row.indicator.pk
                if bound is not None and bound.data.get("indicator") == str(pk):
                    forms[pk] = bound
                else:
                    forms[pk] = ScoreForm(auto_id=f"id_s{pk}_%s", initial={
                        "indicator": pk, "points": row.score.points if row.score else "",
                        "note": row.score.note if row.score else ""})
    return render(request, "supervision/evaluation/evaluation_detail.html", {
        "evaluation": evaluation,
        "table": [(g, [(r, forms.get(r.indicator.pk)) for r in g.rows]) for g in groups],
        "can_score": can_score, "manual": IndicatorSource.MANUAL,
        "unscored": sum(1 for g in groups for r in g.rows if r.score is None),
    })


@require_GET
def evaluation_detail(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    return _render_evaluation(request, selectors.evaluation_get(request.user, evaluation_id))


@require_POST
def evaluation_recompute(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(request.user, evaluation_id)
    try:
        services.evaluation_compute(
            actor=request.user, scheme=evaluation.scheme, region_code=evaluation.region_id,
            period_start=evaluation.period_start, period_end=evaluation.period_end)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已按平台数据重新计算"))
    return redirect("evaluation:evaluation_detail", evaluation_id=evaluation.pk)


@require_POST
def score_enter(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(request.user, evaluation_id)
    indicator_id = request.POST.get("indicator", "")
    form = ScoreForm(request.POST, auto_id=f"id_s{indicator_id}_%s")
    if form.is_valid():
        data = form.cleaned_data
        indicator = evaluation.scheme.indicators.filter(pk=data["indicator"]).first()
        try:
            if indicator is None:
                raise ApplicationError(_("该指标不属于本考评方案"), field="indicator")
            services.score_enter(actor=request.user, evaluation=evaluation, indicator=indicator,
                                 points=data["points"], note=data["note"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已保存“%(name)s”得分") % {"name": indicator.name})
            return redirect("evaluation:evaluation_detail", evaluation_id=evaluation.pk)
    messages.error(request, _("未保存，请按提示修改后重新提交"))
    return _render_evaluation(request, evaluation, form)


@require_POST
def evaluation_finalize(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(request.user, evaluation_id)
    try:
        services.evaluation_finalize(actor=request.user, evaluation=evaluation)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已定档，考评结果不再变动"))
    return redirect("evaluation:evaluation_detail", evaluation_id=evaluation.pk)


@require_GET
def ranking(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = selectors.scheme_get(scheme_id)
    return render(request, "supervision/evaluation/ranking.html", {
        "scheme": scheme, "rows": selectors.ranking(request.user, scheme)})


@require_GET
def year_on_year(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = selectors.scheme_get(scheme_id)
    return render(request, "supervision/evaluation/year_on_year.html", {
        "scheme": scheme, "previous": selectors.previous_scheme(scheme),
        "rows": selectors.year_on_year(request.user, scheme)})
