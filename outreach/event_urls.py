"""Outreach events (救助赶大集), mounted at /events/."""

from django.urls import path

from . import event_views as views

app_name = "events"
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("new/", views.event_create, name="event_create"),
    path("summary/", views.summary, name="summary"),
    path("<int:event_id>/", views.event_detail, name="event_detail"),
    path("<int:event_id>/edit/", views.event_edit, name="event_edit"),
    path("<int:event_id>/record/", views.entry_record, name="entry_record"),
]
