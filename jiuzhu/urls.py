from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from .api import api

urlpatterns = [
    path("", include("dashboard.urls")),
    path("accounts/", include("accounts.urls")),
    path("households/", include("registry.urls")),
    path("policies/", include("policies.urls")),
    path("calendar/", include("calendar_days.urls")),
    path("cases/", include("cases.urls")),
    path("relief/", include("relief.urls")),
    path("portal/", include("portal.urls")),
    path("payroll/bank/", include("benefits.bank_urls")),
    path("payroll/", include("benefits.payroll_urls")),
    path("enrollments/", include("benefits.enrollment_urls")),
    path("reports/monthly/", include("benefits.report_urls")),
    path("verification/runs/", include("verification.run_urls")),
    # verification.urls = department data pages + verification.review_urls (one namespace)
    path("verification/", include("verification.urls")),
    path("cards/", include("cards.urls")),
    path("k/", include("cards.public_urls")),
    path("visits/", include("outreach.visit_urls")),
    path("wishes/", include("outreach.wish_urls")),
    path("events/", include("outreach.event_urls")),
    path("tickets/", include("tickets.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("supervision/ledgers/", include("supervision.ledger_urls")),
    path("supervision/meetings/", include("supervision.meeting_urls")),
    path("supervision/sampling/", include("supervision.sampling_urls")),
    path("supervision/evaluation/", include("supervision.evaluation_urls")),
    path("reports/periodic/", include("supervision.report_urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
