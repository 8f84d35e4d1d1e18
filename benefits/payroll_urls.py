"""Routes of the payroll pages (filled in by the module that owns them)."""

from django.urls import path  # noqa: F401

app_name = "payroll"

urlpatterns: list = []
