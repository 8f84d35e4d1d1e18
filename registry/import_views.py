from django.http import HttpRequest, HttpResponse


def import_start(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def import_template(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    raise NotImplementedError
