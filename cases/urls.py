from django.urls import path

from . import stage_views, views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("overdue/", views.overdue, name="overdue"),
    path("new/<int:household_id>/", views.case_create, name="case_create"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/move/<slug:action>/", stage_views.case_move, name="case_move"),
    path("<int:pk>/survey/", stage_views.survey, name="survey"),
    path("<int:pk>/verification/", stage_views.verification, name="verification"),
    path("<int:pk>/opinion/", stage_views.opinion, name="opinion"),
    path("<int:pk>/selfcare/", stage_views.selfcare, name="selfcare"),
    path("<int:pk>/consent/", stage_views.consent, name="consent"),
    path("<int:pk>/objection/", stage_views.objection, name="objection"),
    path("<int:pk>/meeting/", stage_views.meeting, name="meeting"),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("documents/<str:token>/", views.document_download, name="document_download"),
    path("<int:pk>/notice/<slug:kind>/", views.notice, name="notice"),
]
