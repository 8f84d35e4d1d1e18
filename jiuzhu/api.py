"""The JSON API under /api/v1. Authentication and route permissions are enforced by middleware
(accounts.middleware, jiuzhu.access) so pages and API share one permission map."""

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError

from benefits.api import router as payroll_router
from calendar_days.api import router as calendar_router
from cards.api import router as cards_router
from cases.api import router as cases_router
from monitoring.api import router as monitoring_router
from outreach.api import router as outreach_router
from regions.api import router as regions_router
from registry.api import router as registry_router
from supervision.api import router as supervision_router
from tickets.api import router as tickets_router
from verification.api import router as verification_router

from .errors import ApplicationError

api = NinjaAPI(
    title="救助平台 API", version="1.0.0", urls_namespace="api",
    description="jiuzhu 社会救助综合平台。受保护接口使用 `Authorization: Bearer TOKEN`。",
)
api.add_router("", regions_router)
api.add_router("", calendar_router)
api.add_router("", registry_router)
api.add_router("", cases_router)
api.add_router("", verification_router)
api.add_router("", payroll_router)
api.add_router("", cards_router)
api.add_router("", outreach_router)
api.add_router("", tickets_router)
api.add_router("", monitoring_router)
api.add_router("", supervision_router)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "未找到"}, status=404)


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [".".join(str(p) for p in e.get("loc", [])[1:]) for e in exc.errors]
    return api.create_response(
        request,
        {"detail": "请求数据格式不正确：" + "、".join(f for f in fields if f), "errors": exc.errors},
        status=400,
    )
