"""Problem/responsibility/task lists with 销号 and the risk register; mounted at /supervision/ledgers/."""

from django.urls import path

from . import ledger_views as views

app_name = "ledgers"
urlpatterns = [
    path("", views.item_list, name="item_list"),
    path("export/", views.item_export, name="item_export"),
    path("weekly/", views.weekly, name="weekly"),
    path("new/", views.item_create, name="item_create"),
    path("risks/", views.risk_list, name="risk_list"),
    path("risks/new/", views.risk_create, name="risk_create"),
    path("risks/<int:risk_id>/", views.risk_detail, name="risk_detail"),
    path("risks/<int:risk_id>/edit/", views.risk_edit, name="risk_edit"),
    path("risks/<int:risk_id>/<slug:action>/", views.risk_action, name="risk_action"),
    path("<int:item_id>/", views.item_detail, name="item_detail"),
    path("<int:item_id>/evidence/", views.evidence_upload, name="evidence_upload"),
    # The item first (scoped), then its evidence row by `pk`.
    path("<int:item_id>/evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    # One route for every step; the step's name picks its form and service (ledger_views.ACTIONS).
    path("<int:item_id>/<slug:action>/", views.item_action, name="item_action"),
]
