"""The 微心愿 ledger, mounted at /wishes/."""

from django.urls import path  # noqa: F401 - the owner of this module adds its routes

app_name = "wishes"
urlpatterns: list = []
