"""联席会议 records; mounted at /supervision/meetings/."""

from django.urls import path

from . import meeting_views as views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("new/", views.meeting_create, name="meeting_create"),
    path("<int:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("<int:meeting_id>/items/", views.item_add, name="item_add"),
    path("<int:meeting_id>/tasks/", views.task_add, name="task_add"),
]
