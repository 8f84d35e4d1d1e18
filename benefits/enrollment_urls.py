"""Routes of the enrollment pages (filled in by the module that owns them)."""

from django.urls import path  # noqa: F401

app_name = "enrollment"

urlpatterns: list = []
