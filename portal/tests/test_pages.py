"""The public layout: county title, the 民政 phone, the six links, and no staff navigation."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/portal/", "/portal/apply/", "/portal/progress/",
                                 "/portal/gongshi/", "/portal/cesuan/"])
def test_public_pages_open_without_login(county: None, client: Client, url: str) -> None:
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "崆峒区（演示）社会救助服务" in body and "0933-8211001" in body
    for link in ("/portal/apply/", "/portal/progress/", "/portal/gongshi/", "/portal/cesuan/",
                 "/policies/zhengce/"):
        assert f'href="{link}' in body
    assert "工作台" not in body and "退出" not in body


def test_home_lists_the_online_programmes(county: None, client: Client) -> None:
    body = client.get("/portal/").content.decode()
    for name in ("城市最低生活保障", "农村最低生活保障", "特困人员救助供养", "临时救助"):
        assert name in body
    assert "医疗救助" not in body
