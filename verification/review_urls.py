"""Case reports, review tasks and integrity matching; spread into `verification.urls`, which
mounts the "verification" namespace once."""

from django.urls import path

from . import integrity_views, report_views, task_views

app_name = "verification"
urlpatterns = [
    path("cases/<int:pk>/verify/", report_views.case_verify, name="case_verify"),
    path("reports/<int:pk>/", report_views.report_detail, name="report_detail"),
    path("reports/<int:pk>/pdf/", report_views.report_pdf, name="report_pdf"),
    path("tasks/", task_views.task_list, name="task_list"),
    path("tasks/<int:pk>/close/", task_views.task_close, name="task_close"),
    path("integrity/", integrity_views.integrity_list, name="integrity_list"),
    path("integrity/<int:pk>/", integrity_views.integrity_review, name="integrity_review"),
    path("integrity/relatives/", integrity_views.staff_relatives, name="staff_relatives"),
    path("integrity/relatives/import/", integrity_views.staff_relative_import,
         name="staff_relative_import"),
]
