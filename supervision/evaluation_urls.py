"""Performance evaluation; mounted at /supervision/evaluation/."""

from django.urls import path

from . import evaluation_views as views

app_name = "evaluation"
urlpatterns = [
    path("", views.evaluation_list, name="evaluation_list"),
    path("schemes/<int:scheme_id>/", views.scheme_detail, name="scheme_detail"),
    path("schemes/<int:scheme_id>/compute/", views.evaluation_compute,
         name="evaluation_compute"),
    path("schemes/<int:scheme_id>/ranking/", views.ranking, name="ranking"),
    path("schemes/<int:scheme_id>/year-on-year/", views.year_on_year, name="year_on_year"),
    path("<int:evaluation_id>/", views.evaluation_detail, name="evaluation_detail"),
    path("<int:evaluation_id>/recompute/", views.evaluation_recompute,
         name="evaluation_recompute"),
    path("<int:evaluation_id>/score/", views.score_enter, name="score_enter"),
    path("<int:evaluation_id>/finalize/", views.evaluation_finalize,
         name="evaluation_finalize"),
]
