"""The "verification" namespace: department data pages, plus the case report, review-task and
integrity pages of `review_urls` (one include, since a namespace can be mounted only once)."""

from django.urls import path

from . import data_views, review_urls

app_name = "verification"
urlpatterns = [
    path("sources/", data_views.source_list, name="source_list"),
    # A source's primary key is its code (e.g. "vehicles").
    path("sources/<slug:pk>/", data_views.source_detail, name="source_detail"),
    path("snapshots/<int:pk>/", data_views.snapshot_detail, name="snapshot_detail"),
    *review_urls.urlpatterns,
]
