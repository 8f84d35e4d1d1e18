"""Review tasks: a township's clerks list their open re-checks and close them with a note."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from jiuzhu.paging import CachedCountPaginator
from regions.scoping import scope, scoped_get_or_404

from . import tasks
from .models import Finding, ReviewTask, SourceItem, TaskStatus


class CloseForm(forms.Form):
    outcome_note = forms.CharField(label=gettext_lazy("复查结果"),
                                   widget=forms.Textarea(attrs={"rows": 4}))


def task_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", TaskStatus.OPEN)
    if status not in TaskStatus.values:
        status = TaskStatus.OPEN
    tasks_qs = scope(request.user, ReviewTask.objects.filter(status=status)).select_related(
        "household__village", "run").order_by("-id")
    page = CachedCountPaginator(tasks_qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-Boosted")
    return render(request, "verification/_task_table.html" if partial
                  else "verification/task_list.html", {
                      "page_obj": page, "status": status, "statuses": TaskStatus.choices,
                      "query": f"status={status}&", "target": "#task-table"})


@require_http_methods(["GET", "POST"])
def task_close(request: HttpRequest, pk: int) -> HttpResponse:
    task = scoped_get_or_404(request.user, ReviewTask.objects.select_related(
        "household__village", "run", "closed_by"), pk=pk)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tasks.review_task_close(actor=request.user, task_id=task.pk,
                                    outcome_note=form.cleaned_data["outcome_note"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("复查任务已办结"))
            return redirect("verification:task_list")
    findings = (scope(request.user, Finding.objects.filter(
        run=task.run, person__household=task.household, new=True))
        .exclude(consequence="").select_related("person", "source").order_by("person_id", "id"))
    labels = dict(((i.source_id, i.code), i.label) for i in SourceItem.objects.all())
    return render(request, "verification/task_close.html", {
        "task": task, "form": form,
        "findings": [(f, labels.get((f.source_id, f.item), f.item)) for f in findings],
    }, status=400 if request.method == "POST" else 200)
