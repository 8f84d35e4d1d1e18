"""Hotline and complaint tickets, mounted at /tickets/."""

from django.urls import path

from . import views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="ticket_list"),
    path("new/", views.ticket_create, name="ticket_create"),
    path("<int:ticket_id>/", views.ticket_detail, name="ticket_detail"),
    path("<int:ticket_id>/move/<slug:action>/", views.ticket_move, name="ticket_move"),
    path("<int:ticket_id>/wish/", views.wish_create, name="wish_create"),
]
