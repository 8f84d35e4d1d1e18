from datetime import date

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jiuzhu.errors import ApplicationError

from .models import CalendarDay, DayKind, ScheduleYear
from .services import calendar_day_set, schedule_year_publish


class DayForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        choices=[("", gettext_lazy("恢复为普通日")), *DayKind.choices], required=False,
    )
    name = forms.CharField(label=gettext_lazy("名称"), max_length=32, required=False)


def year(request: HttpRequest) -> HttpResponse:
    try:
        shown = int(request.GET.get("year", date.today().year))
    except ValueError:
        shown = date.today().year
    return render(request, "calendar_days/year.html", {
        "year": shown,
        "days": CalendarDay.objects.filter(date__year=shown),
        "schedule": ScheduleYear.objects.filter(year=shown).first(),
        "form": DayForm(),
        "can_edit": request.user.has_role({"county_admin"}),  # type: ignore[union-attr]
    })


@require_POST
def day_set(request: HttpRequest) -> HttpResponse:
    form = DayForm(request.POST)
    if form.is_valid():
        try:
            calendar_day_set(actor=request.user, day=form.cleaned_data["date"],
                             kind=form.cleaned_data["kind"], name=form.cleaned_data["name"])
            messages.success(request, _("已保存"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect(f"/calendar/?year={form.cleaned_data['date'].year}")
    messages.error(request, _("日期格式不正确"))
    return redirect("calendar_days:year")


@require_POST
def year_publish(request: HttpRequest) -> HttpResponse:
    try:
        shown = int(request.POST.get("year", ""))
        schedule_year_publish(actor=request.user, year=shown,
                              published=request.POST.get("published") == "1")
    except ValueError:
        messages.error(request, _("年份格式不正确"))
        return redirect("calendar_days:year")
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("calendar_days:year")
    messages.success(request, _("已保存"))
    return redirect(f"/calendar/?year={shown}")
