from django.urls import path

from . import views

app_name = "relief"
urlpatterns = [
    path("", views.fund_list, name="fund_list"),
    # Before the township pattern, which would otherwise take "allocate" as a code.
    path("allocate/", views.allocate, name="allocate"),
    path("<str:township_code>/", views.fund_detail, name="fund_detail"),
]
