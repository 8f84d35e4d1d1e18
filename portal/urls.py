"""The citizen portal, mounted at /portal/; every route is PUBLIC in jiuzhu.access."""

from django.urls import path

from . import disclosure_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("apply/", views.apply, name="apply"),
    path("apply/done/", views.apply_done, name="apply_done"),
    path("progress/", views.progress, name="progress"),
    path("progress/notice/<slug:kind>/", views.notice, name="notice"),
    path("gongshi/", views.publicity_index, name="publicity_index"),
    path("gongshi/yiyi/<str:token>/", views.objection, name="objection"),
    path("gongshi/<str:village_code>/", views.publicity_village, name="publicity_village"),
    path("cesuan/", views.calculator, name="calculator"),
    # 政策公开 and the monthly 救助对象名单 (portal.disclosure_views)
    path("zhengce/", disclosure_views.policies, name="policies"),
    path("mingdan/", disclosure_views.recipients_index, name="recipients_index"),
    path("mingdan/<str:village_code>/<str:month>/", disclosure_views.recipients,
         name="recipients"),
]
