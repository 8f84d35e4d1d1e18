"""The public page a care card's QR code opens, mounted at /k/ (PUBLIC in jiuzhu.access)."""

from django.urls import path  # noqa: F401 - the owner of this module adds its routes

app_name = "card_public"
urlpatterns: list = []
