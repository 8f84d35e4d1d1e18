"""Staff pages of the care cards, mounted at /cards/."""

from django.urls import path  # noqa: F401 - the owner of this module adds its routes

app_name = "cards"
urlpatterns: list = []
