"""Hotline and complaint tickets, mounted at /tickets/."""

from django.urls import path  # noqa: F401 - the owner of this module adds its routes

app_name = "tickets"
urlpatterns: list = []
