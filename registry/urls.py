from django.urls import path

from . import import_views, views

app_name = "registry"
urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("new/", views.household_create, name="household_create"),
    path("<int:household_id>/", views.household_detail, name="household_detail"),
    path("<int:household_id>/edit/", views.household_edit, name="household_edit"),
    path("<int:household_id>/history/", views.household_history, name="household_history"),
    path("<int:household_id>/members/", views.member_add, name="member_add"),
    path("<int:household_id>/assets/", views.asset_add, name="asset_add"),
    path("persons/<int:person_id>/", views.person_detail, name="person_detail"),
    path("persons/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:person_id>/incomes/", views.income_add, name="income_add"),
    path("persons/<int:person_id>/disabilities/", views.disability_add, name="disability_add"),
    path("import/", import_views.import_start, name="import_start"),
    path("import/template/", import_views.import_template, name="import_template"),
    path("import/<int:job_id>/", import_views.import_detail, name="import_detail"),
]
