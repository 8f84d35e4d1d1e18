"""Routes of the enrollment pages: recipients, their adjustments and status, re-check tasks."""

from django.urls import path

from . import enrollment_views as views

app_name = "enrollment"

urlpatterns = [
    path("", views.enrollment_list, name="enrollment_list"),
    path("<int:pk>/", views.enrollment_detail, name="enrollment_detail"),
    path("<int:pk>/back-pay/", views.back_pay, name="back_pay"),
    path("<int:pk>/recovery/", views.recovery, name="recovery"),
    path("<int:pk>/repayment/", views.repayment, name="repayment"),
    path("<int:pk>/write-off/", views.write_off, name="write_off"),
    path("<int:pk>/amount-change/", views.amount_change, name="amount_change"),
    path("<int:pk>/status/", views.status_change, name="status"),
    path("rechecks/", views.recheck_list, name="recheck_list"),
    path("rechecks/<int:pk>/", views.recheck_decide, name="recheck_decide"),
]
