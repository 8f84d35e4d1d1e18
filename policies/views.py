from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiuzhu.errors import ApplicationError
from jiuzhu.forms import attach_error

from .forms import ParameterForm
from .models import Parameter, PolicyQA, Programme
from .services import parameter_set


def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = Programme.objects.select_related("department").filter(active=True)
    return render(request, "policies/programme_list.html", {"programmes": programmes})


def parameter_list(request: HttpRequest) -> HttpResponse:
    key = request.GET.get("key", "").strip()
    qs = Parameter.objects.select_related("region")
    if key:
        qs = qs.filter(key__startswith=key)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "policies/parameter_list.html", {"page_obj": page, "key": key})


@require_http_methods(["GET", "POST"])
def parameter_create(request: HttpRequest) -> HttpResponse:
    form = ParameterForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            parameter_set(actor=request.user, region_code=data.pop("region"), **data)
        except ApplicationError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("参数已保存"))
            return redirect("policies:parameter_list")
    return render(request, "policies/parameter_form.html", {"form": form})


def qa(request: HttpRequest) -> HttpResponse:
    """政策一本通: public, searchable by words in the question, answer or keywords."""
    q = request.GET.get("q", "").strip()
    items = PolicyQA.objects.select_related("programme", "programme__department")
    if q:
        items = items.filter(
            Q(question__icontains=q) | Q(answer__icontains=q) | Q(keywords__icontains=q)
        )
    programmes = Programme.objects.select_related("department").filter(active=True)
    return render(request, "policies/qa.html", {"items": items, "q": q, "programmes": programmes})
