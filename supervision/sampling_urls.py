"""Supervision sampling checks and accuracy rates; mounted at /supervision/sampling/."""

from django.urls import path

from . import sampling_views as views

app_name = "sampling"
urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("new/", views.round_create, name="round_create"),
    path("<int:round_id>/", views.round_detail, name="round_detail"),
    path("<int:round_id>/missing/", views.missing_add, name="missing_add"),
    path("checks/<int:check_id>/", views.check_record, name="check_record"),
]
