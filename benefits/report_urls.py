"""Routes of the monthly statistics report (统计月报), mounted at /reports/monthly/."""

from django.urls import path

from . import report_views

app_name = "report"

urlpatterns = [
    path("", report_views.monthly, name="monthly"),
]
