"""Grid workers' visit lists and visit records, mounted at /visits/."""

from django.urls import path  # noqa: F401 - the owner of this module adds its routes

app_name = "visits"
urlpatterns: list = []
