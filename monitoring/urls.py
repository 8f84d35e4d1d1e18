"""Low-income monitoring: warning queue, rules, runs; mounted at /monitoring/."""

from django.urls import path

from . import settings_views, views

app_name = "monitoring"
urlpatterns = [
    path("", views.warning_list, name="warning_list"),
    path("overview/", views.overview, name="overview"),
    path("<int:warning_id>/", views.warning_detail, name="warning_detail"),
    # One route for every step; the step's name picks its form and service (views.ACTIONS).
    path("<int:warning_id>/<slug:action>/", views.warning_action, name="warning_action"),
    path("rules/", settings_views.rule_list, name="rule_list"),
    path("rules/edit/", settings_views.rule_edit, name="rule_edit"),
    path("rules/clear/", settings_views.rule_clear, name="rule_clear"),
    path("households/", settings_views.monitored_list, name="monitored_list"),
    path("households/new/", settings_views.monitored_create, name="monitored_create"),
    path("households/<int:household_id>/end/", settings_views.monitored_end,
         name="monitored_end"),
    path("runs/", settings_views.run_list, name="run_list"),
    path("runs/<int:mrun_id>/", settings_views.run_detail, name="run_detail"),
]
