from django.urls import path

from . import views

app_name = "calendar_days"
urlpatterns = [
    path("", views.year, name="year"),
    path("set/", views.day_set, name="day_set"),
    path("publish/", views.year_publish, name="year_publish"),
]
