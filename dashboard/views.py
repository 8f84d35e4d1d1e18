from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html", {
        "counts": selectors.region_counts(request.user),
        "townships": selectors.township_breakdown(request.user),
    })
