from django.urls import path

from . import views

app_name = "policies"
urlpatterns = [
    path("programmes/", views.programme_list, name="programme_list"),
    path("parameters/", views.parameter_list, name="parameter_list"),
    path("parameters/new/", views.parameter_create, name="parameter_create"),
    path("zhengce/", views.qa, name="qa"),
]
