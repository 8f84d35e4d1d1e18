"""Outreach events (救助赶大集), mounted at /events/."""

from django.urls import path  # noqa: F401 - the owner of this module adds its routes

app_name = "events"
urlpatterns: list = []
