"""Routes of the 一卡通 account and bank pages (permissions: jiuzhu.access, "bank files")."""

from django.urls import path

from . import bank_views

app_name = "bank"

urlpatterns = [
    path("households/<int:household_id>/account/", bank_views.account_section,
         name="account_section"),
    path("households/<int:household_id>/account/<int:pk>/close/", bank_views.account_close,
         name="account_close"),
    path("runs/<int:pk>/", bank_views.run_detail, name="run_detail"),
    path("runs/<int:pk>/files/", bank_views.file_create, name="file_create"),
    path("runs/<int:pk>/return/", bank_views.return_import, name="return_import"),
    path("runs/<int:pk>/reissue/", bank_views.reissue, name="reissue"),
    path("files/<int:pk>/download/", bank_views.file_download, name="file_download"),
]
