"""Routes of the payroll run pages. Township and village drill-downs are query parameters of
the run's pages, so every object in a path is the run itself."""

from django.urls import path

from . import payroll_views as views

app_name = "payroll"

urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("<int:pk>/", views.run_detail, name="run_detail"),
    path("<int:pk>/lines/", views.run_lines, name="run_lines"),
    path("<int:pk>/recompute/", views.run_recompute, name="run_recompute"),
    path("<int:pk>/approve/", views.run_approve, name="run_approve"),
    path("<int:pk>/reopen/", views.run_reopen, name="run_reopen"),
]
