"""Grid workers' visit lists and visit records, mounted at /visits/."""

from django.urls import path

from . import visit_views as views

app_name = "visits"
urlpatterns = [
    # A grid worker's village list; staff above a village get the per-village summary, and
    # ?village=<code> drills down (a query parameter, so the code is checked like any input).
    path("", views.visit_list, name="visit_list"),
    path("households/<int:household_id>/", views.household_visits, name="household_visits"),
    path("households/<int:household_id>/new/", views.visit_create, name="visit_create"),
    path("<int:visit_id>/", views.visit_detail, name="visit_detail"),
    path("<int:visit_id>/photo/", views.visit_photo, name="visit_photo"),
    path("<int:visit_id>/signature/", views.visit_signature, name="visit_signature"),
]
