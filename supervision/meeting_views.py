"""联席会议 pages: the list, recording a meeting, and one meeting with the cases discussed
(一事一议), each case's own 一事一议 record, and the follow-up tasks with their state. Views parse
input, call one service or selector, render."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error
from jiuzhu.paging import CachedCountPaginator
from regions.selectors import townships_for_user

from .ledger_forms import MeetingFilterForm, MeetingForm, MeetingItemForm, MeetingTaskForm
from .models import Meeting
from .selectors import meetings as selectors
from .selectors.ledgers import is_overdue, may_use
from .services import meetings as services


def _query_string(request: HttpRequest) -> str:
    query = "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page" and v)
    return f"{query}&" if query else ""


@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    filters = MeetingFilterForm(request.GET).meeting_filter()
    page = CachedCountPaginator(selectors.meeting_list(request.user, filters),
                                settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page, "filters": filters, "query": _query_string(request),
        "townships": townships_for_user(request.user),
        "can_create": may_use(request.user, "meetings:meeting_create"),
    }
    template = ("supervision/meetings/_meeting_table.html"
                if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted")
                else "supervision/meetings/meeting_list.html")
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    form = MeetingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            meeting = services.meeting_create(
                actor=request.user, region_code=d["region"], held_on=d["held_on"],
                title=d["title"], chair=d["chair"], attendees=d["attendees"],
                minutes=d["minutes"])
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("已登记联席会议，请登记议题和交办任务"))
            return redirect("meetings:meeting_detail", meeting_id=meeting.pk)
    return render(request, "supervision/meetings/meeting_form.html", {"form": form})


def _render_detail(request: HttpRequest, meeting: Meeting, *, item_form: forms.Form | None = None,
                   task_form: forms.Form | None = None, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    can_record = services.may_record(meeting, request.user)
    tasks = [{"item": t, "overdue": is_overdue(t, today)} for t in meeting.tasks.all()]
    return render(request, "supervision/meetings/meeting_detail.html", {
        "meeting": meeting, "tasks": tasks, "can_record": can_record,
        "item_form": (item_form or MeetingItemForm()) if can_record else None,
        "task_form": (task_form or MeetingTaskForm(meeting_region=meeting.region))
        if can_record else None,
    }, status=status)


@require_GET
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _render_detail(request, selectors.meeting_get(request.user, meeting_id))


def _failed(request: HttpRequest, meeting: Meeting, form: forms.Form,
            exc: ApplicationError | None, *, task: bool) -> HttpResponse:
    if exc is not None and exc.field is None:
        messages.error(request, exc.message)
        return _render_detail(request, meeting, status=exc.status)
    if exc is not None:
        attach_error(form, exc)
    messages.error(request, _("未保存，请按提示修改后重新提交"))
    forms_ = {"task_form": form} if task else {"item_form": form}
    return _render_detail(request, meeting, status=exc.status if exc else 400, **forms_)


@require_POST
def item_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.meeting_get(request.user, meeting_id)
    form = MeetingItemForm(request.POST)
    if not form.is_valid():
        return _failed(request, meeting, form, None, task=False)
    d = form.cleaned_data
    try:
        services.meeting_item_add(actor=request.user, meeting_id=meeting.pk,
                                  case_number=d["case_number"], subject=d["subject"],
                                  decision=d["decision"])
    except ApplicationError as exc:
        return _failed(request, meeting, form, exc, task=False)
    messages.success(request, _("已登记议题"))
    return redirect("meetings:meeting_detail", meeting_id=meeting.pk)


@require_POST
def task_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.meeting_get(request.user, meeting_id)
    form = MeetingTaskForm(request.POST, meeting_region=meeting.region)
    if not form.is_valid():
        return _failed(request, meeting, form, None, task=True)
    d = form.cleaned_data
    try:
        item = services.meeting_task_create(
            actor=request.user, meeting_id=meeting.pk, region_code=d["region"], title=d["title"],
            responsible_unit=d["responsible_unit"], responsible_person=d["responsible_person"],
            due_on=d["due_on"], measures=d["measures"])
    except ApplicationError as exc:
        return _failed(request, meeting, form, exc, task=True)
    messages.success(request, _("已交办任务 %(n)s，纳入任务清单跟踪销号") % {"n": item.number})
    return redirect("meetings:meeting_detail", meeting_id=meeting.pk)
