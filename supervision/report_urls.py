"""Daily/weekly/monthly/quarterly reports; mounted at /reports/periodic/."""

from django.urls import path

from . import report_views

app_name = "periodic"
urlpatterns = [
    path("", report_views.report, name="report"),
]
