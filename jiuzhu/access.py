"""Who may use each route: one map, enforced by one middleware, checked complete by a test.

Every URL name (pages and API operations alike) must have an entry. A route without one is
refused (fail closed) and `test_route_permissions` fails, so a new route cannot ship unguarded.
Object-level access (which township's rows) is the scoping function's job, not this map's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from accounts.roles import (
    CASE_INTAKE,
    CASE_READERS,
    CASE_WORKERS,
    COUNTY_ONLY,
    FULL_RECORD_VIEWERS,
    REGISTRY_READERS,
    REGISTRY_WRITERS,
    STAFF_ROLES,
    Role,
)

logger = logging.getLogger(__name__)

PUBLIC = "public"
Roles = frozenset[str]
# A rule is PUBLIC, a set of roles, or a set per HTTP method (ninja serves list and create on one
# path, and Django resolves both to the first operation's name).
Rule = str | Roles | dict[str, Roles]


def by_method(*, read: Roles, write: Roles) -> dict[str, Roles]:
    return {"GET": read, "HEAD": read, "POST": write, "PUT": write, "PATCH": write,
            "DELETE": write}


# Namespaces whose own views enforce access (Django admin requires is_staff itself).
SELF_GUARDED_NAMESPACES = {"admin"}

# 部门数据: the county and the auditor read every source, department liaisons their own.
DEPARTMENT_DATA_READERS = frozenset({Role.COUNTY_ADMIN, Role.AUDITOR, Role.LIAISON})
DEPARTMENT_DATA_WRITERS = frozenset({Role.COUNTY_ADMIN, Role.LIAISON})

ROUTE_PERMISSIONS: dict[str, Rule] = {
    # accounts
    "accounts:login": PUBLIC,
    "accounts:logout": STAFF_ROLES,
    "set_language": PUBLIC,
    # dashboard
    "dashboard:home": STAFF_ROLES,
    # registry pages
    "registry:household_list": REGISTRY_READERS,
    "registry:household_detail": REGISTRY_READERS,
    "registry:household_create": REGISTRY_WRITERS,
    "registry:household_edit": REGISTRY_WRITERS,
    "registry:household_history": FULL_RECORD_VIEWERS,
    "registry:member_add": REGISTRY_WRITERS,
    "registry:person_detail": REGISTRY_READERS,
    "registry:person_edit": REGISTRY_WRITERS,
    "registry:income_add": REGISTRY_WRITERS,
    "registry:asset_add": REGISTRY_WRITERS,
    "registry:disability_add": REGISTRY_WRITERS,
    "registry:import_start": REGISTRY_WRITERS,
    "registry:import_detail": REGISTRY_WRITERS,
    "registry:import_template": REGISTRY_WRITERS,
    # cases (the state machine checks each move's role; these gate the pages)
    "cases:case_list": CASE_READERS,
    "cases:overdue": CASE_READERS,
    "cases:case_create": CASE_INTAKE,
    "cases:case_detail": CASE_READERS,
    "cases:case_move": CASE_WORKERS,
    "cases:survey": frozenset({Role.CLERK, Role.GRID_WORKER}),
    "cases:verification": COUNTY_ONLY,
    "cases:opinion": frozenset({Role.REVIEWER}),
    "cases:selfcare": frozenset({Role.CLERK, Role.REVIEWER, Role.COUNTY_ADMIN}),
    "cases:consent": frozenset({Role.CLERK}),
    "cases:objection": frozenset({Role.REVIEWER}),
    "cases:meeting": COUNTY_ONLY,
    "cases:document_upload": CASE_WORKERS,
    "cases:document_download": CASE_READERS,
    "cases:notice": CASE_READERS,
    # relief (临时救助备用金): townships read their own fund, the county tops funds up
    "relief:fund_list": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR}),
    "relief:fund_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR}),
    "relief:allocate": COUNTY_ONLY,
    # payroll runs (一卡通发放批次)
    # Townships and the auditor read their county's runs (lines scoped per township); only the
    # county computes, approves and reopens (maker-checker is checked by the service).
    "payroll:run_list": by_method(
        read=frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR}),
        write=COUNTY_ONLY),
    "payroll:run_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                     Role.AUDITOR}),
    "payroll:run_lines": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR}),
    "payroll:run_recompute": COUNTY_ONLY,
    "payroll:run_approve": COUNTY_ONLY,
    "payroll:run_reopen": COUNTY_ONLY,
    "api:payroll_run_list": by_method(
        read=frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR}),
        write=COUNTY_ONLY),
    "api:payroll_run_create": by_method(
        read=frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR}),
        write=COUNTY_ONLY),
    "api:payroll_run_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                         Role.AUDITOR}),
    "api:payroll_run_approve": COUNTY_ONLY,
    "api:payroll_run_reopen": COUNTY_ONLY,
    # -- end payroll
    # bank files, returns, reconciliation, 一卡通 accounts
    # Townships read the reconciliation of their own lines (to fix accounts); only the county
    # sends files (full account numbers), imports returns and re-issues.
    "bank:run_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR}),
    "bank:file_create": COUNTY_ONLY,
    "bank:return_import": COUNTY_ONLY,
    "bank:reissue": COUNTY_ONLY,
    "bank:file_download": COUNTY_ONLY,
    "bank:account_section": by_method(read=REGISTRY_READERS, write=REGISTRY_WRITERS),
    "bank:account_close": REGISTRY_WRITERS,
    # -- end bank
    # enrollments: adjustments (补发/追回/金额变更), re-checks, suspension and ending
    # (townships read their own recipients and record re-checks; the county decides the rest)
    "enrollment:enrollment_list": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                             Role.AUDITOR}),
    "enrollment:enrollment_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                               Role.AUDITOR}),
    "enrollment:back_pay": COUNTY_ONLY,
    "enrollment:recovery": COUNTY_ONLY,
    "enrollment:repayment": COUNTY_ONLY,
    "enrollment:write_off": COUNTY_ONLY,
    "enrollment:amount_change": COUNTY_ONLY,
    "enrollment:status": COUNTY_ONLY,
    "enrollment:recheck_list": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                          Role.AUDITOR}),
    "enrollment:recheck_decide": frozenset({Role.COUNTY_ADMIN, Role.CLERK}),
    # -- end enrollment
    # monthly statistics reports
    # Aggregates only (no names), for the staff who answer for a region's figures; the view
    # 404s a region outside the user's scope.
    "report:monthly": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR}),
    # -- end report
    # care cards (暖心关怀联系卡): staff pages and the card API
    # -- end cards
    # grid workers' visits
    # -- end visits
    # 微心愿 ledger
    # -- end wishes
    # outreach events (救助赶大集)
    # -- end events
    # hotline tickets
    # -- end tickets
    # verification batches and rules (county); findings pages are scoped per township
    "runs:run_list": by_method(read=CASE_READERS, write=COUNTY_ONLY),
    "runs:run_detail": CASE_READERS,
    "runs:run_progress": CASE_READERS,
    "runs:rule_list": by_method(read=frozenset({Role.COUNTY_ADMIN, Role.AUDITOR}),
                                write=COUNTY_ONLY),
    "runs:rule_toggle": COUNTY_ONLY,
    # case verification reports (scoped via the case), review tasks, integrity matching (county)
    "verification:case_verify": COUNTY_ONLY,
    "verification:report_detail": CASE_READERS,
    "verification:report_pdf": CASE_READERS,
    "verification:task_list": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                         Role.AUDITOR}),
    "verification:task_close": frozenset({Role.COUNTY_ADMIN, Role.CLERK}),
    "verification:integrity_list": COUNTY_ONLY,
    "verification:integrity_review": COUNTY_ONLY,
    "verification:staff_relatives": COUNTY_ONLY,
    "verification:staff_relative_import": COUNTY_ONLY,
    # department data (部门数据): a liaison sees and uploads only its own department's sources
    # (verification.selectors); the auditor reads
    "verification:source_list": DEPARTMENT_DATA_READERS,
    "verification:source_detail": by_method(read=DEPARTMENT_DATA_READERS,
                                            write=DEPARTMENT_DATA_WRITERS),
    "verification:snapshot_detail": by_method(read=DEPARTMENT_DATA_READERS,
                                              write=DEPARTMENT_DATA_WRITERS),
    "api:verification_source_list": DEPARTMENT_DATA_READERS,
    "api:verification_snapshot_create": by_method(read=DEPARTMENT_DATA_READERS,
                                                  write=DEPARTMENT_DATA_WRITERS),
    # calendar
    "calendar_days:year": STAFF_ROLES,
    "calendar_days:day_set": COUNTY_ONLY,
    "calendar_days:year_publish": COUNTY_ONLY,
    # policies
    "policies:programme_list": STAFF_ROLES,
    "policies:parameter_list": STAFF_ROLES,
    "policies:parameter_create": COUNTY_ONLY,
    "policies:qa": PUBLIC,
    # citizen portal (no login; the progress query is throttled, notices need a verified query)
    "portal:home": PUBLIC,
    "portal:apply": PUBLIC,
    "portal:apply_done": PUBLIC,
    "portal:progress": PUBLIC,
    "portal:notice": PUBLIC,
    "portal:publicity_index": PUBLIC,
    "portal:publicity_village": PUBLIC,
    "portal:objection": PUBLIC,
    "portal:calculator": PUBLIC,
    # portal disclosure (政策公开, 救助对象名单)
    # -- end portal disclosure
    # care card public page (opened by the QR code's token; throttled)
    # -- end card public
    # API: public tools
    "api:openapi-json": PUBLIC,
    "api:openapi-view": PUBLIC,
    "api:idcard": PUBLIC,
    "api:add_working_days": PUBLIC,
    "api:regions": PUBLIC,
    "api:calculator_dibao": PUBLIC,
    # API: cases (each move's own roles are checked by cases.workflow)
    "api:case_list": CASE_READERS,
    "api:case_detail": CASE_READERS,
    "api:case_move": CASE_WORKERS,
    "api:api-root": PUBLIC,
    # API: registry
    "api:household_list": by_method(read=REGISTRY_READERS, write=REGISTRY_WRITERS),
    "api:household_create": by_method(read=REGISTRY_READERS, write=REGISTRY_WRITERS),
    "api:household_detail": REGISTRY_READERS,
    "api:person_list": by_method(read=REGISTRY_READERS, write=REGISTRY_WRITERS),
    "api:person_create": by_method(read=REGISTRY_READERS, write=REGISTRY_WRITERS),
    "api:person_detail": REGISTRY_READERS,
}


def permission_for(view_name: str) -> Rule | None:
    namespace = view_name.split(":", 1)[0] if ":" in view_name else ""
    if namespace in SELF_GUARDED_NAMESPACES:
        return PUBLIC
    return ROUTE_PERMISSIONS.get(view_name)


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _deny(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "403.html", {"message": message}, status=status)


class RoutePermissionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        try:
            view_name = resolve(request.path_info).view_name
        except Resolver404:
            return None
        rule = permission_for(view_name)
        if rule is None:
            logger.error("route %s has no permission entry; refused", view_name)
            return _deny(request, 403, "该功能未配置访问权限")
        if rule == PUBLIC:
            return None
        user = request.user
        if getattr(request, "bearer_invalid", False):
            return _deny(request, 401, "令牌无效或已吊销")
        if not user.is_authenticated:
            if _is_api(request):
                return _deny(request, 401, "请先登录或提供 API 令牌")
            return redirect_to_login(request.get_full_path())
        roles = rule.get(request.method or "GET", frozenset()) if isinstance(rule, dict) else rule
        if user.is_superuser or getattr(user, "role", "") in roles:
            return None
        return _deny(request, 403, "您的角色无权使用此功能")
