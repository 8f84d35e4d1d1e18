"""Staff pages of the care cards, mounted at /cards/."""

from django.urls import path

from . import views

app_name = "cards"
urlpatterns = [
    path("", views.card_list, name="card_list"),
    path("sheet.pdf", views.sheet_pdf, name="sheet_pdf"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/new/", views.batch_create, name="batch_create"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:batch_id>/cards.pdf", views.batch_pdf, name="batch_pdf"),
    path("households/<int:household_id>/issue/", views.card_issue, name="card_issue"),
    path("<int:card_id>/", views.card_detail, name="card_detail"),
    path("<int:card_id>/card.pdf", views.card_pdf, name="card_pdf"),
    path("<int:card_id>/revoke/", views.card_revoke, name="card_revoke"),
    path("<int:card_id>/reissue/", views.card_reissue, name="card_reissue"),
]
