"""The public page a care card's QR code opens, mounted at /k/ (PUBLIC in jiuzhu.access)."""

from django.urls import path

from . import public_views

app_name = "card_public"
urlpatterns = [
    path("<str:token>/", public_views.card_public, name="card"),
]
