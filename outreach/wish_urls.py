"""The 微心愿 ledger, mounted at /wishes/."""

from django.urls import path

from . import wish_views as views

app_name = "wishes"
urlpatterns = [
    path("", views.wish_list, name="wish_list"),
    path("export/", views.wish_export, name="wish_export"),
    path("new/", views.wish_create, name="wish_create"),
    path("<int:wish_id>/", views.wish_detail, name="wish_detail"),
    # One route for every step; the step's name picks its form and service (wish_views.ACTIONS).
    path("<int:wish_id>/<slug:action>/", views.wish_action, name="wish_action"),
]
