from django.urls import path

from . import run_views

app_name = "runs"
urlpatterns = [
    path("", run_views.run_list, name="run_list"),
    path("<int:pk>/", run_views.run_detail, name="run_detail"),
    path("<int:pk>/progress/", run_views.run_progress, name="run_progress"),
    path("rules/", run_views.rule_list, name="rule_list"),
    path("rules/<int:pk>/toggle/", run_views.rule_toggle, name="rule_toggle"),
]
