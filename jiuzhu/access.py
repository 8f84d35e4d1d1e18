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
    # The county and the township's clerk and reviewer issue, revoke and re-issue; the grid
    # worker reads (and prints) the cards of the village; the auditor reads. The API issues a
    # card when there is none, so the read-only auditor may not call it.
    "cards:card_list": REGISTRY_READERS,
    "cards:card_detail": REGISTRY_READERS,
    "cards:card_pdf": REGISTRY_READERS,
    "cards:batch_list": REGISTRY_READERS,
    "cards:batch_detail": REGISTRY_READERS,
    "cards:batch_pdf": REGISTRY_READERS,
    "cards:sheet_pdf": REGISTRY_READERS,
    "cards:batch_create": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    "cards:card_issue": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    "cards:card_revoke": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    "cards:card_reissue": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    # Grid workers may read a card (the service returns an existing one to them) but not
    # issue one; the service refuses them with 403 when the household has no live card.
    "api:household_card": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                     Role.GRID_WORKER}),
    # -- end cards
    # grid workers' visits
    # Lists and records are read by the village's grid worker, its township and the county
    # (the auditor too); recording is for all of them but the auditor. The service checks the
    # recorder's region against the household's village.
    "visits:visit_list": frozenset({Role.GRID_WORKER, Role.CLERK, Role.REVIEWER,
                                    Role.COUNTY_ADMIN, Role.AUDITOR}),
    "visits:household_visits": frozenset({Role.GRID_WORKER, Role.CLERK, Role.REVIEWER,
                                          Role.COUNTY_ADMIN, Role.AUDITOR}),
    "visits:visit_create": frozenset({Role.GRID_WORKER, Role.CLERK, Role.REVIEWER,
                                      Role.COUNTY_ADMIN}),
    "visits:visit_detail": frozenset({Role.GRID_WORKER, Role.CLERK, Role.REVIEWER,
                                      Role.COUNTY_ADMIN, Role.AUDITOR}),
    "visits:visit_photo": frozenset({Role.GRID_WORKER, Role.CLERK, Role.REVIEWER,
                                     Role.COUNTY_ADMIN, Role.AUDITOR}),
    "visits:visit_signature": frozenset({Role.GRID_WORKER, Role.CLERK, Role.REVIEWER,
                                         Role.COUNTY_ADMIN, Role.AUDITOR}),
    # -- end visits
    # 微心愿 ledger
    # Each step's own roles are checked by outreach.services.wishes (MOVES); the export (every
    # name in the region at once) is for township and county staff and the auditor.
    "wishes:wish_list": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                   Role.GRID_WORKER, Role.AUDITOR}),
    "wishes:wish_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                     Role.GRID_WORKER, Role.AUDITOR}),
    "wishes:wish_export": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                     Role.AUDITOR}),
    "wishes:wish_create": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                     Role.GRID_WORKER}),
    "wishes:wish_action": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                     Role.GRID_WORKER}),
    # -- end wishes
    # outreach events (救助赶大集)
    # Townships and the county plan events; everyone who may stand at the stall records on it
    # (scoped to their area); the auditor reads. Pages of a township's events 404 elsewhere.
    "events:event_list": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                    Role.GRID_WORKER, Role.AUDITOR}),
    "events:event_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                      Role.GRID_WORKER, Role.AUDITOR}),
    "events:event_create": frozenset({Role.COUNTY_ADMIN, Role.CLERK}),
    "events:event_edit": frozenset({Role.COUNTY_ADMIN, Role.CLERK}),
    "events:entry_record": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                      Role.GRID_WORKER}),
    # Township rows only, so it is for those who answer for a township's or the county's figures.
    "events:summary": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR}),
    # -- end events
    # hotline tickets
    # The county hotline takes, dispatches, supervises and closes; the township a ticket is
    # dispatched to handles and replies (each move's roles: tickets.workflow); the auditor reads;
    # a liaison reads the tickets sent to its department (tickets.selectors).
    "tickets:ticket_list": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR,
                                      Role.LIAISON}),
    "tickets:ticket_create": COUNTY_ONLY,
    "tickets:ticket_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                        Role.AUDITOR, Role.LIAISON}),
    "tickets:ticket_move": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    "tickets:wish_create": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    "api:ticket_list": by_method(
        read=frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR, Role.LIAISON}),
        write=COUNTY_ONLY),
    "api:ticket_create": by_method(
        read=frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR, Role.LIAISON}),
        write=COUNTY_ONLY),
    "api:ticket_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR,
                                    Role.LIAISON}),
    # -- end tickets
    # low-income monitoring (warnings, rules, runs)
    # The queue is read by the township, the village's grid worker (who may record the contact),
    # the county and the auditor; each step's own roles are checked by
    # monitoring.services.warnings (MOVES). Rules are the county's; township clerks may start a
    # run over their own township (monitoring.forms.RunForm offers only the user's regions).
    "monitoring:warning_list": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                          Role.GRID_WORKER, Role.AUDITOR}),
    "monitoring:warning_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                            Role.GRID_WORKER, Role.AUDITOR}),
    "monitoring:warning_action": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                            Role.GRID_WORKER}),
    "monitoring:overview": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                      Role.AUDITOR}),
    "monitoring:rule_list": frozenset({Role.COUNTY_ADMIN, Role.AUDITOR}),
    "monitoring:rule_edit": COUNTY_ONLY,
    "monitoring:rule_clear": COUNTY_ONLY,
    "monitoring:monitored_list": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                            Role.GRID_WORKER, Role.AUDITOR}),
    "monitoring:monitored_create": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    "monitoring:monitored_end": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    "monitoring:run_list": by_method(
        read=frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR}),
        write=frozenset({Role.COUNTY_ADMIN, Role.CLERK})),
    "monitoring:run_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                        Role.AUDITOR}),
    "api:warning_list": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                   Role.GRID_WORKER, Role.AUDITOR}),
    "api:warning_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                     Role.GRID_WORKER, Role.AUDITOR}),
    # -- end monitoring
    # ledgers with 销号 and the risk register
    # Township and county staff keep the ledger and the register, the auditor reads them; each
    # step's own roles (who may 销号: services.ledgers) are checked by the services.
    "ledgers:item_list": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR}),
    "ledgers:item_export": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                      Role.AUDITOR}),
    "ledgers:weekly": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR}),
    "ledgers:item_create": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    "ledgers:item_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                      Role.AUDITOR}),
    "ledgers:item_action": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    "ledgers:evidence_upload": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    "ledgers:evidence_download": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                            Role.AUDITOR}),
    "ledgers:risk_list": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR}),
    "ledgers:risk_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                      Role.AUDITOR}),
    "ledgers:risk_create": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    "ledgers:risk_edit": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    "ledgers:risk_action": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    # -- end ledgers
    # 联席会议 records
    # The county records its meetings, a township's clerk and reviewer their township's; the
    # auditor reads. Tasks become 任务清单 items (the ledger's rules then apply).
    "meetings:meeting_list": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                        Role.AUDITOR}),
    "meetings:meeting_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                          Role.AUDITOR}),
    "meetings:meeting_create": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    "meetings:item_add": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    "meetings:task_add": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER}),
    # -- end meetings
    # supervision sampling
    # The county draws rounds and records findings (supervision of the townships, so never the
    # township itself; the services check it too); townships read their own checks and rates,
    # the auditor reads everything.
    "sampling:round_list": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                      Role.AUDITOR}),
    "sampling:round_create": COUNTY_ONLY,
    "sampling:round_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                        Role.AUDITOR}),
    "sampling:missing_add": COUNTY_ONLY,
    "sampling:check_record": by_method(
        read=frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR}),
        write=COUNTY_ONLY),
    # -- end sampling
    # performance evaluation
    # The county evaluates (schemes, computing, scoring, 定档, the ranked and year-on-year
    # tables); a township reads its own evaluation; the auditor reads. Schemes belong to no
    # region, so their pages are county-level only.
    "evaluation:evaluation_list": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                             Role.AUDITOR}),
    "evaluation:evaluation_detail": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER,
                                               Role.AUDITOR}),
    "evaluation:scheme_detail": frozenset({Role.COUNTY_ADMIN, Role.AUDITOR}),
    "evaluation:ranking": frozenset({Role.COUNTY_ADMIN, Role.AUDITOR}),
    "evaluation:year_on_year": frozenset({Role.COUNTY_ADMIN, Role.AUDITOR}),
    "evaluation:evaluation_compute": COUNTY_ONLY,
    "evaluation:evaluation_recompute": COUNTY_ONLY,
    "evaluation:score_enter": COUNTY_ONLY,
    "evaluation:evaluation_finalize": COUNTY_ONLY,
    # -- end evaluation
    # periodic reports
    # Aggregates only (no names), for the staff who answer for a region's figures, as the
    # monthly report; the selector 404s a region outside the user's scope.
    "periodic:report": frozenset({Role.COUNTY_ADMIN, Role.CLERK, Role.REVIEWER, Role.AUDITOR}),
    # -- end periodic
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
    "portal:policies": PUBLIC,
    "portal:recipients_index": PUBLIC,
    "portal:recipients": PUBLIC,
    # -- end portal disclosure
    # care card public page (opened by the QR code's token; throttled)
    "card_public:card": PUBLIC,
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
